import { describe, expect, it } from 'vitest';
import { bookinfoServices, findAll as find, one, pattern, reviewsRoute, SPLIT_RULE } from '../_testing/fixtures';
import { renderWithAdapter } from '../render';
import { linkerdAdapter } from './index';

const canary = pattern(bookinfoServices({ productpage: 9080, reviews: 9080 }) + reviewsRoute('{name: opt-in, match: {headers: {x-canary: always}}, backends: [{version: v2}]}', SPLIT_RULE));

describe('linkerd adapter: routing', () => {
  it('splits 90/10 across per-version Services selecting app + version', () => {
    const { manifests } = linkerdAdapter.render(canary);
    const route = one(manifests, 'HTTPRoute', 'reviews');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([{ group: 'core', kind: 'Service', name: 'reviews', port: 9080 }]);
    expect(route.spec.rules[0].matches).toEqual([{ headers: [{ name: 'x-canary', type: 'Exact', value: 'always' }] }]);
    expect(route.spec.rules[1].backendRefs).toEqual([
      { name: 'reviews-v1', port: 9080, weight: 90 },
      { name: 'reviews-v2', port: 9080, weight: 10 },
    ]);
    expect(one(manifests, 'Service', 'reviews-v2').spec.selector).toEqual({ app: 'reviews', version: 'v2' });
    expect(find(manifests, 'Service').map((s) => s.metadata.name)).toEqual(['reviews-v1', 'reviews-v2']);
  });

  it('puts retries in Linkerd annotations and timeouts in the rule, splitting rules with different retries', () => {
    const p = pattern(`
  services:
    - {name: web, calls: [api]}
    - {name: api}
  routes:
    - service: api
      rules:
        - match: {method: [GET, HEAD]}
          backends: [{service: api}]
          timeout: 2s
          retries: {attempts: 3, perTryTimeout: 500ms, on: [5xx]}
        - {backends: [{service: api}], timeout: 1500ms}
`);
    const { manifests } = linkerdAdapter.render(p);
    const reads = one(manifests, 'HTTPRoute', 'api');
    expect(reads.metadata.annotations).toEqual({ 'retry.linkerd.io/http': '5xx', 'retry.linkerd.io/limit': '3', 'retry.linkerd.io/timeout': '500ms' });
    expect(reads.spec.rules[0].matches).toEqual([{ method: 'GET' }, { method: 'HEAD' }]);
    expect(reads.spec.rules[0].timeouts).toEqual({ request: '2s' });
    const writes = one(manifests, 'HTTPRoute', 'api-2');
    expect(writes.metadata.annotations).toBeUndefined();
    expect(writes.spec.rules[0].timeouts).toEqual({ request: '1500ms' });
  });

  it('renders a RetryBudget as a ServiceProfile instead of HTTPRoutes when the routes fit one', () => {
    const p = pattern(`
  services:
    - {name: web, calls: [api]}
    - {name: api, versions: [v1]}
  routes:
    - service: api
      rules:
        - {name: reads, match: {method: GET, path: /items}, backends: [{version: v1}], timeout: 2s, retries: {attempts: 2}}
        - {name: rest, backends: [{version: v1}]}
  policies:
    - {kind: RetryBudget, target: api, retryRatio: 0.1, minRetriesPerSecond: 5, ttl: 30s}
`);
    const { manifests } = linkerdAdapter.render(p);
    expect(find(manifests, 'HTTPRoute')).toHaveLength(0);
    const sp = one(manifests, 'ServiceProfile', 'api.default.svc.cluster.local');
    expect(sp.spec.retryBudget).toEqual({ retryRatio: 0.1, minRetriesPerSecond: 5, ttl: '30s' });
    expect(sp.spec.routes[0]).toEqual({ name: 'reads', condition: { all: [{ pathRegex: '/items(/.*)?' }, { method: 'GET' }] }, isRetryable: true, timeout: '2s' });
    expect(sp.spec.dstOverrides).toBeUndefined();
  });

  it('keeps HTTPRoutes and drops the budget when routes need header matches', () => {
    const p = pattern(`
  services:
    - {name: api, versions: [v1, v2]}
  routes:
    - service: api
      rules:
        - {match: {headers: {x-beta: '1'}}, backends: [{version: v2}]}
        - {backends: [{version: v1}]}
  policies:
    - {kind: RetryBudget, target: api}
`);
    const { manifests, diagnostics } = linkerdAdapter.render(p);
    expect(find(manifests, 'ServiceProfile')).toHaveLength(0);
    expect(find(manifests, 'HTTPRoute', 'api')).toHaveLength(1);
    expect(diagnostics.some((d) => d.code === 'ML4006' && d.feature === 'retry-budget')).toBe(true);
  });

  it('renders nothing (and does not crash) for features Linkerd lacks', () => {
    const p = pattern(`
  services:
    - {name: ratings, versions: [v1]}
  policies:
    - {kind: FaultInjection, target: ratings, abort: {httpStatus: 503, percentage: 10}}
    - {kind: ConnectionLimits, target: ratings, maxConnections: 10}
`);
    const result = renderWithAdapter(linkerdAdapter, p);
    expect(result.manifests.map((m) => m.kind).filter((k) => !['Namespace', 'ConfigMap', 'ServiceAccount', 'Service', 'Deployment', 'Server'].includes(k))).toEqual([]);
    expect(result.diagnostics.filter((d) => d.code === 'ML4001').map((d) => d.feature)).toEqual(['fault-abort', 'connection-limits']);
  });
});

describe('linkerd adapter: security', () => {
  it('strict mTLS makes Servers all-authenticated, permissive all-unauthenticated', () => {
    const strict = linkerdAdapter.render(pattern(`
  services: [{name: a, namespace: shop}]
  policies: [{kind: MutualTLS, namespace: shop}]
`));
    expect(one(strict.manifests, 'Server', 'a-8080').spec).toMatchObject({ podSelector: { matchLabels: { app: 'a' } }, port: 8080, proxyProtocol: 'HTTP/1', accessPolicy: 'all-authenticated' });
    const permissive = linkerdAdapter.render(pattern(`
  services: [{name: a, namespace: shop}]
  policies: [{kind: MutualTLS, mode: permissive}]
`));
    expect(one(permissive.manifests, 'Server', 'a-8080').spec.accessPolicy).toBe('all-unauthenticated');
  });

  it('an allow policy without rules allows nothing: deny default, no AuthorizationPolicy', () => {
    const { manifests } = linkerdAdapter.render(pattern(`
  services: [{name: a, namespace: shop}]
  policies: [{kind: Authorization, namespace: shop}]
`));
    expect(one(manifests, 'Server', 'a-8080').spec.accessPolicy).toBe('deny');
    expect(find(manifests, 'AuthorizationPolicy')).toHaveLength(0);
  });

  it('authorizes sources by service-account identity, and paths/methods through an inbound HTTPRoute', () => {
    const { manifests } = linkerdAdapter.render(pattern(`
  services:
    - {name: orders, namespace: shop, calls: [payments]}
    - {name: payments, namespace: shop}
  policies:
    - {kind: MutualTLS, namespace: shop}
    - kind: Authorization
      target: payments
      rules:
        - {from: {services: [orders]}, to: {paths: [/charges, /refunds/*], methods: [POST]}}
`));
    const authz = find(manifests, 'AuthorizationPolicy').find((m) => (m as any).spec.targetRef.name === 't-payments-8080-1-0') as any;
    expect(authz.spec.targetRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 't-payments-8080-1-0' });
    const route = one(manifests, 'HTTPRoute', 't-payments-8080-1-0');
    expect(route.spec.parentRefs).toEqual([{ group: 'policy.linkerd.io', kind: 'Server', name: 'payments-8080' }]);
    expect(route.spec.rules[0].matches).toEqual([
      { path: { type: 'Exact', value: '/charges' }, method: 'POST' },
      { path: { type: 'PathPrefix', value: '/refunds' }, method: 'POST' },
    ]);
    const ref = authz.spec.requiredAuthenticationRefs[0];
    expect(one(manifests, 'MeshTLSAuthentication', ref.name).spec.identities).toEqual(['orders.shop.serviceaccount.identity.linkerd.cluster.local']);
    // the sample workload's probe keeps working
    expect(find(manifests, 'HTTPRoute', 't-payments-8080-probes')).toHaveLength(1);
  });

  it('ipBlocks become a NetworkAuthentication; deny rules are reported, not rendered', () => {
    const { manifests, diagnostics } = linkerdAdapter.render(pattern(`
  services: [{name: a}]
  policies:
    - {kind: Authorization, target: a, rules: [{from: {ipBlocks: [10.0.0.0/8]}}]}
    - {kind: Authorization, target: a, action: deny, rules: [{from: {namespaces: [evil]}}]}
`));
    const net = find(manifests, 'NetworkAuthentication');
    expect(net.map((n) => (n as any).spec.networks)).toEqual([[{ cidr: '10.0.0.0/8' }]]);
    expect(find(manifests, 'AuthorizationPolicy')).toHaveLength(1);
    expect(diagnostics.some((d) => d.path?.join('.') === 'spec.policies.1')).toBe(true);
  });

  it('local rate limit: HTTPLocalRateLimitPolicy on the Server, per second', () => {
    const { manifests } = linkerdAdapter.render(pattern(`
  services: [{name: a}]
  policies: [{kind: RateLimit, target: a, requests: 600, interval: 1m}]
`));
    const rl = one(manifests, 'HTTPLocalRateLimitPolicy');
    expect(rl.spec).toEqual({ targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'a-8080' }, total: { requestsPerSecond: 10 } });
  });
});

describe('linkerd adapter: contract', () => {
  it('is deterministic and injects the proxy', () => {
    expect(linkerdAdapter.render(canary)).toEqual(linkerdAdapter.render(canary));
    const deployments = find(renderWithAdapter(linkerdAdapter, canary).manifests, 'Deployment') as any[];
    expect(deployments.every((d) => d.spec.template.metadata.annotations['linkerd.io/inject'] === 'enabled')).toBe(true);
  });
});

describe('linkerd adapter: annotations on workload objects', () => {
  it('renders a CircuitBreaker as failure-accrual annotations merged into the workload Service', () => {
    const p = pattern(`
  services:
    - {name: web, calls: [reviews]}
    - {name: reviews, namespace: shop, ports: [9080]}
  policies:
    - {kind: CircuitBreaker, target: reviews, consecutiveErrors: 3, ejectionTime: 30s}
`);
    const own = linkerdAdapter.render(p).manifests.filter((m) => m.kind === 'Service');
    expect(own).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'reviews',
          namespace: 'shop',
          annotations: {
            'balancer.linkerd.io/failure-accrual': 'consecutive',
            'balancer.linkerd.io/failure-accrual-consecutive-max-failures': '3',
            'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': '30s',
            'balancer.linkerd.io/failure-accrual-consecutive-max-penalty': '1m',
          },
        },
      },
    ]);
    const r = renderWithAdapter(linkerdAdapter, p);
    const svc = r.manifests.filter((m) => m.kind === 'Service' && m.metadata.name === 'reviews');
    expect(svc).toHaveLength(1);
    expect((svc[0] as any).spec.ports[0].port).toBe(9080);
    expect(svc[0]!.metadata.annotations?.['balancer.linkerd.io/failure-accrual']).toBe('consecutive');
    expect(svc[0]!.metadata.labels?.app).toBe('reviews');
    expect(r.diagnostics.filter((d) => d.feature === 'circuit-breaker').map((d) => d.code)).toEqual(['ML4002', 'ML4006']);
  });

  it('renders a passive HealthCheck the same way, and a long ejection time raises the max penalty', () => {
    const p = pattern(`
  services: [{name: api}]
  policies:
    - {kind: HealthCheck, target: api, passive: {consecutiveErrors: 4, ejectionTime: 2m}}
`);
    const svc = one(linkerdAdapter.render(p).manifests, 'Service', 'api');
    expect(svc.metadata.annotations).toMatchObject({
      'balancer.linkerd.io/failure-accrual-consecutive-max-failures': '4',
      'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': '2m',
      'balancer.linkerd.io/failure-accrual-consecutive-max-penalty': '2m',
    });
  });

  it('renders an AccessLog as config.linkerd.io/access-log on the workload Namespaces', () => {
    const p = pattern(`
  services: [{name: a, namespace: one}, {name: b, namespace: two}]
  policies:
    - {kind: AccessLog, format: json}
`);
    const r = renderWithAdapter(linkerdAdapter, p);
    const namespaces = r.manifests.filter((m) => m.kind === 'Namespace');
    expect(namespaces.map((n) => [n.metadata.name, n.metadata.annotations?.['config.linkerd.io/access-log']])).toEqual([
      ['one', 'json'],
      ['two', 'json'],
    ]);
    const text = pattern(`
  services: [{name: a, namespace: one}, {name: b, namespace: two}]
  policies:
    - {kind: AccessLog, target: b}
`);
    expect(linkerdAdapter.render(text).manifests.filter((m) => m.kind === 'Namespace')).toEqual([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'two', annotations: { 'config.linkerd.io/access-log': 'apache' } } },
    ]);
  });
});
