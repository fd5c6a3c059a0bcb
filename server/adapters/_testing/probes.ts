/**
 * Test-only: one small probe pattern per pattern feature, for the shared adapter suite.
 *
 * Every probe is the BASE pattern plus a few items (`with`). Where a feature cannot be used on
 * its own (a per-try timeout needs retries, TLS termination needs a gateway, a rewrite needs a
 * path match…), the probe also names the items it is compared against (`without`): the same
 * pattern minus the feature. `featuresOf(with) − featuresOf(without)` is exactly the probed
 * feature (asserted by the suite), so "the output differs" means the feature itself was rendered.
 */
import { FEATURE_IDS, type TFeature } from '@/patterns/language/features';
import { parsePattern } from '@/patterns/language/parse';
import type { TPattern } from '@/patterns/language/schema';

type TItems = Record<string, unknown>[];

/** Items added to the base pattern's spec lists. */
export interface TSpecAdditions {
  services?: TItems;
  gateways?: TItems;
  externalServices?: TItems;
  routes?: TItems;
  policies?: TItems;
}

export interface TProbe {
  feature: TFeature;
  /** The base pattern plus these items uses the feature. */
  with: TSpecAdditions;
  /** The comparison point: the base plus these items (default: the base itself). */
  without?: TSpecAdditions;
}

/** The base every probe builds on: a caller and a two-version service; it uses no feature at all. */
export const BASE_SPEC = {
  services: [
    { name: 'web', calls: ['api'] },
    { name: 'api', versions: ['v1', 'v2'] },
  ],
} as const;

const route = (...rules: Record<string, unknown>[]) => ({ service: 'api', rules });
const v1 = { backends: [{ version: 'v1' }] };
/** A plain route to one version: no feature (the comparison point of the rule-level probes). */
const PLAIN_ROUTE: TSpecAdditions = { routes: [route(v1)] };
const PATH_ROUTE: TSpecAdditions = { routes: [route({ match: { path: '/api' }, ...v1 }, v1)] };
const matched = (match: Record<string, unknown>): TSpecAdditions => ({ routes: [route({ match, backends: [{ version: 'v2' }] }, v1)] });
const withRule = (extra: Record<string, unknown>): TSpecAdditions => ({ routes: [route({ ...v1, ...extra })] });
const policy = (p: Record<string, unknown>): TSpecAdditions => ({ policies: [p] });
const gateway = (listener: Record<string, unknown>): TSpecAdditions => ({
  gateways: [{ name: 'edge', listeners: [listener] }],
  routes: [{ service: 'api', gateway: 'edge', hosts: ['shop.example.com'], rules: [v1] }],
});
const HTTP_LISTENER = { port: 80, protocol: 'http', hosts: ['shop.example.com'] };
const EXTERNAL = { name: 'payments', hosts: ['api.payments.example.com'], ports: [{ port: 443, protocol: 'https' }] };
/** A service with versions in two regions (what failover chooses between). */
const GEO = { name: 'geo', versions: [{ name: 'east', locality: 'us-east/us-east-1a' }, { name: 'west', locality: 'us-west/us-west-1a' }] };
const AUTH_FROM_WEB = { kind: 'Authorization', target: 'api', action: 'allow', rules: [{ from: { services: ['web'] } }] };

export const PROBES: Record<TFeature, TProbe> = {
  'traffic-split': { feature: 'traffic-split', with: { routes: [route({ backends: [{ version: 'v1', weight: 80 }, { version: 'v2', weight: 20 }] })] }, without: PLAIN_ROUTE },
  'header-match': { feature: 'header-match', with: matched({ headers: { 'x-tester': 'yes' } }), without: PLAIN_ROUTE },
  'path-match': { feature: 'path-match', with: matched({ path: '/beta' }), without: PLAIN_ROUTE },
  'method-match': { feature: 'method-match', with: matched({ method: 'POST' }), without: PLAIN_ROUTE },
  'query-match': { feature: 'query-match', with: matched({ query: { beta: 'true' } }), without: PLAIN_ROUTE },
  'source-match': { feature: 'source-match', with: matched({ from: ['web'] }), without: PLAIN_ROUTE },
  'cross-service-routing': {
    feature: 'cross-service-routing',
    with: { services: [{ name: 'legacy' }], routes: [route({ backends: [{ service: 'legacy' }] })] },
    without: { services: [{ name: 'legacy' }], routes: [route(v1)] },
  },
  'request-timeout': { feature: 'request-timeout', with: withRule({ timeout: '2s' }), without: PLAIN_ROUTE },
  retries: { feature: 'retries', with: withRule({ retries: { attempts: 3 } }), without: PLAIN_ROUTE },
  'per-try-timeout': { feature: 'per-try-timeout', with: withRule({ retries: { attempts: 3, perTryTimeout: '500ms' } }), without: withRule({ retries: { attempts: 3 } }) },
  'retry-budget': { feature: 'retry-budget', with: policy({ kind: 'RetryBudget', target: 'api', retryRatio: 0.2, minRetriesPerSecond: 5 }) },
  'fault-abort': { feature: 'fault-abort', with: policy({ kind: 'FaultInjection', target: 'api', abort: { httpStatus: 503, percentage: 10 } }) },
  'fault-delay': { feature: 'fault-delay', with: policy({ kind: 'FaultInjection', target: 'api', delay: { fixedDelay: '2s', percentage: 10 } }) },
  'circuit-breaker': { feature: 'circuit-breaker', with: policy({ kind: 'CircuitBreaker', target: 'api', consecutiveErrors: 3, ejectionTime: '30s' }) },
  'connection-limits': { feature: 'connection-limits', with: policy({ kind: 'ConnectionLimits', target: 'api', maxConnections: 10, maxPendingRequests: 5 }) },
  'rate-limit-local': { feature: 'rate-limit-local', with: policy({ kind: 'RateLimit', target: 'api', requests: 100, interval: '1s' }) },
  'rate-limit-global': { feature: 'rate-limit-global', with: policy({ kind: 'RateLimit', target: 'api', scope: 'global', requests: 1000, interval: '1m' }) },
  'health-check-active': { feature: 'health-check-active', with: policy({ kind: 'HealthCheck', target: 'api', active: { path: '/health', interval: '5s' } }) },
  'health-check-passive': { feature: 'health-check-passive', with: policy({ kind: 'HealthCheck', target: 'api', passive: { consecutiveErrors: 4, ejectionTime: '20s' } }) },
  'locality-failover': {
    feature: 'locality-failover',
    with: { services: [GEO], policies: [{ kind: 'LocalityFailover', target: 'geo', failover: [{ from: 'us-east', to: 'us-west' }] }] },
    without: { services: [GEO] },
  },
  mirroring: { feature: 'mirroring', with: withRule({ mirror: { version: 'v2', percentage: 10 } }), without: PLAIN_ROUTE },
  rewrite: { feature: 'rewrite', with: { routes: [route({ match: { path: '/api' }, ...v1, rewrite: { prefix: '/' } }, v1)] }, without: PATH_ROUTE },
  redirect: {
    feature: 'redirect',
    with: { routes: [route({ match: { path: '/api' }, redirect: { path: '/v2/api', statusCode: 301 } }, v1)] },
    without: PATH_ROUTE,
  },
  'header-modification': { feature: 'header-modification', with: withRule({ headers: { request: { set: { 'x-env': 'probe' } } } }), without: PLAIN_ROUTE },
  'load-balancing': { feature: 'load-balancing', with: policy({ kind: 'LoadBalancing', target: 'api', algorithm: 'least-request' }) },
  'session-affinity': {
    feature: 'session-affinity',
    with: policy({ kind: 'LoadBalancing', target: 'api', algorithm: 'ring-hash', sessionAffinity: { header: 'x-user' } }),
    without: policy({ kind: 'LoadBalancing', target: 'api', algorithm: 'ring-hash' }),
  },
  mtls: { feature: 'mtls', with: policy({ kind: 'MutualTLS', mode: 'strict' }) },
  'authorization-source': { feature: 'authorization-source', with: policy(AUTH_FROM_WEB) },
  'authorization-request': {
    feature: 'authorization-request',
    with: policy({ ...AUTH_FROM_WEB, rules: [{ from: { services: ['web'] }, to: { paths: ['/orders*'], methods: ['GET'] } }] }),
    without: policy(AUTH_FROM_WEB),
  },
  'ingress-gateway': { feature: 'ingress-gateway', with: gateway(HTTP_LISTENER) },
  'egress-gateway': {
    feature: 'egress-gateway',
    with: { gateways: [{ name: 'egress', type: 'egress', listeners: [{ port: 443, protocol: 'tls', hosts: ['api.payments.example.com'] }] }], externalServices: [{ ...EXTERNAL, viaGateway: 'egress' }] },
    without: { externalServices: [EXTERNAL] },
  },
  'external-services': { feature: 'external-services', with: { externalServices: [EXTERNAL] } },
  'tls-termination': {
    feature: 'tls-termination',
    with: gateway({ port: 443, protocol: 'https', hosts: ['shop.example.com'], tls: { mode: 'terminate', credentialName: 'shop-cert' } }),
    without: gateway(HTTP_LISTENER),
  },
  'tls-passthrough': {
    feature: 'tls-passthrough',
    with: gateway({ port: 443, protocol: 'tls', hosts: ['shop.example.com'], tls: { mode: 'passthrough' } }),
    without: gateway(HTTP_LISTENER),
  },
  'access-log': { feature: 'access-log', with: policy({ kind: 'AccessLog', format: 'json' }) },
  tracing: { feature: 'tracing', with: policy({ kind: 'Tracing', provider: 'zipkin', endpoint: 'zipkin.observability:9411', samplingPercentage: 10 }) },
  metrics: { feature: 'metrics', with: policy({ kind: 'Metrics' }) },
  grpc: {
    feature: 'grpc',
    with: { services: [{ name: 'greeter', protocol: 'grpc', ports: [50051] }] },
    without: { services: [{ name: 'greeter', ports: [50051] }] },
  },
  tcp: {
    feature: 'tcp',
    with: { services: [{ name: 'db', protocol: 'tcp', ports: [5432] }] },
    without: { services: [{ name: 'db', ports: [5432] }] },
  },
};

/** Parses a pattern text; throws with the diagnostics when it is not valid. */
export function mustParse(text: string): TPattern {
  const parsed = parsePattern(text, { positions: false });
  if (!parsed.ok || !parsed.pattern) throw new Error(`invalid probe pattern:\n${JSON.stringify(parsed.diagnostics, null, 2)}\n${text}`);
  return parsed.pattern;
}

/** The base pattern plus `additions`, named `name`, parsed (JSON is YAML). */
export function buildPattern(name: string, additions: TSpecAdditions = {}): TPattern {
  const spec: Record<string, TItems> = {};
  for (const key of ['services', 'gateways', 'externalServices', 'routes', 'policies'] as const) {
    const list = [...((BASE_SPEC as Record<string, readonly unknown[]>)[key] ?? []), ...(additions[key] ?? [])] as TItems;
    if (list.length) spec[key] = list;
  }
  const source = {
    apiVersion: 'meshloom.dev/v1alpha1',
    kind: 'Pattern',
    metadata: { name, title: `Probe ${name}`, category: 'foundational' },
    spec,
  };
  return mustParse(JSON.stringify(source, null, 2));
}

/** The base pattern (no feature used). */
export function basePattern(): TPattern {
  return buildPattern('probe-base');
}

/** The probe for `feature`: `with` is the pattern using it, `without` its comparison point. */
export function probePatterns(feature: TFeature): { with: TPattern; without: TPattern } {
  const probe = PROBES[feature];
  return { with: buildPattern(`probe-${feature}`, probe.with), without: buildPattern(`probe-${feature}`, probe.without) };
}

export { FEATURE_IDS };
