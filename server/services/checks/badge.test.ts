import { describe, expect, it } from 'vitest';
import { escapeXml, patternBadgeSvg, renderBadgeSvg } from './badge';

describe('conformance badges', () => {
  it('escape every text, so nothing becomes markup', () => {
    const svg = renderBadgeSvg({ label: '<script>alert(1)</script>', message: `"&'>\u0007`, color: 'red" onload="x' });
    expect(svg).not.toMatch(/<script/);
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(svg).toContain('&quot;&amp;&apos;&gt;');
    expect(svg).not.toContain('\u0007');
    // A colour that is not a hex colour is replaced, never written into an attribute.
    expect(svg).not.toContain('onload');
    expect(escapeXml('a&b<c>"d\'')).toBe('a&amp;b&lt;c&gt;&quot;d&apos;');
  });

  it('say passed with the date, failed, untested or unknown pattern', () => {
    const latest = { status: 'passed' as const, runId: 'r', target: 'sandbox' as const, mesh: 'haproxy', capability: 'FULL' as const, totals: { passed: 3, failed: 0, skipped: 0 }, versions: {}, at: '2026-11-25T14:00:00.000Z' };
    expect(patternBadgeSvg({ pattern: 'p', status: 'passed', latest, byMesh: [latest] })).toContain('>passed 2026-11-25<');
    expect(patternBadgeSvg({ pattern: 'p', status: 'failed', latest: { ...latest, status: 'failed' }, byMesh: [] })).toContain('#c62828');
    expect(patternBadgeSvg({ pattern: 'p', status: 'untested', latest: null, byMesh: [] })).toContain('>untested<');
    const unknown = patternBadgeSvg(null);
    expect(unknown).toContain('unknown pattern');
    expect(unknown).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="20" role="img" aria-label="conformance: unknown pattern">/);
  });
});
