/**
 * gateway.networking.k8s.io/v1 routes. Mesh routes are GAMMA routes (parentRef: the Service);
 * gateway routes attach to the Gateway. HTTP services get an HTTPRoute, gRPC services a
 * GRPCRoute, TCP services a TCPRoute, and routes on a TLS-passthrough listener a TLSRoute.
 * Versions are backends: `<service>-<version>` Services (see version-services.ts).
 */
import type { TBackend, TMatch, TRoute, TRouteRule } from '@/patterns/language/schema';
import { durationMs, goDuration, objectName } from '../shared/k8s';
import type { TManifest } from '../types';
import { versionKey, versionServiceName } from '../shared/version-services';
import { escapeRegex, GATEWAY_API, type GatewayApiContext, routeName, type TPath } from './context';

type TObj = Record<string, unknown>;
type TRetry = NonNullable<TRouteRule['retries']>;

interface TRoutePolicies {
  retry?: { value: TRetry; path: TPath };
  timeout?: { value: string; path: TPath };
}

const merge = (a: TRoutePolicies, b: TRoutePolicies): TRoutePolicies => ({ retry: a.retry ?? b.retry, timeout: a.timeout ?? b.timeout });

export function renderRoutes(ctx: GatewayApiContext): TManifest[] {
  const out: TManifest[] = [];
  const byRoute = new Map<string, TRoutePolicies>();
  const byTarget = new Map<string, TRoutePolicies>();
  const add = (p: { target?: string; route?: string }, e: TRoutePolicies) => {
    const key = p.route ?? p.target;
    if (!key) return;
    const map = p.route ? byRoute : byTarget;
    map.set(key, merge(map.get(key) ?? {}, e));
  };
  for (const { policy, path } of ctx.policies('Retry')) {
    const { kind: _k, target: _t, route: _r, ...retry } = policy;
    add(policy, { retry: { value: retry, path } });
  }
  for (const { policy, path } of ctx.policies('Timeout')) {
    if (policy.request) add(policy, { timeout: { value: policy.request, path } });
    if (policy.idle || policy.connect) ctx.warn(path, 'Gateway API has no idle or connect timeout; only the request timeout is rendered', 'request-timeout');
  }

  for (const { route, index } of ctx.routes.values()) {
    const path: TPath = ['spec', 'routes', index];
    const name = routeName(route);
    let extra = byRoute.get(name) ?? {};
    if (route.gateway) extra = merge(extra, byTarget.get(route.gateway) ?? {});
    else extra = merge(extra, byTarget.get(route.service) ?? {});
    const m = renderRoute(ctx, route, path, extra, byTarget);
    if (m) out.push(m);
  }

  // Services with Timeout/Retry policies and no mesh route of their own: a default GAMMA route.
  const meshRouted = new Set<string>();
  for (const { route } of ctx.routes.values()) if (!route.gateway) meshRouted.add(route.service);
  for (const [target, policies] of byTarget) {
    const svc = ctx.services.get(target);
    if (!svc) continue;
    if (meshRouted.has(target)) continue;
    const synthetic: TRoute = { service: target, rules: [{ match: [], backends: [{ service: target }] }] };
    const m = renderRoute(ctx, synthetic, policies.timeout?.path ?? policies.retry?.path ?? ['spec', 'policies'], policies, byTarget, true);
    if (m) out.push(m);
  }
  return out;
}

function parentRefs(ctx: GatewayApiContext, route: TRoute): TObj[] {
  if (route.gateway) {
    const gw = ctx.gateways.get(route.gateway);
    return [{ name: objectName(route.gateway), ...(gw && gw.namespace !== ctx.namespaceOf(route.service) ? { namespace: gw.namespace } : {}) }];
  }
  return [{ group: '', kind: 'Service', name: route.service }];
}

/** Hostnames for a gateway route: the route's hosts, else the gateway's (wildcard `*` = none). */
function hostnames(ctx: GatewayApiContext, route: TRoute): string[] {
  if (!route.gateway) return [];
  const hosts = route.hosts ?? ctx.gateways.get(route.gateway)?.listeners.flatMap((l) => l.hosts) ?? [];
  return [...new Set(hosts.filter((h) => h !== '*'))];
}

function listenerKind(ctx: GatewayApiContext, route: TRoute): 'http' | 'tls' | 'tcp' {
  const gw = route.gateway ? ctx.gateways.get(route.gateway) : undefined;
  if (!gw) return ctx.protocolOf(route.service) === 'tcp' ? 'tcp' : 'http';
  const wanted = route.hosts ?? [];
  const matching = gw.listeners.filter((l) => wanted.length === 0 || l.hosts.includes('*') || l.hosts.some((h) => wanted.includes(h)));
  const ls = matching.length > 0 ? matching : gw.listeners;
  if (ls.every((l) => l.tls?.mode === 'passthrough' || (l.protocol === 'tls' && !l.tls))) return 'tls';
  if (ls.every((l) => l.protocol === 'tcp')) return 'tcp';
  return 'http';
}

function renderRoute(ctx: GatewayApiContext, route: TRoute, path: TPath, extra: TRoutePolicies, byTarget: Map<string, TRoutePolicies>, synthetic = false): TManifest | undefined {
  if (!ctx.services.has(route.service) && !route.gateway) {
    ctx.warn(path, `Gateway API routes attach to a Kubernetes Service; ${route.service} is not one, route not rendered`, 'external-services');
    return undefined;
  }
  if (route.gateway && ctx.gateways.get(route.gateway)?.type === 'egress') {
    ctx.warn(path, 'Gateway API has no egress gateway; route not rendered', 'egress-gateway');
    return undefined;
  }
  const name = synthetic ? objectName(route.service, 'defaults') : objectName(routeName(route));
  const namespace = ctx.namespaceOf(route.service);
  const kind = listenerKind(ctx, route);
  const common = { parentRefs: parentRefs(ctx, route), ...(hostnames(ctx, route).length > 0 ? { hostnames: hostnames(ctx, route) } : {}) };
  if (kind === 'tls' || kind === 'tcp') {
    const rules = route.rules.filter((rule, i) => {
      const rp = [...path, 'rules', i];
      warnHttpOnly(ctx, rule, rp, kind === 'tls' ? 'a TLSRoute' : 'a TCPRoute');
      if (rule.match.length > 0) {
        ctx.warn([...rp, 'match'], `Gateway API: ${kind === 'tls' ? 'TLSRoute' : 'TCPRoute'} rules have no matches; rule not rendered`);
        return false;
      }
      return rule.backends.length > 0;
    });
    if (rules.length > 1) ctx.warn([...path, 'rules'], `Gateway API: a ${kind === 'tls' ? 'TLSRoute' : 'TCPRoute'} has one rule; only the first catch-all rule is rendered`);
    const first = rules[0];
    if (!first) return undefined;
    return {
      apiVersion: GATEWAY_API,
      kind: kind === 'tls' ? 'TLSRoute' : 'TCPRoute',
      metadata: { name, namespace },
      spec: { ...(kind === 'tls' ? common : { parentRefs: common.parentRefs }), rules: [{ backendRefs: backendRefs(ctx, route, first.backends, [...path, 'rules', route.rules.indexOf(first)]) }] },
    };
  }
  const grpc = ctx.protocolOf(route.service) === 'grpc';
  const rules = route.rules.flatMap((rule, i) => {
    const rp: TPath = [...path, 'rules', i];
    // Policies on the single backend service of a gateway rule apply to it too.
    let policies = extra;
    const targets = new Set(rule.backends.map((b) => b.service ?? route.service));
    if (route.gateway && targets.size === 1) policies = merge(policies, byTarget.get([...targets][0] ?? '') ?? {});
    const r = grpc ? grpcRule(ctx, route, rule, rp, policies) : httpRule(ctx, route, rule, rp, policies, synthetic);
    return r ? [r] : [];
  });
  if (rules.length === 0) return undefined;
  return { apiVersion: GATEWAY_API, kind: grpc ? 'GRPCRoute' : 'HTTPRoute', metadata: { name, namespace }, spec: { ...common, rules } };
}

function warnHttpOnly(ctx: GatewayApiContext, rule: TRouteRule, path: TPath, what: string): void {
  for (const k of ['timeout', 'retries', 'mirror', 'rewrite', 'redirect', 'headers'] as const) if (rule[k] !== undefined) ctx.warn([...path, k], `Gateway API: ${k} needs HTTP; not rendered for ${what}`);
}

function portOf(ctx: GatewayApiContext, service: string, port: number | undefined): number | undefined {
  return port ?? ctx.services.get(service)?.ports[0]?.port;
}

/** A backend's Service: the service itself, or its `<service>-<version>` Service. */
export function backendName(ctx: GatewayApiContext, service: string, version: string | undefined): string {
  if (!version) return service;
  ctx.versionRefs.add(versionKey(service, version));
  return versionServiceName(service, version);
}

function backendRefs(ctx: GatewayApiContext, route: TRoute, backends: TBackend[], path: TPath): TObj[] {
  const out: TObj[] = [];
  backends.forEach((b, i) => {
    const service = b.service ?? route.service;
    if (!ctx.services.has(service)) {
      ctx.warn([...path, 'backends', i], `Gateway API backends are Kubernetes Services; ${service} is not one, backend not rendered`, 'external-services');
      return;
    }
    const ns = ctx.namespaceOf(service);
    out.push({
      name: backendName(ctx, service, b.version),
      ...(ns !== ctx.namespaceOf(route.service) ? { namespace: ns } : {}),
      port: portOf(ctx, service, b.port),
      ...(b.weight !== undefined ? { weight: b.weight } : {}),
    });
  });
  return out;
}

function stringMatch(ctx: GatewayApiContext, name: string, v: NonNullable<TMatch['headers']>[string], path: TPath): TObj | undefined {
  if (typeof v === 'string') return { name, type: 'Exact', value: v };
  if (v.exact !== undefined) return { name, type: 'Exact', value: v.exact };
  if (v.prefix !== undefined) return { name, type: 'RegularExpression', value: `^${escapeRegex(v.prefix)}.*` };
  if (v.regex !== undefined) return { name, type: 'RegularExpression', value: v.regex };
  if (v.present) return { name, type: 'RegularExpression', value: '.*' };
  ctx.warn(path, `Gateway API cannot match an absent ${name}; condition not rendered`);
  return undefined;
}

/** Gateway API matches for a rule; `undefined` when every match needs what GAMMA cannot express. */
function httpMatches(ctx: GatewayApiContext, rule: TRouteRule, path: TPath): TObj[] | undefined {
  const out: TObj[] = [];
  rule.match.forEach((m, i) => {
    const mp: TPath = [...path, 'match', i];
    if (m.from) {
      ctx.warn([...mp, 'from'], 'Gateway API (GAMMA) routes apply to every caller; a match on the source service cannot be expressed, so this match is not rendered', 'source-match');
      return;
    }
    const base: TObj = {};
    if (m.path !== undefined) {
      if (typeof m.path === 'string' || m.path.prefix !== undefined) {
        const p = typeof m.path === 'string' ? m.path : (m.path.prefix ?? '/');
        base.path = { type: 'PathPrefix', value: p.length > 1 ? p.replace(/\/+$/, '') || '/' : p };
      } else if (m.path.exact !== undefined) base.path = { type: 'Exact', value: m.path.exact };
      else base.path = { type: 'RegularExpression', value: m.path.regex ?? '.*' };
    }
    const headers = Object.entries(m.headers ?? {}).flatMap(([k, v]) => {
      const s = stringMatch(ctx, k, v, [...mp, 'headers', k]);
      return s ? [s] : [];
    });
    if (headers.length > 0) base.headers = headers;
    const query = Object.entries(m.query ?? {}).flatMap(([k, v]) => {
      const s = stringMatch(ctx, k, v, [...mp, 'query', k]);
      return s ? [s] : [];
    });
    if (query.length > 0) base.queryParams = query;
    const methods = m.method === undefined ? [undefined] : Array.isArray(m.method) ? m.method : [m.method];
    for (const method of methods) out.push(structuredClone({ ...base, ...(method ? { method } : {}) }));
  });
  if (rule.match.length > 0 && out.length === 0) return undefined;
  return out;
}

function headerFilters(rule: TRouteRule): TObj[] {
  const out: TObj[] = [];
  for (const [dir, type, key] of [
    ['request', 'RequestHeaderModifier', 'requestHeaderModifier'],
    ['response', 'ResponseHeaderModifier', 'responseHeaderModifier'],
  ] as const) {
    const ops = rule.headers?.[dir];
    if (!ops) continue;
    const mod: TObj = {};
    if (ops.set && Object.keys(ops.set).length > 0) mod.set = Object.entries(ops.set).map(([name, value]) => ({ name, value }));
    if (ops.add && Object.keys(ops.add).length > 0) mod.add = Object.entries(ops.add).map(([name, value]) => ({ name, value }));
    if (ops.remove && ops.remove.length > 0) mod.remove = [...ops.remove];
    if (Object.keys(mod).length > 0) out.push({ type, [key]: mod });
  }
  return out;
}

function mirrorFilter(ctx: GatewayApiContext, route: TRoute, rule: TRouteRule, path: TPath): TObj | undefined {
  const m = rule.mirror;
  if (!m) return undefined;
  const service = m.service ?? route.service;
  if (!ctx.services.has(service)) {
    ctx.warn([...path, 'mirror'], `Gateway API mirrors to Kubernetes Services; ${service} is not one, not rendered`, 'mirroring');
    return undefined;
  }
  const ns = ctx.namespaceOf(service);
  const pct = m.percentage;
  return {
    type: 'RequestMirror',
    requestMirror: {
      backendRef: { name: backendName(ctx, service, m.version), ...(ns !== ctx.namespaceOf(route.service) ? { namespace: ns } : {}), port: portOf(ctx, service, undefined) },
      ...(Number.isInteger(pct) ? { percent: pct } : { fraction: { numerator: Math.round(pct * 100), denominator: 10000 } }),
    },
  };
}

// Retries themselves are not rendered: HTTPRoute rules[].retry exists only in the experimental
// channel of Gateway API v1.6 (the capability declaration says so, and the orchestrator reports it).

function timeouts(ctx: GatewayApiContext, rule: TRouteRule, policies: TRoutePolicies, path: TPath): TObj | undefined {
  const request = rule.timeout ?? policies.timeout?.value;
  const retry = rule.retries ? { value: rule.retries, path: [...path, 'retries'] } : policies.retry;
  const perTry = retry && retry.value.attempts > 0 ? retry.value.perTryTimeout : undefined;
  const out: TObj = {};
  if (request) out.request = goDuration(durationMs(request));
  if (perTry) {
    if (request && durationMs(perTry) > durationMs(request)) ctx.info([...(retry?.path ?? path), 'perTryTimeout'], 'Gateway API: backendRequest cannot exceed the request timeout; capped at it');
    out.backendRequest = goDuration(request ? Math.min(durationMs(perTry), durationMs(request)) : durationMs(perTry));
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function httpRule(ctx: GatewayApiContext, route: TRoute, rule: TRouteRule, path: TPath, policies: TRoutePolicies, synthetic: boolean): TObj | undefined {
  const matches = httpMatches(ctx, rule, path);
  if (!matches) {
    ctx.warn([...path, 'match'], 'Gateway API: no match of this rule can be expressed; rule not rendered');
    return undefined;
  }
  const filters: TObj[] = [...headerFilters(rule)];
  if (rule.redirect) {
    const r = rule.redirect;
    filters.push({
      type: 'RequestRedirect',
      requestRedirect: {
        ...(r.scheme ? { scheme: r.scheme } : {}),
        ...(r.host ? { hostname: r.host } : {}),
        ...(r.port ? { port: r.port } : {}),
        ...(r.path !== undefined ? { path: { type: 'ReplaceFullPath', replaceFullPath: r.path } } : {}),
        statusCode: r.statusCode,
      },
    });
  } else if (rule.rewrite) {
    const rw = rule.rewrite;
    const urlRewrite: TObj = {};
    if (rw.host) urlRewrite.hostname = rw.host;
    if (rw.path !== undefined) urlRewrite.path = { type: 'ReplaceFullPath', replaceFullPath: rw.path };
    else if (rw.prefix !== undefined) {
      const allPrefix = matches.length > 0 && matches.every((m) => (m.path as { type?: string } | undefined)?.type === 'PathPrefix');
      if (allPrefix) urlRewrite.path = { type: 'ReplacePrefixMatch', replacePrefixMatch: rw.prefix };
      else ctx.warn([...path, 'rewrite', 'prefix'], 'Gateway API: ReplacePrefixMatch needs every match of the rule to be a path prefix; the prefix rewrite is not rendered', 'rewrite');
    }
    if (Object.keys(urlRewrite).length > 0) filters.push({ type: 'URLRewrite', urlRewrite });
  }
  const mirror = rule.redirect ? undefined : mirrorFilter(ctx, route, rule, path);
  if (mirror) filters.push(mirror);
  const to = rule.redirect ? undefined : timeouts(ctx, rule, policies, path);
  const refs = rule.redirect ? [] : backendRefs(ctx, route, rule.backends, path);
  if (!rule.redirect && refs.length === 0) {
    ctx.warn(path, 'Gateway API: no backend of this rule can be expressed; rule not rendered');
    return undefined;
  }
  return {
    ...(rule.name && !synthetic ? { name: rule.name } : {}),
    ...(matches.length > 0 ? { matches } : {}),
    ...(filters.length > 0 ? { filters } : {}),
    ...(refs.length > 0 ? { backendRefs: refs } : {}),
    ...(to ? { timeouts: to } : {}),
  };
}

/** gRPC paths are `/<package.Service>/<Method>`: exact paths and service prefixes become method matches. */
function grpcMethod(p: TMatch['path']): TObj | undefined | null {
  if (p === undefined) return undefined;
  const exact = typeof p === 'string' ? undefined : p.exact;
  const prefix = typeof p === 'string' ? p : p.prefix;
  if (exact) {
    const m = /^\/([^/]+)\/([^/]+)$/.exec(exact);
    return m ? { type: 'Exact', service: m[1], method: m[2] } : null;
  }
  if (prefix) {
    const m = /^\/([^/]+)\/?$/.exec(prefix);
    return m ? { type: 'Exact', service: m[1] } : prefix === '/' ? undefined : null;
  }
  return null;
}

function grpcRule(ctx: GatewayApiContext, route: TRoute, rule: TRouteRule, path: TPath, policies: TRoutePolicies): TObj | undefined {
  const matches: TObj[] = [];
  let dropped = false;
  rule.match.forEach((m, i) => {
    const mp: TPath = [...path, 'match', i];
    if (m.from || m.method || m.query) {
      ctx.warn(mp, 'Gateway API GRPCRoute matches gRPC service/method and headers only (and GAMMA never the caller); this match is not rendered');
      dropped = true;
      return;
    }
    const method = grpcMethod(m.path);
    if (method === null) {
      ctx.warn([...mp, 'path'], 'Gateway API GRPCRoute: this path is not /<service>/<method> or a service prefix; match not rendered');
      dropped = true;
      return;
    }
    const headers = Object.entries(m.headers ?? {}).flatMap(([k, v]) => {
      const s = stringMatch(ctx, k, v, [...mp, 'headers', k]);
      return s ? [s] : [];
    });
    matches.push({ ...(method ? { method } : {}), ...(headers.length > 0 ? { headers } : {}) });
  });
  if (dropped && matches.length === 0) return undefined;
  for (const k of ['timeout', 'rewrite', 'redirect'] as const) if (rule[k]) ctx.warn([...path, k], `Gateway API GRPCRoute has no ${k}; not rendered`);
  if (policies.timeout && !rule.timeout) ctx.warn(policies.timeout.path, 'Gateway API GRPCRoute has no timeouts; not rendered for gRPC routes', 'request-timeout');
  const filters: TObj[] = [...headerFilters(rule)];
  const mirror = mirrorFilter(ctx, route, rule, path);
  if (mirror) filters.push(mirror);
  const refs = backendRefs(ctx, route, rule.backends, path);
  if (refs.length === 0) return undefined;
  return {
    ...(rule.name ? { name: rule.name } : {}),
    ...(matches.length > 0 ? { matches } : {}),
    ...(filters.length > 0 ? { filters } : {}),
    backendRefs: refs,
  };
}
