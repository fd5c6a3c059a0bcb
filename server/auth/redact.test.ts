import { describe, expect, it } from 'vitest';
import { redactSecrets, withoutSessionTokens } from './redact';

describe('redactSecrets', () => {
  it('removes tokens at any depth and keeps everything else', () => {
    const body = { token: 't', user: { id: 'u', name: 'A' }, session: { token: 's', expiresAt: 'x', nested: [{ idToken: 'i', ok: 1 }] } };
    expect(redactSecrets(body)).toEqual({ user: { id: 'u', name: 'A' }, session: { expiresAt: 'x', nested: [{ ok: 1 }] } });
  });
});

describe('withoutSessionTokens', () => {
  it('rewrites JSON bodies and keeps status and cookies', async () => {
    const res = new Response(JSON.stringify({ token: 'secret', user: { id: '1' } }), {
      status: 200,
      headers: { 'content-type': 'application/json', 'set-cookie': 'a=b; HttpOnly' },
    });
    const out = await withoutSessionTokens(res);
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toContain('HttpOnly');
    expect(await out.text()).toBe('{"user":{"id":"1"}}');
  });
  it('passes non-JSON responses through untouched', async () => {
    const res = new Response('hello', { headers: { 'content-type': 'text/plain' } });
    expect(await (await withoutSessionTokens(res)).text()).toBe('hello');
  });
});
