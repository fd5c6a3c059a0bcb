import { describe, expect, it } from 'vitest';
import { findAll, pattern, specOf } from '../_testing/fixtures';
import { istioAdapter } from './index';

const render = (spec: string) => istioAdapter.render(pattern(spec));

describe('istio adapter', () => {
  it('renders a 90/10 split like bookinfo virtual-service-reviews-90-10, with subsets', () => {
    const { manifests } = render(`  services:
    - {name: productpage, calls: [reviews]}
    - {name: reviews, versions: [v1, v2, v3]}
  routes:
    - service: reviews
      rules:
        - backends: [{version: v1, weight: 90}, {version: v2, weight: 10}]
`);
    const vs = specOf(findAll(manifests, 'VirtualService', 'reviews')[0]);
    expect(vs.hosts).toEqual(['reviews.default.svc.cluster.local']);
    expect(vs.http[0].route).toEqual([
      { destination: { host: 'reviews.default.svc.cluster.local', subset: 'v1' }, weight: 90 },
      { destination: { host: 'reviews.default.svc.cluster.local', subset: 'v2' }, weight: 10 },
    ]);
    const dr = specOf(findAll(manifests, 'DestinationRule', 'reviews')[0]);
    expect(dr.subsets).toEqual([
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
      { name: 'v3', labels: { version: 'v3' } },
    ]);
  });

  it('renders retries, timeouts, segment prefix matches and redirects faithfully', () => {
    const { manifests } = render(`  services:
    - {name: api}
  routes:
    - service: api
      rules:
        - match: {path: /v1, method: [GET, HEAD]}
          backends: [{service: api}]
          timeout: 2s
          retries: {attempts: 3, perTryTimeout: 500ms, on: [5xx, retriable-status-codes], statusCodes: [409]}
        - match: {path: {exact: /old}}
          redirect: {path: /new}
        - backends: [{service: api}]
`);
    const http = specOf(findAll(manifests, 'VirtualService', 'api')[0]).http;
    expect(http[0].match).toEqual([
      { uri: { exact: '/v1' }, method: { regex: 'GET|HEAD' } },
      { uri: { prefix: '/v1/' }, method: { regex: 'GET|HEAD' } },
    ]);
    expect(http[0].timeout).toBe('2s');
    expect(http[0].retries).toEqual({ attempts: 3, perTryTimeout: '500ms', retryOn: '5xx,409' });
    // The pattern's default redirect code is 302; Istio's is 301, so it is always written.
    expect(http[1].redirect).toEqual({ uri: '/new', redirectCode: 302 });
    expect(http[1].route).toBeUndefined();
  });

  it('applies Retry/Timeout policies to a service without a route through a default VirtualService', () => {
    const { manifests } = render(`  services:
    - {name: ratings}
  policies:
    - {kind: Retry, target: ratings, attempts: 2, perTryTimeout: 300ms}
    - {kind: Timeout, target: ratings, request: 1s, connect: 250ms}
`);
    const http = specOf(findAll(manifests, 'VirtualService', 'ratings')[0]).http;
    expect(http[0]).toMatchObject({ timeout: '1s', retries: { attempts: 2, perTryTimeout: '300ms', retryOn: '5xx,connect-failure,reset' } });
    expect(specOf(findAll(manifests, 'DestinationRule', 'ratings')[0]).trafficPolicy.connectionPool.tcp.connectTimeout).toBe('250ms');
  });

  it('keeps authorization semantics: allow with no rules allows nothing, deny with no rules denies all', () => {
    const { manifests } = render(`  services:
    - {name: web, namespace: shop}
    - {name: db, namespace: shop}
  policies:
    - {kind: MutualTLS}
    - {kind: MutualTLS, namespace: shop, mode: permissive}
    - {kind: Authorization, namespace: shop}
    - {kind: Authorization, target: db, action: deny}
    - kind: Authorization
      target: db
      rules: [{from: {services: [web]}, to: {methods: [GET], ports: [5432]}}]
`);
    const pas = findAll(manifests, 'PeerAuthentication');
    expect(pas.map((m) => [m.metadata.namespace, specOf(m).mtls.mode])).toEqual([
      ['istio-system', 'STRICT'],
      ['shop', 'PERMISSIVE'],
    ]);
    const aps = findAll(manifests, 'AuthorizationPolicy');
    expect(specOf(aps[0])).toEqual({ action: 'ALLOW' });
    expect(specOf(aps[1])).toEqual({ selector: { matchLabels: { app: 'db' } }, action: 'DENY', rules: [{}] });
    expect(specOf(aps[2]).rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }], to: [{ operation: { methods: ['GET'], ports: ['5432'] } }] },
    ]);
  });

  it('renders circuit breaking, connection limits, session affinity and ISTIO_MUTUAL under strict mTLS', () => {
    const { manifests } = render(`  services:
    - {name: cart, versions: [v1]}
  policies:
    - {kind: MutualTLS}
    - {kind: CircuitBreaker, target: cart, consecutiveErrors: 3, ejectionTime: 1m}
    - {kind: ConnectionLimits, target: cart, maxConnections: 10, maxPendingRequests: 5}
    - {kind: LoadBalancing, target: cart, algorithm: ring-hash, sessionAffinity: {cookie: {name: s, ttl: 1h}}}
`);
    const tp = specOf(findAll(manifests, 'DestinationRule', 'cart')[0]).trafficPolicy;
    expect(tp.outlierDetection).toEqual({ consecutive5xxErrors: 3, interval: '10s', baseEjectionTime: '1m', maxEjectionPercent: 50 });
    expect(tp.connectionPool).toEqual({ tcp: { maxConnections: 10 }, http: { http1MaxPendingRequests: 5 } });
    expect(tp.loadBalancer).toEqual({ consistentHash: { httpCookie: { name: 's', ttl: '1h' }, ringHash: {} } });
    expect(tp.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
  });

  it('routes an external service through its egress gateway with the standard VirtualService pair', () => {
    const { manifests } = render(`  services:
    - {name: checkout, calls: [stripe]}
  gateways:
    - name: egress
      namespace: egress
      type: egress
      listeners: [{port: 443, protocol: tls, hosts: [api.stripe.com], tls: {mode: passthrough}}]
  externalServices:
    - {name: stripe, hosts: [api.stripe.com], ports: [{port: 443, protocol: tls}], viaGateway: egress}
`);
    expect(specOf(findAll(manifests, 'ServiceEntry', 'stripe')[0])).toMatchObject({ location: 'MESH_EXTERNAL', resolution: 'DNS' });
    const vs = specOf(findAll(manifests, 'VirtualService', 'stripe-egress')[0]);
    expect(vs.gateways).toEqual(['mesh', 'egress/egress']);
    expect(vs.tls.map((t: any) => t.route[0].destination.host)).toEqual(['egress.egress.svc.cluster.local', 'api.stripe.com']);
    expect(specOf(findAll(manifests, 'Gateway', 'egress')[0]).servers[0].tls).toEqual({ mode: 'PASSTHROUGH' });
  });

  it('renders a local rate limit as an EnvoyFilter token bucket and a global one with a rate-limit-service diagnostic', () => {
    const { manifests, diagnostics } = render(`  services:
    - {name: api}
  policies:
    - {kind: RateLimit, target: api, requests: 100, burst: 20}
    - {kind: RateLimit, target: api, scope: global, requests: 1000, interval: 1m, by: {header: x-key}}
`);
    const local = specOf(findAll(manifests, 'EnvoyFilter', 'api-local-ratelimit')[0]);
    expect(local.configPatches[0].patch.value.typed_config.token_bucket).toEqual({ max_tokens: 120, tokens_per_fill: 100, fill_interval: '1s' });
    expect(findAll(manifests, 'EnvoyFilter', 'api-global-ratelimit')).toHaveLength(1);
    expect(findAll(manifests, 'ConfigMap', 'ratelimit-config')).toHaveLength(1);
    expect(diagnostics.some((d) => d.feature === 'rate-limit-global' && d.code === 'ML4006')).toBe(true);
  });

  it('does not render what it cannot express, without crashing', () => {
    const { manifests } = render(`  services:
    - {name: api}
  policies:
    - {kind: HealthCheck, target: api, active: {path: /healthz}}
`);
    expect(manifests).toEqual([]);
  });

  it('is deterministic', () => {
    const s = `  services:
    - {name: a, versions: [v1, v2], calls: [b]}
    - {name: b}
  routes:
    - service: a
      rules:
        - {match: {headers: {x: {present: true}}}, backends: [{version: v2}], mirror: {version: v1, percentage: 5}}
        - backends: [{version: v1}]
  policies:
    - {kind: AccessLog, filter: response.code >= 400}
    - {kind: Tracing, namespace: default, samplingPercentage: 10}
`;
    expect(render(s)).toEqual(render(s));
    const http = specOf(findAll(render(s).manifests, 'VirtualService', 'a')[0]).http;
    expect(http[0].match).toEqual([{ headers: { x: {} } }]);
    expect(http[0].mirror).toEqual({ host: 'a.default.svc.cluster.local', subset: 'v1' });
    expect(http[0].mirrorPercentage).toEqual({ value: 5 });
  });
});
