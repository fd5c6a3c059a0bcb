import { describe, expect, it } from 'vitest';
import { generatePattern } from './generate';
import { parsePattern } from './parse';

describe('generatePattern', () => {
  it('produces a valid pattern with the requested numbers of services and routes', () => {
    const r = parsePattern(generatePattern(20, { routes: 30 }));
    expect(r.diagnostics).toEqual([]);
    expect(r.pattern?.spec.services).toHaveLength(20);
    expect(r.pattern?.spec.routes).toHaveLength(30);
  });
});
