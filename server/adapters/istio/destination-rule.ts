/**
 * networking.istio.io/v1 DestinationRule: one per host that needs subsets (versions used by
 * routes) or a traffic policy (connection pool, outlier detection, load balancer, locality,
 * retry budget, client TLS). Policies on a gateway become DestinationRules scoped to the gateway
 * pods (workloadSelector) for every backend the gateway routes to.
 */
import type { TService } from '@/patterns/language/schema';
import { versionLabels } from '../shared/workloads';
import { objectName } from '../shared/k8s';
import type { TManifest } from '../types';
import type { IstioContext, TPath } from './context';
import { duration } from './virtual-service';
import { effectiveMtlsMode } from './peer-authentication';

type TObj = Record<string, unknown>;

interface TPolicyAcc {
  tcp: TObj;
  http: TObj;
  outlier?: TObj;
  outlierFrom?: string;
  lb?: TObj;
  locality?: TObj;
  retryBudget?: TObj;
  hasCircuitBreaker: boolean;
  localityPath?: TPath;
}

const emptyAcc = (): TPolicyAcc => ({ tcp: {}, http: {}, hasCircuitBreaker: false });

export function renderDestinationRules(ctx: IstioContext): TManifest[] {
  const out: TManifest[] = [];
  // Traffic policy per attachment key (service / external service name, or gateway name).
  const accs = new Map<string, TPolicyAcc>();
  const accFor = (key: string) => {
    let a = accs.get(key);
    if (!a) accs.set(key, (a = emptyAcc()));
    return a;
  };

  /** Where a DR-level policy lands: its target, or the service of its route (approximation). */
  const keyOf = (p: { target?: string; route?: string }, path: TPath, what: string): string | undefined => {
    if (p.target) {
      if (!ctx.services.has(p.target) && !ctx.externals.has(p.target) && !ctx.gateways.has(p.target)) {
        ctx.warn(path, `Istio: unknown target ${p.target}`);
        return undefined;
      }
      return p.target;
    }
    if (p.route) {
      const r = ctx.routes.get(p.route);
      if (!r) {
        ctx.warn(path, `Istio: unknown route ${p.route}`);
        return undefined;
      }
      const backends = ctx.backendServicesOf(r.route);
      const key = backends.length === 1 ? backends[0] : r.route.service;
      ctx.info(path, `Istio: ${what} is a property of the destination host (DestinationRule), not of a route; applied to every request to ${key ?? r.route.service}`);
      return key;
    }
    return undefined;
  };

  for (const { policy: p, path } of ctx.policies('CircuitBreaker')) {
    const key = keyOf(p, path, 'circuit breaking');
    if (!key) continue;
    const a = accFor(key);
    a.hasCircuitBreaker = true;
    a.outlier = {
      consecutive5xxErrors: p.consecutiveErrors,
      ...(p.consecutiveGatewayErrors !== undefined ? { consecutiveGatewayErrors: p.consecutiveGatewayErrors } : {}),
      interval: duration(p.interval),
      baseEjectionTime: duration(p.ejectionTime),
      maxEjectionPercent: Math.round(p.maxEjectionPercent),
      ...(p.minHealthPercent !== undefined ? { minHealthPercent: Math.round(p.minHealthPercent) } : {}),
    };
    a.outlierFrom = 'CircuitBreaker';
  }
  for (const { policy: p, path } of ctx.policies('HealthCheck')) {
    if (!p.passive) continue;
    const key = keyOf(p, path, 'passive health checking');
    if (!key) continue;
    const a = accFor(key);
    if (a.outlier) {
      ctx.info([...path, 'passive'], `Istio: passive health checking and the ${a.outlierFrom ?? 'other'} policy share one outlierDetection; the first one is kept`);
      continue;
    }
    a.outlier = { consecutive5xxErrors: p.passive.consecutiveErrors, interval: duration(p.passive.interval), baseEjectionTime: duration(p.passive.ejectionTime) };
    a.outlierFrom = 'HealthCheck';
  }
  for (const { policy: p, path } of ctx.policies('ConnectionLimits')) {
    const key = keyOf(p, path, 'connection limits');
    if (!key) continue;
    const a = accFor(key);
    if (p.maxConnections !== undefined) a.tcp.maxConnections = p.maxConnections;
    if (p.connectTimeout !== undefined) a.tcp.connectTimeout = duration(p.connectTimeout);
    if (p.maxPendingRequests !== undefined) a.http.http1MaxPendingRequests = p.maxPendingRequests;
    if (p.maxRequests !== undefined) a.http.http2MaxRequests = p.maxRequests;
    if (p.maxRequestsPerConnection !== undefined) a.http.maxRequestsPerConnection = p.maxRequestsPerConnection;
  }
  for (const { policy: p, path } of ctx.policies('Timeout')) {
    if (!p.idle && !p.connect) continue;
    const key = keyOf(p, path, 'connect and idle timeouts');
    if (!key) continue;
    const a = accFor(key);
    if (p.connect && a.tcp.connectTimeout === undefined) a.tcp.connectTimeout = duration(p.connect);
    if (p.idle) {
      if (tcpOnly(ctx, key)) a.tcp.idleTimeout = duration(p.idle);
      else a.http.idleTimeout = duration(p.idle);
    }
  }
  for (const { policy: p, path } of ctx.policies('LoadBalancing')) {
    const key = keyOf(p, path, 'load balancing');
    if (!key) continue;
    const a = accFor(key);
    const aff = p.sessionAffinity;
    const hashing = p.algorithm === 'ring-hash' || p.algorithm === 'maglev' || aff !== undefined;
    if (!hashing) {
      a.lb = { simple: p.algorithm === 'least-request' ? 'LEAST_REQUEST' : p.algorithm === 'random' ? 'RANDOM' : 'ROUND_ROBIN' };
      continue;
    }
    const hash: TObj = {};
    if (aff?.cookie) hash.httpCookie = { name: aff.cookie.name, ...(aff.cookie.path ? { path: aff.cookie.path } : {}), ttl: aff.cookie.ttl ? duration(aff.cookie.ttl) : '0s' };
    else if (aff?.header) hash.httpHeaderName = aff.header;
    else if (aff?.queryParameter) hash.httpQueryParameterName = aff.queryParameter;
    else if (aff?.sourceIp) hash.useSourceIp = true;
    else {
      hash.useSourceIp = true;
      ctx.info(path, `Istio: ${p.algorithm} needs a hash key; hashing on the source IP`);
    }
    if (p.algorithm === 'maglev') hash.maglev = {};
    else hash.ringHash = {};
    if (aff && p.algorithm !== 'ring-hash' && p.algorithm !== 'maglev') ctx.info([...path, 'algorithm'], `Istio: session affinity needs consistent hashing; ring-hash is used instead of ${p.algorithm}`);
    a.lb = { consistentHash: hash };
  }
  for (const { policy: p, path } of ctx.policies('LocalityFailover')) {
    const key = keyOf(p, path, 'locality failover');
    if (!key) continue;
    const a = accFor(key);
    a.locality = {
      enabled: true,
      ...(p.failover.length > 0 ? { failover: p.failover.map((f) => ({ from: f.from, to: f.to })) } : {}),
      ...(p.failoverPriority ? { failoverPriority: [...p.failoverPriority] } : {}),
    };
    a.localityPath = path;
  }
  for (const { policy: p, path } of ctx.policies('RetryBudget')) {
    const key = keyOf(p, path, 'a retry budget');
    if (!key) continue;
    accFor(key).retryBudget = { percent: Math.round(p.retryRatio * 10000) / 100, minRetryConcurrency: p.minRetriesPerSecond };
    ctx.info(
      path,
      `Istio: retryBudget limits concurrent retries to ${Math.round(p.retryRatio * 10000) / 100}% of active requests (minimum ${p.minRetriesPerSecond} concurrent retries); Envoy budgets by concurrency, not per second, and has no ttl`,
      'retry-budget',
    );
  }

  // Which subsets each service needs: versions referenced by routes and mirrors.
  const subsetUsers = new Set<string>();
  for (const { route } of ctx.routes.values())
    for (const rule of route.rules) {
      for (const b of rule.backends) if (b.version) subsetUsers.add(b.service ?? route.service);
      if (rule.mirror?.version) subsetUsers.add(rule.mirror.service ?? route.service);
    }

  const trafficPolicyOf = (a: TPolicyAcc | undefined, mtlsStrict: boolean, path?: TPath): TObj | undefined => {
    const tp: TObj = {};
    if (a) {
      const pool: TObj = {};
      if (Object.keys(a.tcp).length > 0) pool.tcp = a.tcp;
      if (Object.keys(a.http).length > 0) pool.http = a.http;
      if (Object.keys(pool).length > 0) tp.connectionPool = pool;
      if (a.lb || a.locality) tp.loadBalancer = { ...(a.lb ?? {}), ...(a.locality ? { localityLbSetting: a.locality } : {}) };
      if (a.outlier) tp.outlierDetection = a.outlier;
      if (a.retryBudget) tp.retryBudget = a.retryBudget;
      if (a.locality && !a.outlier && (a.localityPath ?? path))
        ctx.warn(a.localityPath ?? path ?? [], 'Istio: locality failover only happens when outlier detection ejects local endpoints; add a CircuitBreaker for the same target');
    }
    if (mtlsStrict && Object.keys(tp).length > 0) tp.tls = { mode: 'ISTIO_MUTUAL' };
    return Object.keys(tp).length > 0 ? tp : undefined;
  };

  // Services.
  for (const s of ctx.services.values()) {
    const a = accs.get(s.name);
    const strict = effectiveMtlsMode(ctx, s.name, s.namespace) === 'strict';
    const needsSubsets = subsetUsers.has(s.name) && s.versions.length > 0;
    const tp = trafficPolicyOf(a, strict);
    if (!needsSubsets && !tp) continue;
    const spec: TObj = { host: ctx.hostOf(s.name) };
    if (tp) spec.trafficPolicy = strict && !tp.tls ? { ...tp, tls: { mode: 'ISTIO_MUTUAL' } } : tp;
    else if (strict) spec.trafficPolicy = { tls: { mode: 'ISTIO_MUTUAL' } };
    if (s.versions.length > 0) spec.subsets = subsetsOf(s);
    out.push({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: objectName(s.name), namespace: s.namespace }, spec });
  }

  // External services: one DestinationRule per host.
  for (const e of ctx.externals.values()) {
    if (ctx.services.has(e.name)) continue;
    const tp = trafficPolicyOf(accs.get(e.name), false);
    if (!tp) continue;
    e.hosts.forEach((host, i) => {
      out.push({
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: objectName(e.name, e.hosts.length > 1 ? i : undefined), namespace: e.namespace },
        spec: { host, trafficPolicy: tp },
      });
    });
  }

  // Gateways: the gateway pods' view of each backend they route to.
  for (const g of ctx.gateways.values()) {
    const a = accs.get(g.name);
    if (!a) continue;
    const backends = [...new Set(ctx.gatewayRoutesOf(g.name).flatMap(({ route }) => ctx.backendServicesOf(route)))];
    if (g.type === 'egress') for (const e of ctx.externals.values()) if (e.viaGateway === g.name && !backends.includes(e.name)) backends.push(e.name);
    const tp = trafficPolicyOf(a, false);
    if (!tp) continue;
    const gwPolicies = ctx.pattern.spec.policies.map((p, i) => ({ p, i })).filter(({ p }) => 'target' in p && p.target === g.name);
    if (backends.length === 0) {
      for (const { i } of gwPolicies) ctx.warn(['spec', 'policies', i], `Istio: gateway ${g.name} routes to nothing; its connection policies have nothing to apply to`);
      continue;
    }
    for (const { i } of gwPolicies)
      ctx.info(['spec', 'policies', i], `Istio: a gateway's connection settings are rendered as DestinationRules for its backends, scoped to the gateway pods (workloadSelector)`);
    for (const b of backends) {
      const svc = ctx.services.get(b);
      const hosts = svc ? [ctx.hostOf(b)] : (ctx.externals.get(b)?.hosts ?? []);
      hosts.forEach((host, i) => {
        out.push({
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name: objectName(g.name, b, hosts.length > 1 ? i : undefined), namespace: g.namespace },
          spec: {
            host,
            workloadSelector: { matchLabels: ctx.gatewaySelector(g) },
            trafficPolicy: svc && tcpOnly(ctx, b) ? moveIdleToTcp(tp) : tp,
            ...(svc && svc.versions.length > 0 ? { subsets: subsetsOf(svc) } : {}),
          },
        });
      });
    }
  }
  return out;
}

function subsetsOf(s: TService): TObj[] {
  return s.versions.map((v) => ({ name: v.name, labels: versionLabels(s, v) }));
}

function tcpOnly(ctx: IstioContext, key: string): boolean {
  if (ctx.services.has(key)) return ctx.isTcp(key);
  const ext = ctx.externals.get(key);
  if (ext) return ext.ports.every((p) => p.protocol !== 'http');
  const gw = ctx.gateways.get(key);
  if (gw) return gw.listeners.every((l) => l.protocol === 'tcp' || l.protocol === 'tls');
  return false;
}

function moveIdleToTcp(tp: TObj): TObj {
  const pool = tp.connectionPool as { tcp?: TObj; http?: TObj } | undefined;
  if (!pool?.http?.idleTimeout) return tp;
  const { idleTimeout, ...http } = pool.http;
  return { ...tp, connectionPool: { tcp: { ...pool.tcp, idleTimeout }, ...(Object.keys(http).length > 0 ? { http } : {}) } };
}
