import { describe, expect, it } from 'vitest';
import { closestMatch, DIAGNOSTIC_CODES, editDistance, splitCodedMessage } from './diagnostics';

describe('diagnostic codes', () => {
  it('are MLnxxx with a title, in three families', () => {
    for (const [code, title] of Object.entries(DIAGNOSTIC_CODES)) {
      expect(code).toMatch(/^ML[123]\d{3}$/);
      expect(title.length).toBeGreaterThan(3);
    }
  });

  it('cover every code written into schema messages', async () => {
    const source = await import('./schema?raw').then((m: { default: string }) => m.default);
    for (const [, code] of source.matchAll(/'(ML\d{4}) /g)) expect(DIAGNOSTIC_CODES).toHaveProperty(code!);
  });

  it('split coded messages', () => {
    expect(splitCodedMessage('ML3004 bad duration: x')).toEqual({ code: 'ML3004', message: 'bad duration: x' });
    expect(splitCodedMessage('ML9999 nope')).toEqual({ message: 'ML9999 nope' });
    expect(splitCodedMessage('plain')).toEqual({ message: 'plain' });
  });

  it('suggest close names', () => {
    expect(editDistance('protocl', 'protocol')).toBe(1);
    expect(closestMatch('servces', ['services', 'routes'])).toBe('services');
    expect(closestMatch('zzzzzz', ['services', 'routes'])).toBeUndefined();
  });
});
