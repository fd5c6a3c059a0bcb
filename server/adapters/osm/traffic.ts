/**
 * Traffic: SMI TrafficSplit (v1alpha2, the version OSM 1.2 serves) over per-version Services,
 * OSM Retry policies, and UpstreamTrafficSetting (connection limits, local rate limits, connect
 * timeout). TrafficSplit v1alpha2 has no matches: only a route's catch-all rule is rendered.
 */
import type { TFeature } from '@/patterns/language/features';
import type { TPolicy, TRouteRule, TService } from '@/patterns/language/schema';
import { durationMs, goDuration, objectName, serviceHost } from '../shared/k8s';
import { renderVersionServices as renderSharedVersionServices } from '../shared/version-services';
import { compact, type OsmContext, POLICY, routeName, SPLIT, type TJson, type TPath } from './context';

type TRetry = NonNullable<TRouteRule['retries']>;

export function renderSplits(ctx: OsmContext) {
  ctx.pattern.spec.routes.forEach((route, ri) => {
    const path: TPath = ['spec', 'routes', ri];
    if (route.gateway) return; // edge.ts: Ingress + IngressBackend
    const ns = ctx.namespaceOf(route.service);
    route.rules.forEach((rule, i) => {
      if (rule.match.length > 0 && rule.backends.length > 0) {
        ctx.diag([...path, 'rules', i], `OSM's TrafficSplit (v1alpha2) cannot match requests: rule ${rule.name ?? i} of route ${routeName(route)} is not rendered`, matchFeature(rule.match));
      }
    });
    const catchAll = [...route.rules].reverse().find((r) => r.match.length === 0 && r.backends.length > 0);
    if (!catchAll) return;
    const cpath = [...path, 'rules', route.rules.indexOf(catchAll)];
    if (catchAll.timeout) ctx.diag([...cpath, 'timeout'], 'OSM has no request timeout API: the timeout is not rendered', 'request-timeout');
    if (catchAll.retries) renderRetry(ctx, route.service, catchAll.retries, [...cpath, 'retries'], catchAll.timeout);
    const [only] = catchAll.backends;
    if (catchAll.backends.length === 1 && only && (only.service ?? route.service) === route.service && !only.version) return;
    const weights = catchAll.backends.every((b) => b.weight !== undefined)
      ? catchAll.backends.map((b) => b.weight as number)
      : catchAll.backends.map((_, k, all) => Math.floor(100 / all.length) + (k === all.length - 1 ? 100 % all.length : 0));
    const backends: TJson[] = [];
    catchAll.backends.forEach((b, k) => {
      const service = b.service ?? route.service;
      if (ctx.namespaceOf(service) !== ns) {
        ctx.diag([...cpath, 'backends', k], `TrafficSplit backends must be in the namespace of ${route.service} (${ns}): backend ${service} is not rendered`, 'cross-service-routing');
        return;
      }
      if (!b.version && service === route.service) {
        ctx.diag([...cpath, 'backends', k], `a TrafficSplit backend cannot be its own apex service: "all versions of ${service}" is not rendered`, 'traffic-split');
        return;
      }
      backends.push({ service: b.version ? ctx.versionService(service, b.version) : service, weight: weights[k] });
    });
    if (backends.length === 0) return;
    ctx.add(SPLIT, 'TrafficSplit', objectName(ctx.name, routeName(route)), ns, { service: route.service, backends });
  });
}

/** One Service per referenced version, selecting that version's pods (like the apex Service), in key order. */
export function renderVersionServices(ctx: OsmContext) {
  ctx.push(...renderSharedVersionServices(ctx.pattern, ctx.versionServices, { order: 'key' }));
}

/** Retry policies: one per caller ServiceAccount → the target Service (OSM scopes retries by source). */
export function renderRetry(ctx: OsmContext, target: string, r: TRetry, path: TPath, timeout?: string) {
  if (!ctx.services.has(target)) {
    ctx.diag(path, `OSM retries target Kubernetes Services: ${target} is not a mesh service, not rendered`, 'retries');
    return;
  }
  const callers = ctx.callersOf(target);
  if (callers.length === 0) {
    ctx.diag(path, `OSM Retry policies are set per calling ServiceAccount and no service calls ${target}: not rendered`, 'retries');
    return;
  }
  const on = r.on.filter((c) => c !== 'retriable-status-codes');
  if (r.on.includes('retriable-status-codes')) ctx.diag([...path, 'statusCodes'], 'OSM Retry has no status-code list: retriable-status-codes is not rendered', 'retries');
  if (on.length === 0) return;
  let perTry = r.perTryTimeout;
  if (!perTry) {
    perTry = timeout ?? '15s';
    ctx.diag(path, `OSM Retry needs a per-try timeout: ${perTry} (${timeout ? 'the request timeout' : "Envoy's default route timeout"}) is used`, 'retries', 'info');
  }
  if (r.backoff?.max) ctx.diag([...path, 'backoff', 'max'], 'OSM Retry has only a base backoff interval: backoff.max is not rendered', 'retries', 'info');
  ctx.feature('featureFlags', { enableRetryPolicy: true });
  for (const c of callers) {
    ctx.add(POLICY, 'Retry', objectName(ctx.name, c.name, target, 'retry'), c.namespace, {
      source: { kind: 'ServiceAccount', name: c.name, namespace: c.namespace },
      destinations: [{ kind: 'Service', name: target, namespace: ctx.namespaceOf(target) }],
      retryPolicy: {
        retryOn: on.join(','),
        perTryTimeout: goDuration(durationMs(perTry)),
        numRetries: r.attempts,
        retryBackoffBaseInterval: goDuration(durationMs(r.backoff?.base ?? '25ms')),
      },
    });
  }
}

/** A count per interval as OSM's requests per second/minute/hour (integers). */
function perUnit(ctx: OsmContext, count: number, interval: string, path: TPath): { n: number; unit: string } {
  const ms = durationMs(interval);
  for (const [unit, unitMs] of [['second', 1000], ['minute', 60_000], ['hour', 3_600_000]] as const) {
    const n = (count * unitMs) / ms;
    if (Number.isInteger(n) && unitMs >= ms) return { n, unit };
  }
  const n = Math.max(1, Math.round((count * 1000) / ms));
  ctx.diag([...path, 'interval'], `OSM rate limits count per second, minute or hour: ${count} per ${interval} is rendered as ${n} per second`, 'rate-limit-local');
  return { n, unit: 'second' };
}

/** UpstreamTrafficSetting per target Service: connection limits, local rate limits, connect timeout. */
export function renderUpstreamSettings(ctx: OsmContext) {
  const settings = new Map<string, TJson>();
  const of = (name: string) => {
    let s = settings.get(name);
    if (!s) settings.set(name, (s = {}));
    return s;
  };
  const target = (p: TPolicy, path: TPath): string | undefined => {
    const { name } = ctx.policyTarget(p);
    if (name && !ctx.services.has(name)) {
      ctx.diag(path, `OSM UpstreamTrafficSetting applies to mesh Services: ${name} is not one, so the ${p.kind} policy is not rendered`);
      return undefined;
    }
    if (p.route) ctx.diag(path, `OSM applies ${p.kind} to the whole upstream Service ${name}, not only route ${p.route}`, undefined, 'info');
    return name;
  };
  ctx.pattern.spec.policies.forEach((p, i) => {
    const path: TPath = ['spec', 'policies', i];
    if (p.kind === 'ConnectionLimits') {
      const name = target(p, path);
      if (!name) return;
      const cs = (of(name).connectionSettings ??= {}) as TJson;
      const tcp = compact({ maxConnections: p.maxConnections, connectTimeout: p.connectTimeout ? goDuration(durationMs(p.connectTimeout)) : undefined });
      const http = compact({ maxPendingRequests: p.maxPendingRequests, maxRequests: p.maxRequests, maxRequestsPerConnection: p.maxRequestsPerConnection });
      if (Object.keys(tcp).length) cs.tcp = { ...(cs.tcp as TJson), ...tcp };
      if (Object.keys(http).length) cs.http = { ...(cs.http as TJson), ...http };
    } else if (p.kind === 'Timeout') {
      const name = target(p, path);
      if (!name) return;
      if (p.connect) {
        const cs = (of(name).connectionSettings ??= {}) as TJson;
        cs.tcp = { ...(cs.tcp as TJson), connectTimeout: goDuration(durationMs(p.connect)) };
      }
      if (p.request || p.idle) ctx.diag(path, 'OSM has no request or idle timeout API: only the connect timeout is rendered', 'request-timeout');
    } else if (p.kind === 'RateLimit' && p.scope === 'local') {
      const { route } = ctx.policyTarget(p);
      const name = target(p, path);
      if (!name) return;
      if (p.by) ctx.diag([...path, 'by'], 'OSM local rate limits have one bucket per upstream: `by` is not rendered', 'rate-limit-local');
      const { n, unit } = perUnit(ctx, p.requests, p.interval, path);
      const s = of(name);
      const svc = ctx.services.get(name) as TService;
      if (svc.protocol === 'tcp') {
        ctx.diag(path, `${name} speaks TCP: OSM limits new connections instead of requests`, 'rate-limit-local');
        s.rateLimit = { local: { tcp: compact({ connections: n, unit, burst: p.burst }) } };
        return;
      }
      const http = compact({ requests: n, unit, burst: p.burst, responseStatusCode: p.status });
      if (!route) {
        s.rateLimit = { local: { ...((s.rateLimit as TJson | undefined)?.local as TJson), http } };
        return;
      }
      const paths = route.rules.flatMap((r) => r.match.map((m) => m.path)).filter((x) => x !== undefined);
      const regexes = paths.length ? paths.map((x) => (typeof x === 'string' ? `${escape(x)}.*` : x.exact !== undefined ? escape(x.exact) : x.prefix !== undefined ? `${escape(x.prefix)}.*` : (x.regex as string))) : ['.*'];
      const routes = (s.httpRoutes ??= []) as TJson[];
      for (const r of regexes) routes.push({ path: r, rateLimit: { local: http } });
    }
  });
  for (const [name, spec] of settings) {
    const ns = ctx.namespaceOf(name);
    ctx.add(POLICY, 'UpstreamTrafficSetting', objectName(ctx.name, name), ns, { host: serviceHost(name, ns), ...spec });
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The first match feature a rule uses (what a dropped matched rule is reported under). */
function matchFeature(match: TRouteRule['match']): TFeature | undefined {
  const m = match[0];
  if (!m) return undefined;
  return m.path ? 'path-match' : m.headers ? 'header-match' : m.method ? 'method-match' : m.query ? 'query-match' : m.from ? 'source-match' : undefined;
}
