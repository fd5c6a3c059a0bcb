import { patternJsonSchema } from '@/patterns/language/json-schema';

// The pattern file's JSON Schema at a stable URL (for Monaco, VS Code's yaml-language-server, docs).
export const dynamic = 'force-static';

export function GET() {
  return Response.json(patternJsonSchema(), {
    headers: { 'Cache-Control': 'public, max-age=300', 'Access-Control-Allow-Origin': '*' },
  });
}
