// GET /api/badges/<pattern> — an SVG badge of the pattern's latest conformance (behaviour) result,
// to embed anywhere (shields-style). Private patterns only for who may see them.
import { getActor } from '@/server/auth';
import { getDb } from '@/server/db';
import { getLatestPatternCheck } from '@/server/services/checks';
import { patternBadgeSvg } from '@/server/services/checks/badge';
import { isServiceError } from '@/server/services/errors';

export const dynamic = 'force-dynamic';

const HEADERS = {
  'content-type': 'image/svg+xml; charset=utf-8',
  'cache-control': 'no-cache, max-age=0',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
};

export async function GET(req: Request, { params }: { params: Promise<{ pattern: string }> }) {
  const name = (await params).pattern;
  try {
    const check = /^[a-z0-9][a-z0-9-]{0,62}$/.test(name) ? await getLatestPatternCheck({ db: getDb(), actor: await getActor(req.headers), pattern: name }) : null;
    return new Response(patternBadgeSvg(check), { status: check ? 200 : 404, headers: HEADERS });
  } catch (e) {
    if (isServiceError(e, 'NOT_FOUND')) return new Response(patternBadgeSvg(null), { status: 404, headers: HEADERS });
    throw e;
  }
}
