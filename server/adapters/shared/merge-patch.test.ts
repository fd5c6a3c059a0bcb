import { describe, expect, it } from 'vitest';
import { mergePatch } from './merge-patch';

describe('mergePatch (RFC 7386)', () => {
  it('merges objects, replaces arrays and scalars, deletes on null', () => {
    const target = { a: 1, b: { c: 2, d: [1, 2] }, e: 'x' };
    expect(mergePatch(target, { a: 3, b: { d: [9], f: true }, e: null })).toEqual({ a: 3, b: { c: 2, d: [9], f: true } });
    expect(target).toEqual({ a: 1, b: { c: 2, d: [1, 2] }, e: 'x' });
  });
  it('matches the RFC examples', () => {
    expect(mergePatch({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(mergePatch({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(mergePatch(['a', 'b'], ['c', 'd'])).toEqual(['c', 'd']);
    expect(mergePatch({ a: 'foo' }, 'bar')).toBe('bar');
    expect(mergePatch({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
  });
  it('never writes prototype keys', () => {
    const out = mergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(out)).toEqual([]);
  });
});
