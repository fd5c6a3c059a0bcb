/**
 * The features a pattern uses, in the vocabulary adapters declare their capabilities in.
 * Mesh compatibility (catalog filters, badges, the compatibility matrix) is computed from
 * `featuresOf(pattern)` and each adapter's declared capability per feature — never hand-kept.
 */
import type { TPattern, TPolicy } from './schema';

export const FEATURES = {
  'traffic-split': { title: 'Weighted traffic split', group: 'routing' },
  'header-match': { title: 'Header matching', group: 'routing' },
  'path-match': { title: 'Path matching', group: 'routing' },
  'method-match': { title: 'Method matching', group: 'routing' },
  'query-match': { title: 'Query parameter matching', group: 'routing' },
  'source-match': { title: 'Matching by source service', group: 'routing' },
  'cross-service-routing': { title: 'Routing to another service', group: 'routing' },
  'request-timeout': { title: 'Request timeouts', group: 'resiliency' },
  retries: { title: 'Retries', group: 'resiliency' },
  'per-try-timeout': { title: 'Per-try timeout', group: 'resiliency' },
  'retry-budget': { title: 'Retry budget', group: 'resiliency' },
  'fault-abort': { title: 'Fault injection: abort', group: 'resiliency' },
  'fault-delay': { title: 'Fault injection: delay', group: 'resiliency' },
  'circuit-breaker': { title: 'Circuit breaking (outlier ejection)', group: 'resiliency' },
  'connection-limits': { title: 'Connection limits (bulkhead)', group: 'resiliency' },
  'rate-limit-local': { title: 'Local rate limiting', group: 'resiliency' },
  'rate-limit-global': { title: 'Global rate limiting', group: 'resiliency' },
  'health-check-active': { title: 'Active health checks', group: 'resiliency' },
  'health-check-passive': { title: 'Passive health checks', group: 'resiliency' },
  'locality-failover': { title: 'Locality failover', group: 'resiliency' },
  mirroring: { title: 'Traffic mirroring', group: 'routing' },
  rewrite: { title: 'URL rewrite', group: 'routing' },
  redirect: { title: 'Redirects', group: 'routing' },
  'header-modification': { title: 'Header modification', group: 'routing' },
  'load-balancing': { title: 'Load-balancing algorithm', group: 'routing' },
  'session-affinity': { title: 'Session affinity', group: 'routing' },
  mtls: { title: 'Mutual TLS', group: 'security' },
  'authorization-source': { title: 'Authorization by source', group: 'security' },
  'authorization-request': { title: 'Authorization by path and method', group: 'security' },
  'ingress-gateway': { title: 'Ingress gateway', group: 'edge' },
  'egress-gateway': { title: 'Egress gateway', group: 'edge' },
  'external-services': { title: 'External services', group: 'edge' },
  'tls-termination': { title: 'TLS termination at a gateway', group: 'edge' },
  'tls-passthrough': { title: 'TLS passthrough', group: 'edge' },
  'access-log': { title: 'Access logs', group: 'observability' },
  tracing: { title: 'Tracing', group: 'observability' },
  metrics: { title: 'Metrics', group: 'observability' },
  grpc: { title: 'gRPC services', group: 'protocols' },
  tcp: { title: 'TCP services', group: 'protocols' },
} as const satisfies Record<string, { title: string; group: string }>;

export type TFeature = keyof typeof FEATURES;
export const FEATURE_IDS = Object.keys(FEATURES) as TFeature[];

/** The features `pattern` uses, sorted in FEATURES order. */
export function featuresOf(pattern: TPattern): TFeature[] {
  const used = new Set<TFeature>();
  const { spec } = pattern;
  for (const s of spec.services) {
    if (s.protocol === 'grpc' || s.ports.some((p) => p.protocol === 'grpc')) used.add('grpc');
    if (s.protocol === 'tcp' || s.ports.some((p) => p.protocol === 'tcp')) used.add('tcp');
  }
  for (const g of spec.gateways) {
    used.add(g.type === 'egress' ? 'egress-gateway' : 'ingress-gateway');
    for (const l of g.listeners) {
      if (l.tls?.mode === 'passthrough') used.add('tls-passthrough');
      else if (l.tls || l.protocol === 'https') used.add('tls-termination');
    }
  }
  if (spec.externalServices.length > 0) used.add('external-services');
  if (spec.externalServices.some((e) => e.viaGateway)) used.add('egress-gateway');
  for (const route of spec.routes) {
    for (const rule of route.rules) {
      if (rule.backends.length > 1) used.add('traffic-split');
      if (rule.backends.some((b) => b.service && b.service !== route.service)) used.add('cross-service-routing');
      for (const m of rule.match) {
        if (m.headers) used.add('header-match');
        if (m.path) used.add('path-match');
        if (m.method) used.add('method-match');
        if (m.query) used.add('query-match');
        if (m.from) used.add('source-match');
      }
      if (rule.timeout) used.add('request-timeout');
      if (rule.retries) addRetry(used, rule.retries.perTryTimeout);
      if (rule.fault?.abort) used.add('fault-abort');
      if (rule.fault?.delay) used.add('fault-delay');
      if (rule.mirror) used.add('mirroring');
      if (rule.rewrite) used.add('rewrite');
      if (rule.redirect) used.add('redirect');
      if (rule.headers) used.add('header-modification');
    }
  }
  for (const p of spec.policies) addPolicy(used, p);
  return FEATURE_IDS.filter((f) => used.has(f));
}

function addRetry(used: Set<TFeature>, perTryTimeout: string | undefined) {
  used.add('retries');
  if (perTryTimeout) used.add('per-try-timeout');
}

function addPolicy(used: Set<TFeature>, p: TPolicy) {
  switch (p.kind) {
    case 'CircuitBreaker':
      used.add('circuit-breaker');
      return;
    case 'ConnectionLimits':
      used.add('connection-limits');
      return;
    case 'RateLimit':
      used.add(p.scope === 'global' ? 'rate-limit-global' : 'rate-limit-local');
      return;
    case 'RetryBudget':
      used.add('retry-budget');
      return;
    case 'Retry':
      addRetry(used, p.perTryTimeout);
      return;
    case 'Timeout':
      used.add('request-timeout');
      return;
    case 'MutualTLS':
      if (p.mode !== 'disabled') used.add('mtls');
      return;
    case 'Authorization':
      used.add('authorization-source');
      if (p.rules.some((r) => r.to?.paths?.length || r.to?.methods?.length)) used.add('authorization-request');
      return;
    case 'HealthCheck':
      if (p.active) used.add('health-check-active');
      if (p.passive) used.add('health-check-passive');
      return;
    case 'LoadBalancing':
      used.add('load-balancing');
      if (p.sessionAffinity) used.add('session-affinity');
      return;
    case 'FaultInjection':
      if (p.abort) used.add('fault-abort');
      if (p.delay) used.add('fault-delay');
      return;
    case 'LocalityFailover':
      used.add('locality-failover');
      return;
    case 'AccessLog':
      used.add('access-log');
      return;
    case 'Tracing':
      used.add('tracing');
      return;
    case 'Metrics':
      used.add('metrics');
      return;
    default: {
      const exhaustive: never = p;
      return exhaustive;
    }
  }
}
