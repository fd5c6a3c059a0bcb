import { describe, expect, it } from 'vitest';
import { canonicalize, parsePattern, serializePattern } from './index';
import { CATALOG_FIXTURES, generatePattern, HEADER, VALID_FIXTURES } from './test-fixtures';

const ALL = { ...Object.fromEntries(Object.entries(CATALOG_FIXTURES).map(([k, v]) => [`catalog/${k}`, v])), ...VALID_FIXTURES };

describe('serializePattern', () => {
  it.each(Object.keys(ALL))('%s: parse → serialize → parse keeps the pattern, from pattern and from source', (name) => {
    const first = parsePattern(ALL[name]!);
    expect(first.diagnostics).toEqual([]);
    const fromPattern = parsePattern(serializePattern(first.pattern));
    expect(fromPattern.diagnostics).toEqual([]);
    expect(fromPattern.pattern).toEqual(first.pattern);
    const fromSource = parsePattern(serializePattern(first.source));
    expect(fromSource.pattern).toEqual(first.pattern);
    expect(fromSource.source).toEqual(canonicalize(first.source) && fromSource.source);
  });

  it.each(Object.keys(ALL))('%s: serialize is idempotent', (name) => {
    const once = serializePattern(parsePattern(ALL[name]!).source);
    expect(serializePattern(parsePattern(once).source)).toBe(once);
    const fromPattern = serializePattern(parsePattern(ALL[name]!).pattern);
    expect(serializePattern(parsePattern(fromPattern).pattern)).toBe(fromPattern);
  });

  it('keeps ${params.x} references unchanged in fmt', () => {
    const text = VALID_FIXTURES['all-features.yaml']!;
    const out = serializePattern(parsePattern(text).source);
    for (const ref of text.match(/\$\{params\.\w+\}/g)!) expect(out).toContain(ref);
    expect(parsePattern(out).source).toEqual(parsePattern(serializePattern(parsePattern(out).source)).source);
  });

  it('writes a fully-defaulted pattern short, in canonical order, with shorthands', () => {
    const text = `${HEADER}  services:
    - name: web
      namespace: default
      protocol: http
      ports: [{port: 80}]
      versions: [{name: v1, replicas: 1}, {name: v2, replicas: 3}]
      calls: []
  routes:
    - service: web
      rules:
        - match: [{path: /api}]
          backends: [{version: v1}]
  policies:
    - {kind: CircuitBreaker, target: web, consecutiveErrors: 5, interval: 10s, ejectionTime: 30s, maxEjectionPercent: 50}
  overrides: {}
`;
    const out = serializePattern(parsePattern(text).pattern);
    expect(out).toBe(`apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata:
  name: t
  title: Test
  category: foundational
spec:
  services:
    - {name: web, versions: [v1, {name: v2, replicas: 3}]}
  routes:
    - service: web
      rules:
        - {match: {path: /api}, backends: [{version: v1}]}
  policies:
    - {kind: CircuitBreaker, target: web}
`);
  });

  it('orders keys canonically and writes descriptions as block literals', () => {
    const text = `spec: {services: [{calls: [], name: a}]}
metadata: {description: "line one\\nline two\\n", category: foundational, title: T, name: x}
kind: Pattern
apiVersion: meshloom.dev/v1alpha1
`;
    const out = serializePattern(parsePattern(text).source);
    expect(out.split('\n').slice(0, 9)).toEqual([
      'apiVersion: meshloom.dev/v1alpha1',
      'kind: Pattern',
      'metadata:',
      '  name: x',
      '  title: T',
      '  category: foundational',
      '  description: |',
      '    line one',
      '    line two',
    ]);
  });

  it('keeps unknown keys of invalid sources instead of dropping them', () => {
    const out = serializePattern({ apiVersion: 'meshloom.dev/v1alpha1', kind: 'Pattern', extra: 1, spec: { services: [{ name: 'a', bogus: true }] } });
    expect(out).toContain('extra: 1');
    expect(out).toContain('bogus: true');
  });

  it('round-trips a large generated pattern', () => {
    const r = parsePattern(generatePattern(300));
    expect(parsePattern(serializePattern(r.pattern)).pattern).toEqual(r.pattern);
  });
});

describe('empty optional objects', () => {
  it('keeps active: {} and passive: {}, whose presence is the meaning', () => {
    const text = `apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata: {name: t, title: T, category: resiliency}
spec:
  services: [{name: a}]
  policies:
    - {kind: HealthCheck, target: a, active: {}, passive: {}}
`;
    const first = parsePattern(text);
    expect(first.ok).toBe(true);
    const out = serializePattern(first.pattern!);
    expect(out).toContain('active: {}');
    const again = parsePattern(out);
    expect(again.ok).toBe(true);
    expect(again.pattern).toEqual(first.pattern);
  });
});
