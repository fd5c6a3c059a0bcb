/**
 * Resiliency policies: MeshTimeout, MeshRetry, MeshCircuitBreaker, MeshHealthCheck,
 * MeshLoadBalancingStrategy, MeshFaultInjection and MeshRateLimit.
 */
import type { TPolicy, TRoute, TRouteRule } from '@/patterns/language/schema';
import { durationMs, goDuration, objectName } from '../shared/k8s';
import { routeName, type KumaContext } from './context';
import { faultEntry } from './http-route';
import { inboundPlacement, outboundPlacement, type TOutbound } from './placement';

type P<K extends TPolicy['kind']> = Extract<TPolicy, { kind: K }>;
type TRetry = NonNullable<TRouteRule['retries']>;
const dur = (d: string) => goDuration(durationMs(d));

function outboundPolicy(ctx: KumaContext, kind: string, name: string, at: TOutbound, def: Record<string, unknown>): void {
  ctx.push(ctx.policy(kind, name, at.namespace, { targetRef: at.targetRef, to: at.to.map((t) => ({ targetRef: t, default: def })) }));
}

// --- timeouts and retries --------------------------------------------------------------------

export function renderTimeout(ctx: KumaContext, p: P<'Timeout'>, path: (string | number)[]): void {
  const at = outboundPlacement(ctx, p, path, { routeLevel: true, feature: 'request-timeout', what: 'timeout' });
  if (!at) return;
  const def: Record<string, unknown> = {};
  if (p.connect) def.connectionTimeout = dur(p.connect);
  if (p.idle) def.idleTimeout = dur(p.idle);
  if (p.request) {
    if (at.protocol === 'tcp') ctx.approx('TCP has no requests: the request timeout is not rendered', path, 'warning', 'request-timeout');
    else def.http = { requestTimeout: dur(p.request) };
  }
  if (Object.keys(def).length === 0) return;
  outboundPolicy(ctx, 'MeshTimeout', ctx.name(at.label, p.route ? 'route' : undefined, 'timeout'), at, def);
}

const HTTP_RETRY_ON: Record<string, string | undefined> = {
  '5xx': '5XX',
  'gateway-error': 'GatewayError',
  reset: 'Reset',
  'connect-failure': 'ConnectFailure',
  'retriable-4xx': 'Retriable4xx',
  'refused-stream': 'RefusedStream',
};
const GRPC_RETRY_ON: Record<string, string | undefined> = {
  cancelled: 'Canceled',
  'deadline-exceeded': 'DeadlineExceeded',
  unavailable: 'Unavailable',
  'resource-exhausted': 'ResourceExhausted',
};

/** The `default` of a MeshRetry for one retry definition. */
export function retryDefault(ctx: KumaContext, r: TRetry, protocol: string, path: (string | number)[]): Record<string, unknown> {
  const common: Record<string, unknown> = { numRetries: r.attempts };
  if (r.perTryTimeout) common.perTryTimeout = dur(r.perTryTimeout);
  if (r.backoff) common.backOff = { baseInterval: dur(r.backoff.base), ...(r.backoff.max ? { maxInterval: dur(r.backoff.max) } : {}) };
  if (protocol === 'tcp') {
    ctx.approx('TCP retries only reconnect: attempts become maxConnectAttempt', path, 'info', 'retries');
    return { tcp: { maxConnectAttempt: r.attempts } };
  }
  if (protocol === 'grpc') {
    const grpcOn = [...new Set(r.on.map((o) => GRPC_RETRY_ON[o]).filter((x): x is string => !!x))];
    const unmapped = r.on.filter((o) => !GRPC_RETRY_ON[o]);
    if (unmapped.length) ctx.approx(`gRPC retries in Kuma retry on gRPC status only; ${unmapped.join(', ')} also retried over HTTP`, path, 'info', 'retries');
    const httpOn = httpRetryOn(r);
    return { grpc: { ...common, ...(grpcOn.length ? { retryOn: grpcOn } : {}) }, http: { ...common, ...(httpOn.length ? { retryOn: httpOn } : {}) } };
  }
  const on = httpRetryOn(r);
  const ignored = r.on.filter((o) => !HTTP_RETRY_ON[o] && o !== 'retriable-status-codes');
  if (ignored.length) ctx.approx(`conditions ${ignored.join(', ')} are gRPC conditions; for HTTP they are not retried`, path, 'info', 'retries');
  return { http: { ...common, ...(on.length ? { retryOn: on } : {}) } };
}

function httpRetryOn(r: TRetry): string[] {
  const out = r.on.map((o) => HTTP_RETRY_ON[o]).filter((x): x is string => !!x);
  if (r.on.includes('retriable-status-codes')) out.push(...(r.statusCodes ?? []).map(String));
  return [...new Set(out)];
}

export function renderRetry(ctx: KumaContext, p: P<'Retry'>, path: (string | number)[]): void {
  const at = outboundPlacement(ctx, p, path, { routeLevel: true, feature: 'retries', what: 'retry' });
  if (!at) return;
  outboundPolicy(ctx, 'MeshRetry', ctx.name(at.label, p.route ? 'route' : undefined, 'retry'), at, retryDefault(ctx, p, at.protocol, path));
}

/** Rule-level timeouts and retries: MeshTimeout/MeshRetry targeting the rule's MeshHTTPRoute(s). */
export function renderRulePolicies(ctx: KumaContext): void {
  ctx.pattern.spec.routes.forEach((route: TRoute, ri) => {
    const rname = routeName(route);
    const obj = ctx.routeObjects.get(rname);
    if (!obj || obj.kind !== 'MeshHTTPRoute') return;
    const done = new Set<string>();
    route.rules.forEach((rule, i) => {
      if (!rule.timeout && !rule.retries) return;
      const names = ctx.ruleRouteNames.get(`${rname}#${i}`) ?? [];
      const key = names.join(',');
      if (done.has(key) || names.length === 0) return;
      done.add(key);
      const path = ['spec', 'routes', ri, 'rules', i];
      const service = ctx.services.get(route.service);
      const at: TOutbound = {
        namespace: obj.namespace,
        targetRef: obj.gateway ? { kind: 'MeshGateway', name: obj.gateway } : { kind: 'Mesh' },
        to: names.map((name) => ({ kind: 'MeshHTTPRoute', name })),
        label: names[0] ?? rname,
        protocol: service?.protocol ?? 'http',
      };
      const base = names[0] ?? ctx.name(rname);
      if (rule.timeout) {
        // The pattern's rule timeout covers the whole request, retries included: Envoy's route timeout.
        outboundPolicy(ctx, 'MeshTimeout', objectName(base, 'timeout'), at, { http: { requestTimeout: dur(rule.timeout) } });
      }
      if (rule.retries) outboundPolicy(ctx, 'MeshRetry', objectName(base, 'retry'), at, retryDefault(ctx, rule.retries, at.protocol, [...path, 'retries']));
    });
  });
}

// --- circuit breaking, connection limits, health checks ---------------------------------------

export function renderCircuitBreaker(ctx: KumaContext, p: P<'CircuitBreaker'>, path: (string | number)[]): void {
  const at = outboundPlacement(ctx, p, path, { routeLevel: false, feature: 'circuit-breaker', what: 'circuit-breaker' });
  if (!at) return;
  const detectors: Record<string, unknown> = { totalFailures: { consecutive: p.consecutiveErrors } };
  if (p.consecutiveGatewayErrors) detectors.gatewayFailures = { consecutive: p.consecutiveGatewayErrors };
  const outlierDetection: Record<string, unknown> = {
    disabled: false,
    interval: dur(p.interval),
    baseEjectionTime: dur(p.ejectionTime),
    maxEjectionPercent: Math.round(p.maxEjectionPercent),
    detectors,
  };
  if (p.minHealthPercent !== undefined) {
    ctx.approx("minHealthPercent maps to Envoy's healthy panic threshold: below it, traffic goes to all endpoints", path, 'info', 'circuit-breaker');
    outlierDetection.healthyPanicThreshold = Number.isInteger(p.minHealthPercent) ? p.minHealthPercent : String(p.minHealthPercent);
  }
  outboundPolicy(ctx, 'MeshCircuitBreaker', ctx.name(at.label, 'circuit-breaker'), at, { outlierDetection });
}

export function renderConnectionLimits(ctx: KumaContext, p: P<'ConnectionLimits'>, path: (string | number)[]): void {
  const at = outboundPlacement(ctx, p, path, { routeLevel: false, feature: 'connection-limits', what: 'connection-limits' });
  if (!at) return;
  const limits: Record<string, number> = {};
  if (p.maxConnections) limits.maxConnections = p.maxConnections;
  if (p.maxPendingRequests) limits.maxPendingRequests = p.maxPendingRequests;
  if (p.maxRequests) limits.maxRequests = p.maxRequests;
  if (p.maxRequestsPerConnection) ctx.approx('Kuma has no limit of requests per connection; maxRequestsPerConnection is not rendered', path, 'warning', 'connection-limits');
  if (Object.keys(limits).length) outboundPolicy(ctx, 'MeshCircuitBreaker', ctx.name(at.label, 'connection-limits'), at, { connectionLimits: limits });
  if (p.connectTimeout) outboundPolicy(ctx, 'MeshTimeout', ctx.name(at.label, 'connect-timeout'), at, { connectionTimeout: dur(p.connectTimeout) });
}

export function renderHealthCheck(ctx: KumaContext, p: P<'HealthCheck'>, path: (string | number)[]): void {
  const at = outboundPlacement(ctx, p, path, { routeLevel: false, feature: p.active ? 'health-check-active' : 'health-check-passive', what: 'health-check' });
  if (!at) return;
  if (p.active) {
    const a = p.active;
    const def: Record<string, unknown> = {
      interval: dur(a.interval),
      timeout: dur(a.timeout),
      healthyThreshold: a.healthyThreshold,
      unhealthyThreshold: a.unhealthyThreshold,
    };
    if (at.protocol === 'tcp') def.tcp = { disabled: false };
    else def.http = { disabled: false, path: a.path, ...(a.expectedStatuses?.length ? { expectedStatuses: a.expectedStatuses } : {}) };
    outboundPolicy(ctx, 'MeshHealthCheck', ctx.name(at.label, 'health-check'), at, def);
  }
  if (p.passive) {
    // Passive health checking is Envoy's outlier detection.
    outboundPolicy(ctx, 'MeshCircuitBreaker', ctx.name(at.label, 'passive-health'), at, {
      outlierDetection: {
        disabled: false,
        interval: dur(p.passive.interval),
        baseEjectionTime: dur(p.passive.ejectionTime),
        detectors: { totalFailures: { consecutive: p.passive.consecutiveErrors } },
      },
    });
  }
}

// --- load balancing and locality -------------------------------------------------------------

const LB_TYPE = { 'round-robin': 'RoundRobin', 'least-request': 'LeastRequest', random: 'Random', 'ring-hash': 'RingHash', maglev: 'Maglev' } as const;

export function renderLoadBalancing(ctx: KumaContext, p: P<'LoadBalancing'>, path: (string | number)[]): void {
  const at = outboundPlacement(ctx, p, path, { routeLevel: false, feature: 'load-balancing', what: 'load-balancing' });
  if (!at) return;
  let type: (typeof LB_TYPE)[keyof typeof LB_TYPE] = LB_TYPE[p.algorithm];
  const loadBalancer: Record<string, unknown> = { type };
  const a = p.sessionAffinity;
  if (a) {
    if (type !== 'RingHash' && type !== 'Maglev') {
      ctx.approx(`session affinity needs a hashing balancer: ${p.algorithm} rendered as RingHash`, [...path, 'algorithm'], 'warning', 'session-affinity');
      type = 'RingHash';
      loadBalancer.type = type;
    }
    const hashPolicies = a.cookie
      ? [{ type: 'Cookie', cookie: { name: a.cookie.name, ...(a.cookie.ttl ? { ttl: dur(a.cookie.ttl) } : {}), ...(a.cookie.path ? { path: a.cookie.path } : {}) } }]
      : a.header
        ? [{ type: 'Header', header: { name: a.header.toLowerCase() } }]
        : a.queryParameter
          ? [{ type: 'QueryParameter', queryParameter: { name: a.queryParameter } }]
          : [{ type: 'Connection', connection: { sourceIP: true } }];
    loadBalancer[type === 'RingHash' ? 'ringHash' : 'maglev'] = { hashPolicies };
  }
  outboundPolicy(ctx, 'MeshLoadBalancingStrategy', ctx.name(at.label, 'load-balancing'), at, { loadBalancer });
}

export function renderLocalityFailover(ctx: KumaContext, p: P<'LocalityFailover'>, path: (string | number)[]): void {
  const at = outboundPlacement(ctx, p, path, { routeLevel: false, feature: 'locality-failover', what: 'locality-failover' });
  if (!at) return;
  const localityAwareness: Record<string, unknown> = { disabled: false };
  if (p.failoverPriority?.length) localityAwareness.localZone = { affinityTags: p.failoverPriority.map((key) => ({ key })) };
  if (p.failover.length) {
    ctx.approx("Kuma fails over between zones (one control-plane zone per region): the pattern's regions are used as Kuma zone names", [...path, 'failover'], 'info', 'locality-failover');
    localityAwareness.crossZone = { failover: p.failover.map((f) => ({ from: { zones: [f.from] }, to: { type: 'Only', zones: [f.to] } })) };
  } else {
    localityAwareness.crossZone = { failover: [{ to: { type: 'Any' } }] };
  }
  outboundPolicy(ctx, 'MeshLoadBalancingStrategy', ctx.name(at.label, 'locality'), at, { localityAwareness });
}

// --- fault injection and rate limits (inbound) ------------------------------------------------

export function renderFaultInjection(ctx: KumaContext, p: P<'FaultInjection'>, path: (string | number)[]): void {
  const at = inboundPlacement(ctx, p, path, { feature: p.abort ? 'fault-abort' : 'fault-delay', what: 'fault injection' });
  if (!at) return;
  const def = { http: [faultEntry(p)] };
  const spec = at.gateway ? { targetRef: at.targetRef, to: [{ targetRef: { kind: 'Mesh' }, default: def }] } : { targetRef: at.targetRef, rules: [{ default: def }] };
  ctx.push(ctx.policy('MeshFaultInjection', ctx.name(at.label, 'fault'), at.namespace, spec));
}

export function renderRateLimit(ctx: KumaContext, p: P<'RateLimit'>, path: (string | number)[]): void {
  if (p.scope === 'global') return; // declared none: reported by the capability check
  const at = inboundPlacement(ctx, p, path, { feature: 'rate-limit-local', what: 'rate limiting' });
  if (!at) return;
  if (p.burst !== undefined) ctx.approx('Kuma rate limits are a token bucket of `requests` per interval; burst is not rendered', [...path, 'burst'], 'warning', 'rate-limit-local');
  if (p.by) ctx.approx('per-header/source/path buckets need a global rate limit service; Kuma limits all requests together', [...path, 'by'], 'warning', 'rate-limit-local');
  const interval = goDuration(Math.max(50, durationMs(p.interval)));
  const local =
    at.service?.protocol === 'tcp'
      ? { tcp: { connectionRate: { num: p.requests, interval } } }
      : { http: { requestRate: { num: p.requests, interval }, onRateLimit: { status: p.status } } };
  if (at.service?.protocol === 'tcp') ctx.approx('TCP services are limited by connection rate, not request rate', path, 'info', 'rate-limit-local');
  const def = { local };
  const spec = at.gateway ? { targetRef: at.targetRef, to: [{ targetRef: { kind: 'Mesh' }, default: def }] } : { targetRef: at.targetRef, rules: [{ default: def }] };
  ctx.push(ctx.policy('MeshRateLimit', ctx.name(at.label, 'rate-limit'), at.namespace, spec));
}
