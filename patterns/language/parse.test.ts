import { describe, expect, it } from 'vitest';
import {
  allowedKeysAt,
  decodePatternBytes,
  DIAGNOSTIC_CODES,
  parsePattern,
  parseRawYaml,
  positionOf,
  resolveParams,
  schemaAt,
  serializePattern,
  type TDiagnostic,
} from './index';
import { generatePattern, HEADER, VALID_FIXTURES } from './test-fixtures';

const codes = (ds: TDiagnostic[]) => ds.map((d) => d.code);
const only = (text: string, options?: Parameters<typeof parsePattern>[1]) => {
  const r = parsePattern(text, options);
  return { r, codes: codes(r.diagnostics), first: r.diagnostics[0] };
};

describe('valid fixtures', () => {
  it.each(Object.keys(VALID_FIXTURES))('%s parses without diagnostics', (name) => {
    const r = parsePattern(VALID_FIXTURES[name]!);
    expect(r.diagnostics).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.pattern?.apiVersion).toBe('meshloom.dev/v1alpha1');
  });

  it('applies defaults, shorthands and parameters', () => {
    const r = parsePattern(VALID_FIXTURES['reviews-canary.yaml']!);
    const reviews = r.pattern!.spec.services[1]!;
    expect(reviews.ports).toEqual([{ port: 9080 }]);
    expect(reviews.versions.map((v) => [v.name, v.replicas])).toEqual([['v1', 1], ['v2', 1]]);
    const rule = r.pattern!.spec.routes[0]!.rules[1]!;
    expect(rule.backends.map((b) => b.weight)).toEqual([90, 10]);
    expect(r.pattern!.spec.routes[0]!.rules[0]!.match).toHaveLength(1);
    expect(r.params).toEqual({ weight: 10, stable: 90 });
    // source keeps what was written
    expect((r.source as any).spec.routes[0].rules[1].backends[1].weight).toBe('${params.weight}');
  });

  it('every policy kind appears in the all-features fixture', () => {
    const r = parsePattern(VALID_FIXTURES['all-features.yaml']!);
    const kinds = new Set(r.pattern!.spec.policies.map((p) => p.kind));
    expect([...kinds].sort()).toEqual(
      ['AccessLog', 'Authorization', 'CircuitBreaker', 'ConnectionLimits', 'FaultInjection', 'HealthCheck', 'LoadBalancing', 'LocalityFailover', 'Metrics', 'MutualTLS', 'RateLimit', 'Retry', 'RetryBudget', 'Timeout', 'Tracing'].sort(),
    );
  });
});

describe('ML1 syntax', () => {
  it('keeps yaml detail on syntax errors', () => {
    const { codes, first } = only('a: [1, 2\nb: "x\n');
    expect(codes[0]).toBe('ML1001');
    expect(first!.message).toMatch(/^YAML: /);
  });

  it('rejects documents over 8 MiB without parsing them', () => {
    const text = `# ${'x'.repeat(8 * 1024 * 1024)}\n`;
    const t0 = performance.now();
    expect(only(text).codes).toEqual(['ML1002']);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(codes(decodePatternBytes(new Uint8Array(8 * 1024 * 1024 + 1)).diagnostics)).toEqual(['ML1002']);
  });

  it('parses a 5,000-service pattern within the size limit', () => {
    const text = generatePattern(5000);
    expect(text.length).toBeLessThan(8 * 1024 * 1024);
    const r = parsePattern(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.pattern!.spec.services).toHaveLength(5000);
  });

  it('rejects multiple documents', () => {
    expect(only(`${HEADER}  services: [{name: a}]\n---\nb: 1\n`).first).toMatchObject({ code: 'ML1003', line: 9 });
  });

  it('rejects a billion-laughs document fast', () => {
    let doc = 'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    let prev = 'a';
    for (const n of 'bcdefghijk') {
      doc += `${n}: &${n} [${Array(10).fill(`*${prev}`).join(', ')}]\n`;
      prev = n;
    }
    const t0 = performance.now();
    expect(only(doc).codes).toEqual(['ML1004']);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('reports forbidden keys at any depth, with position, without polluting prototypes', () => {
    const text = `${HEADER}  services:\n    - name: a\n      labels:\n        __proto__: {polluted: yes}\n        constructor: x\n`;
    const r = parsePattern(text);
    expect(codes(r.diagnostics)).toEqual(['ML1006', 'ML1006']);
    expect(r.diagnostics[0]).toMatchObject({ line: 11, column: 9, path: ['spec', 'services', 0, 'labels', '__proto__'] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(only('prototype: 1\n').codes).toEqual(['ML1006']);
  });

  it('reports invalid UTF-8 bytes with their line', () => {
    const bytes = new TextEncoder().encode(`${HEADER}  services: [{name: a}]\n`);
    const bad = new Uint8Array([...bytes.slice(0, 40), 0xff, ...bytes.slice(40)]);
    const r = parsePattern(bad);
    expect(r.diagnostics[0]).toMatchObject({ code: 'ML1005', line: 2, column: 7 });
    // overlong encodings and lone surrogates are invalid too
    expect(codes(decodePatternBytes(new Uint8Array([0x61, 0xc0, 0xaf])).diagnostics)).toEqual(['ML1005']);
    expect(codes(decodePatternBytes(new Uint8Array([0xed, 0xa0, 0x80])).diagnostics)).toEqual(['ML1005']);
    // valid multi-byte text and a BOM are fine
    const ok = decodePatternBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('a: é €')]));
    expect(ok).toEqual({ text: 'a: é €', diagnostics: [] });
  });

  it('reports a U+FFFD left by a lossy decoder, with its line', () => {
    expect(only(`${HEADER}  services: [{name: a}]\n# caf\uFFFD\n`).first).toMatchObject({ code: 'ML1005', line: 9, column: 6 });
  });

  it('rejects empty documents and non-mapping roots', () => {
    expect(only('').codes).toEqual(['ML1007']);
    expect(only('# only a comment\n').codes).toEqual(['ML1007']);
    expect(only('- a\n- b\n').codes).toEqual(['ML1008']);
    expect(only('just text').codes).toEqual(['ML1008']);
  });

  it('rejects duplicate keys at the second key', () => {
    expect(only(`${HEADER}  services: []\n  services: []\n`).first).toMatchObject({ code: 'ML1009', line: 9, column: 3 });
  });

  it('rejects excessive nesting without recursion trouble', () => {
    expect(only(`a: ${'['.repeat(100)}${']'.repeat(100)}\n`).codes).toEqual(['ML1010']);
    const r = parsePattern(`a: ${'['.repeat(50000)}${']'.repeat(50000)}\n`);
    expect(r.ok).toBe(false);
  });
});

describe('ML2 schema', () => {
  it('points at the parent mapping for a missing key', () => {
    const { first } = only(HEADER.replace('  title: Test\n', '') + '  services: []\n');
    expect(first).toMatchObject({ code: 'ML2001', line: 4, column: 3, path: ['metadata', 'title'] });
  });

  it('reports each unknown key at the key, with a did-you-mean hint from that object', () => {
    const r = parsePattern(`${HEADER}  servces: []\n  routes:\n    - service: a\n      rulez: []\n      gatway: g\n`);
    const ds = r.diagnostics.filter((d) => d.code === 'ML2003');
    expect(ds.map((d) => [d.line, d.column, d.hint])).toEqual([
      [8, 3, "did you mean 'services'?"],
      [11, 7, "did you mean 'rules'?"],
      [12, 7, "did you mean 'gateway'?"],
    ]);
  });

  it('finds allowed keys inside unions (policies by kind, ports by shape)', () => {
    const root = { spec: { policies: [{ kind: 'RateLimit' }], services: [{ ports: [{ port: 1 }] }] } };
    expect(allowedKeysAt(['spec', 'policies', 0], root)).toContain('requests');
    expect(allowedKeysAt(['spec', 'services', 0, 'ports', 0], root)).toEqual(['port', 'name', 'protocol', 'targetPort']);
    expect(schemaAt(['spec', 'nope'], root)).toBeUndefined();
    const r = parsePattern(`${HEADER}  services: [{name: a}]\n  policies:\n    - {kind: RateLimit, target: a, request: 10}\n`);
    expect(r.diagnostics.find((d) => d.code === 'ML2003')?.hint).toBe("did you mean 'requests'?");
  });

  it('codes enum, range, format, type, apiVersion, kind and policy kind problems', () => {
    const body = `  services:
    - name: a
      protocol: htp
      ports: [0]
    - name: B
      calls: x
  policies:
    - {kind: Teleport, target: a}
`;
    const r = parsePattern(HEADER.replace('v1alpha1', 'v9').replace('kind: Pattern', 'kind: Thing') + body);
    expect(codes(r.diagnostics)).toEqual(['ML2007', 'ML2008', 'ML2004', 'ML2005', 'ML2006', 'ML2002', 'ML2009']);
    expect(r.diagnostics[2]!.hint).toBe("did you mean 'http'?");
    expect(r.diagnostics[6]!.hint).toContain('allowed kinds: CircuitBreaker');
  });

  it('maps coded schema messages to their code', () => {
    const r = parsePattern(`${HEADER}  services: [{name: a}]\n  policies:\n    - {kind: CircuitBreaker, target: a, interval: 2 secs}\n`);
    expect(r.diagnostics[0]).toMatchObject({ code: 'ML3004', line: 10 });
    expect(r.diagnostics[0]!.message).toMatch(/^bad duration/);
  });
});

describe('ML3 references', () => {
  const svc = `  services:\n    - {name: web, versions: [v1, v2]}\n    - {name: api}\n`;
  const check = (body: string) => codes(parsePattern(HEADER + svc + body).diagnostics);

  it('finds unknown services everywhere', () => {
    expect(check('  routes:\n    - service: nope\n      rules: [{backends: [{}]}]\n')).toEqual(['ML3001']);
    expect(check('  routes:\n    - service: web\n      rules: [{backends: [{service: nope}]}]\n')).toEqual(['ML3001']);
    expect(check('  routes:\n    - service: web\n      rules: [{backends: [{}], mirror: {service: nope}}]\n')).toEqual(['ML3001']);
    expect(check('  routes:\n    - service: web\n      rules: [{match: {from: [nope]}, backends: [{}]}]\n')).toEqual(['ML3001']);
    expect(check('  policies:\n    - {kind: Timeout, target: nope, request: 1s}\n')).toEqual(['ML3001']);
    expect(codes(parsePattern(`${HEADER}  services: [{name: a, calls: [b]}]\n`).diagnostics)).toEqual(['ML3001']);
  });

  it('checks versions, weights and rules', () => {
    expect(check('  routes:\n    - service: web\n      rules: [{backends: [{version: v3}]}]\n')).toEqual(['ML3002']);
    expect(check('  routes:\n    - service: web\n      rules: [{backends: [{version: v1, weight: 60}, {version: v2, weight: 30}]}]\n')).toEqual(['ML3003']);
    expect(check('  routes:\n    - service: web\n      rules: [{backends: [{version: v1, weight: 60}, {version: v2}]}]\n')).toEqual(['ML3003']);
    expect(check('  routes:\n    - service: web\n      rules: [{backends: [{version: v1, weight: 60}, {version: v2, weight: 40}]}]\n')).toEqual([]);
    expect(check('  routes:\n    - service: web\n      rules: [{timeout: 1s}]\n')).toEqual(['ML3013']);
    expect(check('  routes:\n    - service: web\n      rules: [{redirect: {path: /x}}]\n')).toEqual([]);
  });

  it('checks names, gateways, routes, policy attachment and layout', () => {
    expect(check('  gateways: [{name: web}]\n')).toEqual(['ML3009']);
    expect(codes(parsePattern(`${HEADER}  services: [{name: a, versions: [v1, v1]}]\n`).diagnostics)).toEqual(['ML3009']);
    expect(check('  routes:\n    - {service: web, rules: [{backends: [{}]}]}\n    - {service: web, rules: [{backends: [{}]}]}\n')).toEqual(['ML3009']);
    expect(check('  routes:\n    - {service: web, gateway: edge, rules: [{backends: [{}]}]}\n')).toEqual(['ML3010']);
    expect(check('  policies:\n    - {kind: Retry, route: nope, attempts: 1}\n')).toEqual(['ML3011']);
    expect(check('  policies:\n    - {kind: RateLimit, requests: 10}\n')).toEqual(['ML3012']);
    expect(check('  policies:\n    - {kind: MutualTLS}\n')).toEqual([]);
    const r = parsePattern(`${HEADER}${svc}layout:\n  web: {x: 1, y: 2}\n  ghost: {x: 1, y: 2}\n`);
    expect(r.ok).toBe(true);
    expect(r.diagnostics).toMatchObject([{ code: 'ML3014', severity: 'warning', line: 13, column: 3 }]);
  });
});

describe('parameters', () => {
  const text = `${HEADER}  parameters:
    - {name: w, type: integer, default: 10, min: 0, max: 100}
    - {name: on, type: boolean, default: false}
    - {name: ns, default: shop}
  services:
    - {name: web, namespace: '\${params.ns}', labels: {team: 'team-\${params.ns}-\${params.w}'}, versions: [v1, v2]}
  routes:
    - service: web
      rules:
        - backends: [{version: v1, weight: '\${params.w}'}, {version: v2, weight: 90}]
  policies:
    - {kind: RateLimit, target: web, requests: 5, by: {source: '\${params.on}'}}
`;

  it('keeps the type of whole-value refs and interpolates inside strings', () => {
    const r = parsePattern(text);
    expect(r.diagnostics).toEqual([]);
    const web = r.pattern!.spec.services[0]!;
    expect(web.namespace).toBe('shop');
    expect(web.labels).toEqual({ team: 'team-shop-10' });
    expect(r.pattern!.spec.routes[0]!.rules[0]!.backends[0]!.weight).toBe(10);
    const rl = r.pattern!.spec.policies[0]!;
    expect(rl.kind === 'RateLimit' && rl.by?.source).toBe(false);
  });

  it('takes given values (strings converted by type) and checks them', () => {
    expect(codes(parsePattern(text, { params: { w: '20' } }).diagnostics)).toEqual(['ML3003']);
    expect(codes(parsePattern(text, { params: { w: 101 } }).diagnostics)).toContain('ML3008');
    expect(codes(parsePattern(text, { params: { w: 1.5 } }).diagnostics)).toContain('ML3008');
    expect(parsePattern(text, { params: { zz: 1 } }).diagnostics[0]).toMatchObject({ code: 'ML3007' });
  });

  it('reports unknown refs and params without value at the ref', () => {
    const r = parsePattern(text.replace("weight: '${params.w}'", "weight: '${params.x}'"));
    expect(r.diagnostics).toMatchObject([{ code: 'ML3007', line: 17 }]);
    const r2 = parsePattern(text.replace('default: 10, ', ''));
    expect(codes(r2.diagnostics)).toEqual(['ML3016', 'ML3016']);
  });

  it('resolveParams works on a copy', () => {
    const src = { spec: { parameters: [{ name: 'a', type: 'integer', default: 1 }], x: '${params.a}' } };
    const r = resolveParams(src);
    expect((r.value as any).spec.x).toBe(1);
    expect(src.spec.x).toBe('${params.a}');
  });
});

describe('includes', () => {
  const block = (name: string, body: string) => HEADER.replace('name: t', `name: ${name}`) + body;
  const library: Record<string, string> = {
    base: block('base', '  parameters: [{name: ns, default: lib}]\n  services: [{name: db, namespace: "${params.ns}"}]\n  policies: [{kind: MutualTLS}]\n'),
    edge: block('edge', '  gateways: [{name: edge}]\n'),
    'also-db': block('also-db', '  services: [{name: db}]\n'),
    loop1: block('loop1', '  includes: [{pattern: loop2}]\n'),
    loop2: block('loop2', '  includes: [{pattern: loop1}]\n'),
    broken: block('broken', '  services: [{name: x, protocol: nope}]\n'),
  };
  const loadInclude = (name: string) => library[name];

  it('merges included services, gateways and policies with their params', () => {
    const r = parsePattern(block('top', '  includes: [{pattern: base, params: {ns: prod}}, {pattern: edge}]\n  services: [{name: web, calls: [db]}]\n'), { loadInclude });
    expect(r.diagnostics).toEqual([]);
    expect(r.pattern!.spec.services.map((s) => `${s.name}/${s.namespace}`)).toEqual(['web/default', 'db/prod']);
    expect(r.pattern!.spec.gateways.map((g) => g.name)).toEqual(['edge']);
    expect(r.pattern!.spec.policies.map((p) => p.kind)).toEqual(['MutualTLS']);
    expect(r.pattern!.spec.includes).toEqual([]);
    // without a loader, includes stay as written and references to them are unknown
    expect(codes(parsePattern(block('top', '  includes: [{pattern: base}]\n  services: [{name: web, calls: [db]}]\n')).diagnostics)).toEqual(['ML3001']);
  });

  it('reports clashes naming both sides, cycles, unknown and broken includes', () => {
    const clash = parsePattern(block('top', '  includes: [{pattern: base}]\n  services: [{name: db}]\n'), { loadInclude });
    expect(clash.diagnostics).toMatchObject([{ code: 'ML3015', line: 9 }]);
    expect(clash.diagnostics[0]!.message).toContain("included pattern 'base'");
    expect(clash.diagnostics[0]!.message).toContain('of this pattern');
    const two = parsePattern(block('top', '  includes: [{pattern: base}, {pattern: also-db}]\n'), { loadInclude });
    expect(two.diagnostics[0]!.message).toMatch(/'also-db'.*'base'/);
    expect(codes(parsePattern(block('loop1', '  includes: [{pattern: loop2}]\n'), { loadInclude }).diagnostics)).toEqual(['ML3005']);
    expect(codes(parsePattern(block('self', '  includes: [{pattern: self}]\n'), { loadInclude: () => block('self', '  includes: [{pattern: self}]\n') }).diagnostics)).toEqual(['ML3005']);
    expect(codes(parsePattern(block('top', '  includes: [{pattern: nope}]\n'), { loadInclude }).diagnostics)).toEqual(['ML3006']);
    expect(codes(parsePattern(block('top', '  includes: [{pattern: broken}]\n'), { loadInclude }).diagnostics)).toEqual(['ML2004']);
    expect(codes(parsePattern(block('top', '  includes: [{pattern: base, params: {nz: 1}}]\n'), { loadInclude }).diagnostics)).toEqual(['ML3007']);
    const throwing = parsePattern(block('top', '  includes: [{pattern: base}]\n'), { loadInclude: () => { throw new Error('boom'); } });
    expect(codes(throwing.diagnostics)).toEqual(['ML3006']);
  });
});

describe('positions', () => {
  it('positionOf finds values, keys and the parent of missing keys', () => {
    const text = VALID_FIXTURES['reviews-canary.yaml']!;
    expect(positionOf(text, ['spec', 'services', 1, 'name'])).toMatchObject({ line: 21, column: 13 });
    expect(positionOf(text, ['spec', 'services', 1, 'name'], { key: true })).toMatchObject({ line: 21, column: 7 });
    expect(positionOf(text, ['spec', 'services', 1, 'nope'])).toMatchObject({ line: 21, column: 7 });
    expect(positionOf(text, ['spec', 'routes', 0, 'rules', 0, 'match', 0, 'headers'])).toMatchObject({ line: 28, column: 28 });
    expect(positionOf(text, ['spec', 'services', 1, 'versions', 1, 'name'])).toMatchObject({ line: 24, column: 22 });
  });

  it('gives every diagnostic a 1-based position', () => {
    for (const input of ['', 'x: [', '- 1', `${HEADER}  services: [{name: A}]\n`, '{a: 1, a: 2}']) {
      for (const d of parsePattern(input).diagnostics) {
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(d.column).toBeGreaterThanOrEqual(1);
        expect(d.code in DIAGNOSTIC_CODES).toBe(true);
      }
    }
  });
});

describe('robustness', () => {
  // deterministic PRNG so failures reproduce
  const rng = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const ALPHABET = ' \n\t:-[]{},&*!|>\'"%@`#?$.0123456789abcdefxyz__proto__\uFFFD\u0000';

  it('never throws on random garbage', () => {
    const rand = rng(42);
    for (let i = 0; i < 400; i++) {
      const len = Math.floor(rand() * 200);
      let s = '';
      for (let j = 0; j < len; j++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
      const r = parsePattern(s);
      expect(Array.isArray(r.diagnostics)).toBe(true);
      if (!r.ok) expect(r.diagnostics.length).toBeGreaterThan(0);
      const bytes = new Uint8Array(len).map(() => Math.floor(rand() * 256));
      expect(() => parsePattern(bytes)).not.toThrow();
    }
  });

  it('never throws on mutations of valid files, and every diagnostic is well formed', () => {
    const rand = rng(7);
    const sources = Object.values(VALID_FIXTURES);
    for (let i = 0; i < 600; i++) {
      let s = sources[i % sources.length]!;
      const edits = 1 + Math.floor(rand() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * s.length);
        const op = rand();
        if (op < 0.33) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 20));
        else if (op < 0.66) s = s.slice(0, at) + ALPHABET[Math.floor(rand() * ALPHABET.length)] + s.slice(at);
        else {
          const from = Math.floor(rand() * s.length);
          s = s.slice(0, at) + s.slice(from, from + Math.floor(rand() * 40)) + s.slice(at);
        }
      }
      const r = parsePattern(s, { loadInclude: () => s, params: { weight: 'x' } });
      for (const d of r.diagnostics) {
        expect(d.code in DIAGNOSTIC_CODES, d.code).toBe(true);
        expect(d.code).not.toBe('ML1000');
        expect(Number.isInteger(d.line) && d.line >= 1).toBe(true);
      }
      if (r.ok) expect(parsePattern(serializePattern(r.pattern)).ok).toBe(true);
    }
  });

  it('rejects non-text input without throwing', () => {
    expect(parsePattern(42 as unknown as string).ok).toBe(false);
    expect(parsePattern(null as unknown as string).ok).toBe(false);
  });
});

describe('many problems', () => {
  it('lists the first 500 and says how many more there are, never dropping them silently', () => {
    const routes = Array.from({ length: 600 }, (_, i) => `    - {service: missing-${i}, rules: [{backends: [{version: v1}]}]}`).join('\n');
    const text = `apiVersion: meshloom.dev/v1alpha1\nkind: Pattern\nmetadata: {name: t, title: T, category: foundational}\nspec:\n  routes:\n${routes}\n`;
    const r = parsePattern(text);
    expect(r.ok).toBe(false);
    const more = r.diagnostics.find((d) => d.code === 'ML1011');
    expect(more?.message).toMatch(/^\d+ more problems are not listed/);
    expect(r.diagnostics.filter((d) => d.code === 'ML3001')).toHaveLength(500);
  });
});

describe('two-speed parsing', () => {
  it('reads every catalog and fixture file to the same value on the fast and the careful path', async () => {
    const { CATALOG_FIXTURES, VALID_FIXTURES } = await import('./test-fixtures');
    const { parseDocument } = await import('yaml');
    for (const [file, text] of Object.entries({ ...CATALOG_FIXTURES, ...VALID_FIXTURES })) {
      const fast = parseRawYaml(text);
      const careful = parseDocument(text).toJS();
      expect(fast.value, file).toEqual(careful);
    }
  });

  it('can skip positions entirely, reporting line 0 for a later lookup', () => {
    const r = parsePattern('apiVersion: meshloom.dev/v1alpha1\nkind: Pattern\nmetadata: {name: t, title: T, category: nope}\nspec: {}\n', { positions: false });
    expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([['ML2004', 0]]);
    expect(parsePattern('apiVersion: meshloom.dev/v1alpha1\nkind: Pattern\nmetadata: {name: t, title: T, category: nope}\nspec: {}\n').diagnostics[0]?.line).toBe(3);
  });
});
