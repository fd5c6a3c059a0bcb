/** Keys whose values are credentials and must never be sent to the browser. */
const SECRET_KEYS = new Set(['token', 'accessToken', 'refreshToken', 'idToken', 'password']);

/** A deep copy of a JSON value with every credential-bearing key removed. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!SECRET_KEYS.has(k)) out[k] = redactSecrets(v);
    return out;
  }
  return value;
}

/** The same response with credentials removed from its JSON body; other responses pass through. */
export async function withoutSessionTokens(res: Response): Promise<Response> {
  if (!res.headers.get('content-type')?.includes('application/json')) return res;
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  }
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(redactSecrets(body)), { status: res.status, statusText: res.statusText, headers });
}
