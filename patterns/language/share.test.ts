import { describe, expect, it } from 'vitest';
import { generatePattern } from './generate';
import { decodeShareFragment, encodeShareFragment, SHARE_URL_LIMIT } from './share';

describe('share links', () => {
  it('round-trips a pattern text, comments and unicode included', async () => {
    const text = '# ünïcode ✓\napiVersion: meshloom.dev/v1alpha1\n';
    const f = await encodeShareFragment(text);
    expect(f).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(await decodeShareFragment(`#${f}`)).toEqual({ ok: true, text });
  });
  it('keeps a 20-service pattern well under the URL limit', async () => {
    const f = await encodeShareFragment(generatePattern(20));
    expect(f.length).toBeLessThan(SHARE_URL_LIMIT / 4);
  });
  it('reports damaged and foreign links with codes, never throwing', async () => {
    expect(await decodeShareFragment('hello')).toMatchObject({ ok: false, code: 'ML6001' });
    const f = await encodeShareFragment('apiVersion: x\n'.repeat(50));
    expect(await decodeShareFragment(f.slice(0, f.length - 6))).toMatchObject({ ok: false, code: 'ML6002' });
    expect(await decodeShareFragment('v1.%%%')).toMatchObject({ ok: false, code: 'ML6002' });
  });
  it('refuses a decompression bomb', async () => {
    const f = await encodeShareFragment('a'.repeat(9 * 1024 * 1024));
    expect(await decodeShareFragment(f)).toMatchObject({ ok: false, code: 'ML6003' });
  });
});
