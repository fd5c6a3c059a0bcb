import { describe, expect, it } from 'vitest';
import { bookinfoServices, findAll, pattern, reviewsRoute, specOf, SPLIT_RULE } from '../_testing/fixtures';
import { kumaAdapter } from './index';


const canary = pattern(bookinfoServices({ reviews: 9080 }) + reviewsRoute(SPLIT_RULE));

describe('kuma adapter', () => {
  it('splits 90/10 onto per-version MeshServices', () => {
    const { manifests } = kumaAdapter.render(canary);
    const [route] = findAll(manifests, 'MeshHTTPRoute');
    expect(route?.metadata.namespace).toBe('default');
    expect(route?.metadata.labels).toMatchObject({ 'kuma.io/mesh': 'default' });
    expect(specOf(route).targetRef).toEqual({ kind: 'Mesh' });
    expect(specOf(route).to[0].targetRef).toEqual({ kind: 'MeshService', name: 'reviews' });
    expect(specOf(route).to[0].rules[0].default.backendRefs).toEqual([
      { kind: 'MeshService', name: 'reviews-v1', port: 9080, weight: 90 },
      { kind: 'MeshService', name: 'reviews-v2', port: 9080, weight: 10 },
    ]);
    const v2 = manifests.find((m) => m.kind === 'Service' && m.metadata.name === 'reviews-v2');
    expect(specOf(v2).selector).toEqual({ app: 'reviews', version: 'v2' });
    expect(specOf(manifests.find((m) => m.kind === 'Mesh')).meshServices).toEqual({ mode: 'Exclusive' });
  });

  it('renders rule retries and timeouts as MeshRetry/MeshTimeout on the rule route', () => {
    const p = pattern(`
  services:
    - {name: reviews}
  routes:
    - service: reviews
      rules:
        - match: {method: GET}
          backends: [{service: reviews}]
          timeout: 2s
          retries: {attempts: 3, perTryTimeout: 500ms, on: [5xx, reset], backoff: {base: 25ms}}
        - backends: [{service: reviews}]
`);
    const { manifests } = kumaAdapter.render(p);
    const routes = findAll(manifests, 'MeshHTTPRoute');
    expect(routes).toHaveLength(2);
    const [retry] = findAll(manifests, 'MeshRetry');
    expect(specOf(retry).to[0].targetRef).toEqual({ kind: 'MeshHTTPRoute', name: routes[0]?.metadata.name });
    expect(specOf(retry).to[0].default.http).toEqual({ numRetries: 3, perTryTimeout: '500ms', backOff: { baseInterval: '25ms' }, retryOn: ['5XX', 'Reset'] });
    const [timeout] = findAll(manifests, 'MeshTimeout');
    expect(specOf(timeout).to[0].default).toEqual({ http: { requestTimeout: '2s' } });
  });

  it('allow with no rules denies everything; allow rules deny the rest', () => {
    const p = pattern(`
  services:
    - {name: orders, namespace: shop, calls: [payments]}
    - {name: payments, namespace: shop, ports: [8080]}
  policies:
    - {kind: Authorization, namespace: shop}
    - kind: Authorization
      target: payments
      rules: [{from: {services: [orders]}}]
`);
    const { manifests, diagnostics } = kumaAdapter.render(p);
    const [nsWide, svc] = findAll(manifests, 'MeshTrafficPermission');
    expect(nsWide?.metadata.namespace).toBe('shop');
    expect(specOf(nsWide)).toEqual({ targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Deny' } }] });
    expect(specOf(svc).targetRef).toEqual({ kind: 'Dataplane', labels: { app: 'payments' } });
    expect(specOf(svc).from).toEqual([
      { targetRef: { kind: 'Mesh' }, default: { action: 'Deny' } },
      { targetRef: { kind: 'MeshSubset', tags: { 'kuma.io/service': 'orders_shop_svc_80' } }, default: { action: 'Allow' } },
    ]);
    // MeshTrafficPermission needs mTLS: permissive CA turned on, with a note.
    expect(specOf(manifests.find((m) => m.kind === 'Mesh')).mtls.backends[0].mode).toBe('PERMISSIVE');
    expect(diagnostics.some((d) => d.code === 'ML4006')).toBe(true);
  });

  it('maps mTLS modes to the Mesh backend and MeshTLS', () => {
    const { manifests } = kumaAdapter.render(pattern(`
  services: [{name: a, namespace: shop}]
  policies:
    - {kind: MutualTLS}
    - {kind: MutualTLS, namespace: legacy, mode: permissive}
`));
    expect(specOf(manifests.find((m) => m.kind === 'Mesh')).mtls).toEqual({ enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin', mode: 'STRICT' }] });
    const [tls] = findAll(manifests, 'MeshTLS');
    expect(tls?.metadata.namespace).toBe('legacy');
    expect(specOf(tls).rules).toEqual([{ default: { mode: 'Permissive' } }]);
  });

  it('renders circuit breaking, retries and rate limits', () => {
    const { manifests } = kumaAdapter.render(pattern(`
  services: [{name: ratings, protocol: grpc}]
  policies:
    - {kind: CircuitBreaker, target: ratings, consecutiveErrors: 3, ejectionTime: 1m}
    - {kind: Retry, target: ratings, attempts: 2, on: [unavailable]}
    - {kind: RateLimit, target: ratings, requests: 50, interval: 1m}
`));
    expect(specOf(findAll(manifests, 'MeshCircuitBreaker')[0]).to[0].default.outlierDetection).toMatchObject({ baseEjectionTime: '1m', detectors: { totalFailures: { consecutive: 3 } } });
    expect(specOf(findAll(manifests, 'MeshRetry')[0]).to[0].default.grpc).toEqual({ numRetries: 2, retryOn: ['Unavailable'] });
    expect(specOf(findAll(manifests, 'MeshRateLimit')[0]).rules[0].default.local.http).toEqual({ requestRate: { num: 50, interval: '1m' }, onRateLimit: { status: 429 } });
  });

  it('leaves unsupported features out without crashing', () => {
    const { manifests } = kumaAdapter.render(pattern(`
  services: [{name: a}]
  policies:
    - {kind: RetryBudget, target: a}
    - {kind: RateLimit, target: a, scope: global, requests: 10}
`));
    expect(manifests.map((m) => m.kind)).toEqual(['Mesh']);
  });

  it('is deterministic', () => {
    expect(kumaAdapter.render(canary)).toEqual(kumaAdapter.render(canary));
  });
});
