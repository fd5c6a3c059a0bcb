import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePattern } from '../../patterns/language/index';
import { IMPORT_CODES } from './codes';
import { importManifests, type TImportResult } from './index';
import { routingSemantics } from './semantics';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const shared = path.resolve(repoRoot, '..', 'shared');
const bookinfoDir = path.join(shared, 'fixtures', 'istio-bookinfo');
const haveBookinfo = existsSync(bookinfoDir);
if (!haveBookinfo) console.log(`[import tests] skipping bookinfo fixtures: ${bookinfoDir} does not exist (../shared is not checked out next to the repo)`);

function file(p: string): { name: string; text: string } {
  return { name: path.basename(p), text: readFileSync(p, 'utf8') };
}
function bookinfo(name: string) {
  return file(path.join(bookinfoDir, name));
}
function codes(r: TImportResult): string[] {
  return r.diagnostics.map((d) => d.code);
}
function expectValid(r: TImportResult) {
  expect(r.pattern, JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error'))).toBeDefined();
  const again = parsePattern(r.text!);
  expect(again.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(again.ok).toBe(true);
}

describe.skipIf(!haveBookinfo)('importManifests: Istio bookinfo fixtures', () => {
  const files = haveBookinfo ? readdirSync(bookinfoDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];

  it.each(files)('%s imports without crashing, to a valid pattern', (name) => {
    const r = importManifests([bookinfo(name)]);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expectValid(r);
  });

  it('virtual-service-reviews-90-10 + destination-rule-all: reviews v1/v2/v3 and a 90/10 route', () => {
    const r = importManifests([bookinfo('virtual-service-reviews-90-10.yaml'), bookinfo('destination-rule-all.yaml')]);
    expectValid(r);
    const reviews = r.pattern!.spec.services.find((s) => s.name === 'reviews');
    expect(reviews?.versions.map((v) => v.name)).toEqual(['v1', 'v2', 'v3']);
    const route = r.pattern!.spec.routes.find((x) => x.service === 'reviews');
    expect(route?.rules).toHaveLength(1);
    expect(route?.rules[0]?.backends).toEqual([
      { version: 'v1', weight: 90 },
      { version: 'v2', weight: 10 },
    ]);
    expect(routingSemantics(r.pattern!).reviews).toEqual([
      { match: [], backends: [{ service: 'reviews', version: 'v1', weight: 90 }, { service: 'reviews', version: 'v2', weight: 10 }], timeoutMs: null, retries: null, fault: null },
    ]);
  });

  it('all bookinfo routing files together import to a valid pattern; conflicts are ML5007 overrides', () => {
    const routing = files.filter((f) => /^(virtual-service|destination-rule|fault-injection)/.test(f));
    const r = importManifests(routing.map(bookinfo));
    expectValid(r);
    expect(codes(r)).toContain('ML5007');
    const vsOverrides = (r.pattern!.spec.overrides.istio ?? []).filter((o) => o.kind === 'VirtualService');
    expect(vsOverrides.length).toBeGreaterThan(0);
    // every service bookinfo routes to is there, with the versions the destination rules declare
    const names = r.pattern!.spec.services.map((s) => s.name).sort();
    expect(names).toEqual(['details', 'productpage', 'ratings', 'reviews']);
  });

  it('every fixture at once (app + gateway + egress + routing) is one valid pattern', () => {
    const r = importManifests(files.map(bookinfo));
    expectValid(r);
    const p = r.pattern!;
    expect(p.spec.gateways.map((g) => g.name)).toContain('bookinfo-gateway');
    expect(p.spec.externalServices.map((e) => e.name)).toContain('googleapis');
    expect(p.spec.routes.find((x) => x.gateway === 'bookinfo-gateway')?.service).toBe('productpage');
    expect(p.metadata.summary).toMatch(/^Imported from \d+ objects of /);
  });

  it('fault injection and header matches map to rule fields', () => {
    const r = importManifests([bookinfo('virtual-service-ratings-test-delay.yaml')]);
    expectValid(r);
    const rule = r.pattern!.spec.routes[0]!.rules[0]!;
    expect(rule.match).toEqual([{ headers: { 'end-user': 'jason' } }]);
    expect(rule.fault).toEqual({ delay: { fixedDelay: '7s', percentage: 100 } });
    expect(codes(r)).toContain('ML5005'); // ratings is referenced, never declared
  });
});

describe('importManifests: Meshery designs', () => {
  it('imports a services:-format design', () => {
    const r = importManifests([file(path.join(here, 'testdata', 'meshery-services-design.yaml'))]);
    expectValid(r);
    const p = r.pattern!;
    expect(p.metadata.name).toBe('bookinfo-with-circuit-breaker');
    const reviews = p.spec.services.find((s) => s.name === 'reviews');
    expect(reviews?.versions.map((v) => v.name)).toEqual(['v1', 'v2']);
    expect(reviews?.versions.find((v) => v.name === 'v2')?.replicas).toBe(2);
    expect(p.spec.routes[0]?.rules[0]?.backends).toEqual([
      { version: 'v1', weight: 75 },
      { version: 'v2', weight: 25 },
    ]);
    expect(p.spec.policies.map((x) => x.kind).sort()).toEqual(['CircuitBreaker', 'ConnectionLimits']);
    expect(codes(r)).toContain('ML5009'); // the IstioMesh install entry
  });

  it('imports a components:-format design', () => {
    const r = importManifests([file(path.join(here, 'testdata', 'meshery-components-design.yaml'))]);
    expectValid(r);
    const p = r.pattern!;
    expect(p.metadata.name).toBe('ratings-canary');
    expect(p.spec.services.find((s) => s.name === 'ratings')?.versions.map((v) => v.name)).toEqual(['v1', 'v2']);
    const rules = p.spec.routes.find((x) => x.service === 'ratings')!.rules;
    expect(rules[0]?.fault?.delay).toEqual({ fixedDelay: '2s', percentage: 50 });
    expect(rules[1]?.timeout).toBe('1.5s');
  });
});

describe('importManifests: failures are diagnostics', () => {
  it('only a ConfigMap → ML5001, no pattern', () => {
    const r = importManifests([{ name: 'cm.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n' }]);
    expect(r.pattern).toBeUndefined();
    expect(codes(r)).toContain('ML5001');
    expect(r.diagnostics.find((d) => d.code === 'ML5001')?.severity).toBe('error');
  });

  it('garbage bytes → ML5002 with file and line, no throw', () => {
    const bytes = new TextDecoder().decode(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0xff, 0xfe]));
    const r = importManifests([{ name: 'image.png', text: bytes }]);
    expect(r.pattern).toBeUndefined();
    const d = r.diagnostics.find((x) => x.code === 'ML5002');
    expect(d).toMatchObject({ file: 'image.png', severity: 'error' });
    expect(d?.line).toBeGreaterThanOrEqual(1);
  });

  it('malformed YAML → ML5002 with the line; other files still import', () => {
    const bad = { name: 'bad.yaml', text: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n' };
    const good = { name: 'vs.yaml', text: 'apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {name: a}\nspec:\n  hosts: [a]\n  http:\n  - route:\n    - destination: {host: a}\n' };
    const r = importManifests([bad, good]);
    const d = r.diagnostics.find((x) => x.code === 'ML5002');
    expect(d).toMatchObject({ file: 'bad.yaml' });
    expect(d?.line).toBeGreaterThanOrEqual(4);
    expectValid(r);
  });

  it('malformed JSON → ML5002', () => {
    const r = importManifests([{ name: 'x.json', text: '{"apiVersion": "v1", "kind": ' }]);
    expect(codes(r)).toEqual(expect.arrayContaining(['ML5002']));
    expect(r.pattern).toBeUndefined();
  });

  it('JSON input imports', () => {
    const vs = { apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'r' }, spec: { hosts: ['r'], http: [{ route: [{ destination: { host: 'r' } }], timeout: '3s' }] } };
    const r = importManifests([{ name: 'r.json', text: JSON.stringify(vs) }]);
    expectValid(r);
    expect(r.pattern!.spec.routes[0]!.rules[0]!.timeout).toBe('3s');
  });

  it('unmapped fields → ML5004 and kept under overrides', () => {
    const text = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  exportTo: ["."]
  http:
  - route:
    - destination: {host: reviews}
    corsPolicy:
      allowOrigins: [{exact: "https://example.com"}]
`;
    const r = importManifests([{ name: 'vs.yaml', text }]);
    expectValid(r);
    const unmapped = r.diagnostics.filter((d) => d.code === 'ML5004');
    expect(unmapped.map((d) => d.path)).toEqual(expect.arrayContaining([['spec', 'exportTo'], ['spec', 'http', 0, 'corsPolicy']]));
    expect(unmapped[0]?.object).toBe('VirtualService/shop/reviews');
    const override = r.pattern!.spec.overrides.istio?.[0];
    expect(override).toMatchObject({ kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'shop' }, spec: { exportTo: ['.'] } });
    expect((override!.spec as { http: unknown[] }).http[0]).toHaveProperty('corsPolicy');
    expect(r.pattern!.spec.routes[0]?.service).toBe('reviews');
  });

  it('unsupported kinds are ML5003 overrides; kinds of unknown meshes go to the closest mesh', () => {
    const text = `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: f}
spec: {configPatches: []}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec: {a: 1}
---
kind: Orphan
spec: {}
`;
    const r = importManifests([{ name: 'x.yaml', text }]);
    expectValid(r);
    expect(r.pattern!.spec.overrides.istio?.map((o) => o.kind)).toEqual(['EnvoyFilter', 'Widget']);
    expect(codes(r).filter((c) => c === 'ML5003')).toHaveLength(3);
  });
});

describe('importManifests: other meshes', () => {
  it('SMI TrafficSplit with <svc>-<version> backends → versions of the apex service', () => {
    const text = `apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata: {name: reviews-split}
spec:
  service: reviews
  backends:
  - {service: reviews-v1, weight: 80}
  - {service: reviews-v2, weight: 20}
`;
    const r = importManifests([{ name: 'ts.yaml', text }]);
    expectValid(r);
    expect(r.pattern!.spec.routes[0]!.rules[0]!.backends).toEqual([
      { version: 'v1', weight: 80 },
      { version: 'v2', weight: 20 },
    ]);
    expect(codes(r)).toContain('ML5006');
  });

  it('Istio AuthorizationPolicy: principals → services, empty ALLOW → allow-nothing', () => {
    const text = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ratings, namespace: default}
spec:
  selector: {matchLabels: {app: ratings}}
  rules:
  - from:
    - source: {principals: ["cluster.local/ns/default/sa/reviews"]}
    to:
    - operation: {methods: ["GET"], paths: ["/ratings/*"]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-all, namespace: shop}
spec: {}
`;
    const r = importManifests([{ name: 'authz.yaml', text }]);
    expectValid(r);
    expect(r.pattern!.spec.policies).toEqual([
      { kind: 'Authorization', target: 'ratings', action: 'allow', rules: [{ from: { services: ['reviews'] }, to: { methods: ['GET'], paths: ['/ratings/*'] } }] },
      { kind: 'Authorization', namespace: 'shop', action: 'allow', rules: [] },
    ]);
    expect(r.pattern!.metadata.category).toBe('security');
  });

  it('Gateway API GAMMA HTTPRoute, Linkerd ServiceProfile, Consul router+splitter, Kuma policies', () => {
    const text = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cart}
spec:
  parentRefs: [{group: "", kind: Service, name: cart}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /beta}}]
    backendRefs: [{name: cart-v2, port: 80}]
    timeouts: {request: 2s}
  - backendRefs: [{name: cart-v1, port: 80, weight: 3}, {name: cart-v2, port: 80, weight: 1}]
---
apiVersion: linkerd.io/v1alpha2
kind: ServiceProfile
metadata: {name: books.default.svc.cluster.local}
spec:
  retryBudget: {retryRatio: 0.2, minRetriesPerSecond: 10, ttl: 10s}
  routes:
  - name: GET /books
    condition: {method: GET, pathRegex: /books}
    isRetryable: true
    timeout: 300ms
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceRouter
metadata: {name: api}
spec:
  routes:
  - match: {http: {pathPrefix: /admin}}
    destination: {service: admin, requestTimeout: 5s}
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceSplitter
metadata: {name: api}
spec:
  splits:
  - {weight: 90, serviceSubset: v1}
  - {weight: 10, serviceSubset: v2}
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceResolver
metadata: {name: api}
spec:
  subsets:
    v1: {filter: "Service.Meta.version == v1"}
    v2: {filter: "Service.Meta.version == v2"}
---
apiVersion: kuma.io/v1alpha1
kind: MeshTimeout
metadata: {name: t, namespace: kuma-system}
spec:
  targetRef: {kind: Mesh}
  to:
  - targetRef: {kind: MeshService, name: payments_shop_svc_8080}
    default: {connectionTimeout: 2s, http: {requestTimeout: 4s}}
---
apiVersion: kuma.io/v1alpha1
kind: MeshCircuitBreaker
metadata: {name: cb, namespace: kuma-system}
spec:
  targetRef: {kind: Mesh}
  to:
  - targetRef: {kind: MeshService, name: payments_shop_svc_8080}
    default:
      outlierDetection: {interval: 5s, baseEjectionTime: 30s, detectors: {totalFailures: {consecutive: 3}}}
`;
    const r = importManifests([{ name: 'mixed.yaml', text }]);
    expectValid(r);
    const p = r.pattern!;
    const cart = p.spec.routes.find((x) => x.service === 'cart')!;
    expect(cart.rules[0]).toMatchObject({ match: [{ path: '/beta' }], backends: [{ version: 'v2', port: 80 }], timeout: '2s' });
    expect(cart.rules[1]!.backends).toEqual([
      { version: 'v1', port: 80, weight: 75 },
      { version: 'v2', port: 80, weight: 25 },
    ]);
    expect(p.spec.policies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'RetryBudget', target: 'books', retryRatio: 0.2 }),
        expect.objectContaining({ kind: 'Timeout', target: 'payments', connect: '2s', request: '4s' }),
        expect.objectContaining({ kind: 'CircuitBreaker', target: 'payments', consecutiveErrors: 3, interval: '5s' }),
      ]),
    );
    const api = p.spec.routes.find((x) => x.service === 'api')!;
    expect(api.rules.at(-1)!.backends).toEqual([
      { version: 'v1', weight: 90 },
      { version: 'v2', weight: 10 },
    ]);
    expect(p.spec.services.find((s) => s.name === 'api')?.versions.map((v) => v.name)).toEqual(['v1', 'v2']);
  });
});

describe('routingSemantics', () => {
  it('treats equivalent spellings alike', () => {
    const a = parsePattern(`apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata: {name: a, title: A, category: deployment}
spec:
  services: [{name: r, versions: [v1]}]
  routes:
  - service: r
    rules:
    - {match: {path: /x, method: GET, headers: {h: v}}, backends: [{version: v1}], timeout: 1s}
`).pattern!;
    const b = parsePattern(`apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata: {name: b, title: B, category: deployment}
spec:
  services: [{name: r, versions: [v1]}]
  routes:
  - service: r
    rules:
    - {match: [{path: {prefix: /x}, method: [GET], headers: {h: {exact: v}}}], backends: [{service: r, version: v1, weight: 100}], timeout: 1000ms}
`).pattern!;
    expect(routingSemantics(a)).toEqual(routingSemantics(b));
  });
});

it('codes have titles', () => {
  for (const code of Object.keys(IMPORT_CODES)) expect(code).toMatch(/^ML5\d{3}$/);
});
