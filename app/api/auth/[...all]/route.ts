import { toNextJsHandler } from 'better-auth/next-js';
import { getAuth } from '@/server/auth';
import { withoutSessionTokens } from '@/server/auth/redact';

// The session lives in an HttpOnly cookie; the token is removed from every JSON body so that
// no script in the browser can read it.
export const GET = async (req: Request) => withoutSessionTokens(await toNextJsHandler(getAuth()).GET(req));
export const POST = async (req: Request) => withoutSessionTokens(await toNextJsHandler(getAuth()).POST(req));
