import { describe, expect, it } from 'vitest';
import { bookinfoServices, HEADER_RULE, reviewsRoute, SPLIT_RULE, findOne, pattern as makePattern } from '../_testing/fixtures';
import { renderWithAdapter } from '../render';
import { consulAdapter } from './index';

const pattern = (spec: string) => makePattern(spec, 'resiliency');

const SERVICES = bookinfoServices();

describe('consul adapter', () => {
  it('renders a 90/10 split as a ServiceSplitter over resolver subsets', () => {
    const p = pattern(SERVICES + reviewsRoute(HEADER_RULE, SPLIT_RULE));
    const { manifests } = consulAdapter.render(p);
    expect(findOne(manifests, 'ServiceSplitter', 'reviews')?.spec.splits).toEqual([
      { service: 'reviews', serviceSubset: 'v1', weight: 90 },
      { service: 'reviews', serviceSubset: 'v2', weight: 10 },
    ]);
    const resolver = findOne(manifests, 'ServiceResolver', 'reviews')?.spec;
    expect(Object.keys(resolver.subsets)).toEqual(['v1', 'v2']);
    expect(resolver.subsets.v2.filter).toContain('Service.Meta["pod-name"] matches "^reviews-v2-');
    const router = findOne(manifests, 'ServiceRouter', 'reviews')?.spec;
    expect(router.routes).toEqual([{ match: { http: { header: [{ name: 'x-canary', exact: 'always' }] } }, destination: { service: 'reviews', serviceSubset: 'v2' } }]);
    expect(findOne(manifests, 'ServiceDefaults', 'reviews')?.spec.protocol).toBe('http');
  });

  it('renders a weighted rule with a match through a virtual split service', () => {
    const p = pattern(`${SERVICES}  routes:
    - service: reviews
      rules:
        - {name: reads, match: {method: GET}, backends: [{version: v1, weight: 50}, {version: v2, weight: 50}]}
        - backends: [{version: v1}]
`);
    const { manifests } = consulAdapter.render(p);
    const router = findOne(manifests, 'ServiceRouter', 'reviews')?.spec;
    expect(router.routes[0].destination).toEqual({ service: 'reviews-reads' });
    expect(findOne(manifests, 'ServiceSplitter', 'reviews-reads')?.spec.splits.map((s: any) => s.weight)).toEqual([50, 50]);
    expect(findOne(manifests, 'ServiceDefaults', 'reviews-reads')?.spec.protocol).toBe('http');
  });

  it('renders retries and timeouts on the router route', () => {
    const p = pattern(`${SERVICES}  routes:
    - service: reviews
      rules:
        - backends: [{version: v1}]
          timeout: 2s
          retries: {attempts: 3, perTryTimeout: 500ms, on: [5xx, connect-failure, retriable-status-codes], statusCodes: [503]}
`);
    const route = findOne(consulAdapter.render(p).manifests, 'ServiceRouter', 'reviews')?.spec.routes[0];
    expect(route.destination).toEqual({ service: 'reviews', serviceSubset: 'v1', requestTimeout: '2s', numRetries: 3, retryOnConnectFailure: true, retryOn: ['5xx'], retryOnStatusCodes: [503] });
  });

  it("puts circuit breaking and limits in the caller's upstream config", () => {
    const p = pattern(`${SERVICES}  policies:
    - {kind: CircuitBreaker, target: reviews, consecutiveErrors: 3, ejectionTime: 1m}
    - {kind: ConnectionLimits, target: reviews, maxConnections: 100, connectTimeout: 250ms}
`);
    const { manifests } = consulAdapter.render(p);
    const override = findOne(manifests, 'ServiceDefaults', 'productpage')?.spec.upstreamConfig.overrides[0];
    expect(override).toEqual({
      name: 'reviews',
      passiveHealthCheck: { interval: '10s', maxFailures: 3, enforcingConsecutive5xx: 100, baseEjectionTime: '1m', maxEjectionPercent: 50 },
      limits: { maxConnections: 100 },
    });
    expect(findOne(manifests, 'ServiceResolver', 'reviews')?.spec.connectTimeout).toBe('250ms');
  });

  it('denies everything for an allow policy without rules, and closes request-level rules', () => {
    const p = pattern(`${SERVICES}  policies:
    - {kind: Authorization, target: productpage}
    - kind: Authorization
      target: reviews
      rules:
        - {from: {services: [productpage]}, to: {paths: [/api/*], methods: [GET]}}
`);
    const { manifests } = consulAdapter.render(p);
    expect(findOne(manifests, 'ServiceIntentions', 'productpage')?.spec.sources).toEqual([{ name: '*', action: 'deny' }]);
    expect(findOne(manifests, 'ServiceIntentions', 'reviews')?.spec.sources).toEqual([
      {
        name: 'productpage',
        permissions: [
          { action: 'allow', http: { pathPrefix: '/api/', methods: ['GET'] } },
          { action: 'deny', http: { pathPrefix: '/' } },
        ],
      },
      { name: '*', action: 'deny' },
    ]);
  });

  it('renders nothing (and does not crash) for features Consul lacks', () => {
    const p = pattern(`${SERVICES}  policies:
    - {kind: FaultInjection, target: reviews, abort: {httpStatus: 503, percentage: 5}}
    - {kind: RetryBudget, target: reviews}
`);
    const result = renderWithAdapter(consulAdapter, p, { workloads: false });
    expect(result.manifests.map((m) => m.kind)).toEqual(['ServiceDefaults', 'ServiceDefaults']);
    expect(result.diagnostics.filter((d) => d.code === 'ML4001').map((d) => d.feature)).toEqual(['retry-budget', 'fault-abort']);
  });

  it('links external services to the terminating gateway and serves ingress routes', () => {
    const p = pattern(`  services:
    - {name: web, calls: [stripe]}
  gateways:
    - {name: edge, listeners: [{port: 443, protocol: https, hosts: [shop.example], tls: {credentialName: cert}}]}
    - {name: egress, type: egress}
  externalServices:
    - {name: stripe, hosts: [api.stripe.com], viaGateway: egress}
  routes:
    - {service: web, gateway: edge, rules: [{match: {path: /api}, backends: [{service: web}], timeout: 3s}]}
`);
    const { manifests } = consulAdapter.render(p);
    expect(findOne(manifests, 'TerminatingGateway', 'egress')?.spec).toEqual({ services: [{ name: 'stripe' }] });
    expect(findOne(manifests, 'ServiceDefaults', 'stripe')?.spec).toEqual({ protocol: 'tcp', destination: { addresses: ['api.stripe.com'], port: 443 } });
    const listener = findOne(manifests, 'IngressGateway', 'edge')?.spec.listeners[0];
    expect(listener).toEqual({ port: 443, protocol: 'http', tls: { enabled: true }, services: [{ name: 'web-edge', hosts: ['shop.example'] }] });
    expect(findOne(manifests, 'ServiceRouter', 'web-edge')?.spec.routes[0]).toEqual({ match: { http: { pathPrefix: '/api' } }, destination: { service: 'web', requestTimeout: '3s' } });
  });

  it('is deterministic and injects the sidecar', () => {
    const p = pattern(`${SERVICES}  policies:
    - {kind: AccessLog, format: json}
    - {kind: Metrics}
    - {kind: LoadBalancing, target: reviews, algorithm: ring-hash, sessionAffinity: {cookie: {name: s, ttl: 1h}}}
`);
    const a = renderWithAdapter(consulAdapter, p);
    expect(a).toEqual(renderWithAdapter(consulAdapter, p));
    const deploy = a.manifests.find((m) => m.kind === 'Deployment') as any;
    expect(deploy.spec.template.metadata.annotations['consul.hashicorp.com/connect-inject']).toBe('true');
    expect(findOne(a.manifests, 'ServiceResolver', 'reviews')?.spec.loadBalancer).toEqual({ policy: 'ring_hash', hashPolicies: [{ field: 'cookie', fieldValue: 's', cookieConfig: { ttl: '1h' } }] });
    expect(findOne(a.manifests, 'ProxyDefaults', 'global')?.spec).toEqual({ accessLogs: { enabled: true, type: 'stdout' }, config: { envoy_prometheus_bind_addr: '0.0.0.0:9102' } });
  });
});
