/**
 * networking.istio.io/v1 VirtualService: one per pattern route (mesh routes on the service host,
 * gateway routes on the gateway's hosts), plus one per service that has only Retry / Timeout /
 * FaultInjection policies and no route of its own.
 */
import type { TBackend, TMatch, TRoute, TRouteRule } from '@/patterns/language/schema';
import { durationMs, goDuration, objectName } from '../shared/k8s';
import type { TManifest } from '../types';
import { escapeRegex, type IstioContext, routeName, type TPath, type TPolicyOf } from './context';

type TObj = Record<string, unknown>;
type TRetry = NonNullable<TRouteRule['retries']>;
type TFault = NonNullable<TRouteRule['fault']>;

export const VS_API = 'networking.istio.io/v1';

/** Retry / Timeout / FaultInjection policies that end up on VirtualService routes. */
interface TRoutePolicies {
  retry?: { value: TRetry; path: TPath };
  timeout?: { value: string; path: TPath };
  fault?: { value: TFault; path: TPath };
}

function mergeInto(into: TRoutePolicies, from: TRoutePolicies): TRoutePolicies {
  return { retry: into.retry ?? from.retry, timeout: into.timeout ?? from.timeout, fault: into.fault ?? from.fault };
}

/** Route-level policies per attachment: route name, or target (service, gateway, external service). */
export function collectRoutePolicies(ctx: IstioContext): { byRoute: Map<string, TRoutePolicies>; byTarget: Map<string, TRoutePolicies> } {
  const byRoute = new Map<string, TRoutePolicies>();
  const byTarget = new Map<string, TRoutePolicies>();
  const add = (p: { target?: string; route?: string }, entry: TRoutePolicies) => {
    const map = p.route ? byRoute : byTarget;
    const key = p.route ?? p.target;
    if (!key) return;
    map.set(key, mergeInto(map.get(key) ?? {}, entry));
  };
  for (const { policy, path } of ctx.policies('Retry')) {
    const { kind: _k, target: _t, route: _r, ...retry } = policy;
    add(policy, { retry: { value: retry, path } });
  }
  for (const { policy, path } of ctx.policies('Timeout')) if (policy.request) add(policy, { timeout: { value: policy.request, path } });
  for (const { policy, path } of ctx.policies('FaultInjection')) {
    const fault: TFault = { ...(policy.abort ? { abort: policy.abort } : {}), ...(policy.delay ? { delay: policy.delay } : {}) };
    add(policy, { fault: { value: fault, path } });
  }
  return { byRoute, byTarget };
}

export function renderVirtualServices(ctx: IstioContext): TManifest[] {
  const out: TManifest[] = [];
  const { byRoute, byTarget } = collectRoutePolicies(ctx);
  const used = new Set<string>();

  for (const { route, index } of ctx.routes.values()) {
    const name = routeName(route);
    const path: TPath = ['spec', 'routes', index];
    // Policies attached to this route, then to the gateway, then to the route's service.
    let extra: TRoutePolicies = byRoute.get(name) ?? {};
    if (byRoute.has(name)) used.add(`route:${name}`);
    if (route.gateway && byTarget.has(route.gateway)) {
      extra = mergeInto(extra, byTarget.get(route.gateway) ?? {});
      used.add(`target:${route.gateway}`);
    }
    const vs = route.gateway ? gatewayVirtualService(ctx, route, path, extra, byTarget, used) : meshVirtualService(ctx, route, path, mergeInto(extra, byTarget.get(route.service) ?? {}));
    if (!route.gateway && byTarget.has(route.service)) used.add(`target:${route.service}`);
    if (vs) out.push(vs);
  }

  // Services with route-level policies but no mesh route: a VirtualService with one default route.
  for (const [target, policies] of byTarget) {
    const hasMeshRoute = ctx.meshRoutesOf(target).length > 0;
    if (ctx.services.has(target)) {
      if (hasMeshRoute) continue;
      out.push(defaultVirtualService(ctx, target, policies));
      used.add(`target:${target}`);
    } else if (ctx.externals.has(target)) {
      const ext = ctx.externals.get(target);
      if (!ext) continue;
      const httpPort = ext.ports.find((p) => p.protocol === 'http');
      const paths = [policies.retry?.path, policies.timeout?.path, policies.fault?.path].filter((p): p is TPath => !!p);
      if (ext.viaGateway || !httpPort) {
        for (const p of paths)
          ctx.warn(p, ext.viaGateway ? `Istio: retries, timeouts and faults for ${target} would conflict with its egress-gateway VirtualService; not rendered` : `Istio: ${target} has no plain-HTTP port, so the sidecar cannot retry, time out or fault its requests; not rendered`);
        used.add(`target:${target}`);
        continue;
      }
      out.push({
        apiVersion: VS_API,
        kind: 'VirtualService',
        metadata: { name: objectName(target), namespace: ext.namespace },
        spec: {
          hosts: [...ext.hosts],
          http: ext.hosts.map((h, i) => ({
            ...(ext.hosts.length > 1 ? { name: objectName(target, i) } : {}),
            match: [{ authority: { exact: h }, port: httpPort.port }],
            route: [{ destination: { host: h, port: { number: httpPort.port } } }],
            ...policyFields(policies),
          })),
        },
      });
      used.add(`target:${target}`);
    } else if (ctx.gateways.has(target) && !used.has(`target:${target}`)) {
      for (const p of [policies.retry?.path, policies.timeout?.path, policies.fault?.path].filter((x): x is TPath => !!x))
        ctx.warn(p, `Istio: no route is attached to gateway ${target}; the policy has nothing to apply to`);
    }
  }
  for (const [route, policies] of byRoute) {
    if (used.has(`route:${route}`)) continue;
    for (const p of [policies.retry?.path, policies.timeout?.path, policies.fault?.path].filter((x): x is TPath => !!x)) ctx.warn(p, `Istio: unknown route ${route}`);
  }
  return out;
}

function policyFields(p: TRoutePolicies): TObj {
  return {
    ...(p.timeout ? { timeout: duration(p.timeout.value) } : {}),
    ...(p.retry ? { retries: retries(p.retry.value) } : {}),
    ...(p.fault ? { fault: fault(p.fault.value) } : {}),
  };
}

function defaultVirtualService(ctx: IstioContext, service: string, policies: TRoutePolicies): TManifest {
  const host = ctx.hostOf(service);
  const spec: TObj = { hosts: [host] };
  if (ctx.isTcp(service)) {
    for (const p of [policies.retry?.path, policies.timeout?.path, policies.fault?.path].filter((x): x is TPath => !!x))
      ctx.warn(p, `Istio: ${service} is a TCP service; request timeouts, retries and faults apply to HTTP only (use Timeout.idle/connect)`);
    spec.tcp = [{ route: [{ destination: { host } }] }];
  } else {
    spec.http = [{ name: objectName(service, 'default'), route: [{ destination: { host } }], ...policyFields(policies) }];
  }
  return { apiVersion: VS_API, kind: 'VirtualService', metadata: { name: objectName(service), namespace: ctx.namespaceOf(service) }, spec };
}

function meshVirtualService(ctx: IstioContext, route: TRoute, path: TPath, extra: TRoutePolicies): TManifest {
  const name = routeName(route);
  const namespace = ctx.namespaceOf(route.service);
  const host = ctx.hostOf(route.service);
  const ext = ctx.externals.get(route.service);
  const hosts = ext && !ctx.services.has(route.service) ? [...ext.hosts] : [host];
  const spec: TObj = { hosts };
  if (ctx.isTcp(route.service)) spec.tcp = tcpRoutes(ctx, route, path, namespace, undefined);
  else spec.http = route.rules.map((rule, i) => httpRoute(ctx, route, rule, [...path, 'rules', i], namespace, extra, false));
  return { apiVersion: VS_API, kind: 'VirtualService', metadata: { name: objectName(name), namespace }, spec };
}

/** How a gateway route is carried: by the protocols of the gateway listeners its hosts match. */
function gatewayMode(ctx: IstioContext, route: TRoute): { mode: 'http' | 'tls' | 'tcp'; ports: number[]; hosts: string[] } {
  const gw = route.gateway ? ctx.gateways.get(route.gateway) : undefined;
  const listeners = gw?.listeners ?? [];
  const wanted = route.hosts ?? [];
  const matching = listeners.filter((l) => wanted.length === 0 || l.hosts.includes('*') || l.hosts.some((h) => wanted.includes(h) || (h.startsWith('*.') && wanted.some((w) => w.endsWith(h.slice(1))))));
  const ls = matching.length > 0 ? matching : listeners;
  const hosts = route.hosts ?? [...new Set(ls.flatMap((l) => l.hosts))];
  const passthrough = ls.filter((l) => l.tls?.mode === 'passthrough' || (l.protocol === 'tls' && !l.tls));
  const tcp = ls.filter((l) => l.protocol === 'tcp');
  if (passthrough.length > 0 && passthrough.length === ls.length) return { mode: 'tls', ports: passthrough.map((l) => l.port), hosts };
  if (tcp.length > 0 && tcp.length === ls.length) return { mode: 'tcp', ports: tcp.map((l) => l.port), hosts };
  return { mode: 'http', ports: [], hosts: hosts.length > 0 ? hosts : ['*'] };
}

function gatewayVirtualService(
  ctx: IstioContext,
  route: TRoute,
  path: TPath,
  extra: TRoutePolicies,
  byTarget: Map<string, TRoutePolicies>,
  used: Set<string>,
): TManifest | undefined {
  const gw = route.gateway ? ctx.gateways.get(route.gateway) : undefined;
  if (!gw) {
    ctx.warn([...path, 'gateway'], `Istio: unknown gateway ${route.gateway ?? ''}; route not rendered`);
    return undefined;
  }
  const name = routeName(route);
  const namespace = ctx.namespaceOf(route.service);
  const { mode, ports, hosts } = gatewayMode(ctx, route);
  const spec: TObj = { hosts, gateways: [`${gw.namespace}/${gw.name}`] };
  if (mode === 'tls') {
    spec.tls = route.rules.flatMap((rule, i) => {
      const rp: TPath = [...path, 'rules', i];
      warnHttpOnly(ctx, rule, rp, 'a TLS passthrough route');
      if (rule.backends.length === 0) return [];
      return [{ match: [{ sniHosts: hosts, ...(ports.length === 1 ? { port: ports[0] } : {}) }], route: weighted(ctx, route, rule.backends, true) }];
    });
  } else if (mode === 'tcp') {
    spec.tcp = tcpRoutes(ctx, route, path, namespace, ports.length === 1 ? ports[0] : undefined);
  } else {
    spec.http = route.rules.map((rule, i) => {
      // Policies targeting the backend service apply to gateway traffic bound for it.
      const backends = new Set(rule.backends.map((b) => b.service ?? route.service));
      let policies = extra;
      if (backends.size === 1) {
        const only = [...backends][0] ?? route.service;
        const target = byTarget.get(only);
        if (target) {
          policies = mergeInto(policies, target);
          used.add(`target:${only}`);
        }
      }
      return httpRoute(ctx, route, rule, [...path, 'rules', i], namespace, policies, true);
    });
  }
  return { apiVersion: VS_API, kind: 'VirtualService', metadata: { name: objectName(name), namespace }, spec };
}

function warnHttpOnly(ctx: IstioContext, rule: TRouteRule, path: TPath, what: string): void {
  const http = (['timeout', 'retries', 'fault', 'mirror', 'rewrite', 'redirect', 'headers'] as const).filter((k) => rule[k] !== undefined);
  for (const k of http) ctx.warn([...path, k], `Istio: ${k} needs HTTP; not rendered for ${what}`);
}

function tcpRoutes(ctx: IstioContext, route: TRoute, path: TPath, namespace: string, port: number | undefined): TObj[] {
  const out: TObj[] = [];
  route.rules.forEach((rule, i) => {
    const rp: TPath = [...path, 'rules', i];
    warnHttpOnly(ctx, rule, rp, 'a TCP route');
    const l7 = rule.match.some((m) => m.path || m.method || m.headers || m.query);
    if (l7) {
      ctx.warn([...rp, 'match'], 'Istio: path, method, header and query matches need HTTP; this rule of a TCP route is not rendered');
      return;
    }
    if (rule.backends.length === 0) return;
    const match = rule.match.flatMap((m) => (m.from ?? []).map((s) => ({ sourceLabels: { app: s }, sourceNamespace: ctx.namespaceOf(s), ...(port ? { port } : {}) })));
    out.push({ ...(match.length > 0 ? { match } : port ? { match: [{ port }] } : {}), route: weighted(ctx, route, rule.backends, !!route.gateway) });
    void namespace;
  });
  return out;
}

/** Destinations of a rule, with weights when the pattern gives them. */
function weighted(ctx: IstioContext, route: TRoute, backends: TBackend[], withPort: boolean): TObj[] {
  return backends.map((b) => ({
    destination: destination(ctx, b.service ?? route.service, b.version, b.port, withPort),
    ...(b.weight !== undefined ? { weight: b.weight } : {}),
  }));
}

export function destination(ctx: IstioContext, service: string, version: string | undefined, port: number | undefined, withPort: boolean): TObj {
  const svc = ctx.services.get(service);
  const ext = svc ? undefined : ctx.externals.get(service);
  const number = port ?? (withPort ? (svc?.ports[0]?.port ?? ext?.ports[0]?.port) : undefined);
  return { host: ctx.hostOf(service), ...(version ? { subset: version } : {}), ...(number ? { port: { number } } : {}) };
}

function httpRoute(ctx: IstioContext, route: TRoute, rule: TRouteRule, path: TPath, namespace: string, extra: TRoutePolicies, atGateway: boolean): TObj {
  const name = httpRouteName(route, rule, path);
  const match = httpMatches(ctx, rule, path);
  const out: TObj = { name, ...(match ? { match } : {}) };
  if (rule.redirect) {
    const r = rule.redirect;
    out.redirect = {
      ...(r.path !== undefined ? { uri: r.path } : {}),
      ...(r.host !== undefined ? { authority: r.host } : {}),
      ...(r.scheme !== undefined ? { scheme: r.scheme } : {}),
      ...(r.port !== undefined ? { port: r.port } : {}),
      redirectCode: r.statusCode,
    };
  } else {
    out.route = weighted(ctx, route, rule.backends, atGateway);
  }
  const rewrite = rule.rewrite ? rewriteOf(ctx, rule, [...path, 'rewrite']) : undefined;
  if (rewrite) out.rewrite = rewrite;
  const timeout = rule.timeout ?? extra.timeout?.value;
  if (timeout && !rule.redirect) out.timeout = duration(timeout);
  const retry = rule.retries ?? extra.retry?.value;
  if (retry && !rule.redirect) out.retries = retries(retry, ctx, rule.retries ? [...path, 'retries'] : extra.retry?.path);
  const f: TFault | undefined = rule.fault || extra.fault ? { ...extra.fault?.value, ...rule.fault } : undefined;
  if (f) out.fault = fault(f);
  if (rule.mirror && !rule.redirect) {
    out.mirror = destination(ctx, rule.mirror.service ?? route.service, rule.mirror.version, undefined, atGateway);
    out.mirrorPercentage = { value: rule.mirror.percentage };
  }
  if (rule.headers) {
    const headers: TObj = {};
    for (const dir of ['request', 'response'] as const) {
      const ops = rule.headers[dir];
      if (!ops) continue;
      const h: TObj = {};
      if (ops.set && Object.keys(ops.set).length > 0) h.set = { ...ops.set };
      if (ops.add && Object.keys(ops.add).length > 0) h.add = { ...ops.add };
      if (ops.remove && ops.remove.length > 0) h.remove = [...ops.remove];
      if (Object.keys(h).length > 0) headers[dir] = h;
    }
    if (Object.keys(headers).length > 0) out.headers = headers;
  }
  return out;
}

/** Stable names: Envoy routes carry them, so EnvoyFilters (rate limits) can select a rule. */
export function httpRouteName(route: TRoute, rule: TRouteRule, path: TPath): string {
  const i = path[path.length - 1];
  return objectName(routeName(route), rule.name ?? `rule-${String(i)}`);
}

export function duration(d: string): string {
  return goDuration(durationMs(d));
}

export function retries(r: TRetry, ctx?: IstioContext, path?: TPath): TObj {
  if (r.attempts === 0) return { attempts: 0 };
  const on = r.on.filter((c) => c !== 'retriable-status-codes' || !r.statusCodes?.length);
  // Istio turns numeric entries of retryOn into Envoy's retriable_status_codes.
  const retryOn = [...on, ...(r.on.includes('retriable-status-codes') ? (r.statusCodes ?? []).map(String) : [])];
  const out: TObj = { attempts: r.attempts, ...(r.perTryTimeout ? { perTryTimeout: duration(r.perTryTimeout) } : {}), retryOn: retryOn.join(',') };
  if (r.backoff) {
    out.backoff = duration(r.backoff.base);
    if (r.backoff.max && durationMs(r.backoff.max) !== 10 * durationMs(r.backoff.base) && ctx && path)
      ctx.info([...path, 'backoff', 'max'], 'Istio: retries.backoff sets the base interval only; Envoy caps it at 10× the base, so backoff.max is not rendered');
  }
  return out;
}

function fault(f: TFault): TObj {
  return {
    ...(f.delay ? { delay: { fixedDelay: duration(f.delay.fixedDelay), percentage: { value: f.delay.percentage } } } : {}),
    ...(f.abort ? { abort: { httpStatus: f.abort.httpStatus, percentage: { value: f.abort.percentage } } } : {}),
  };
}

type TStringMatch = NonNullable<TMatch['headers']>[string];

function stringMatch(v: TStringMatch): TObj | undefined {
  if (typeof v === 'string') return { exact: v };
  if (v.exact !== undefined) return { exact: v.exact };
  if (v.prefix !== undefined) return { prefix: v.prefix };
  if (v.regex !== undefined) return { regex: v.regex };
  return v.present ? {} : undefined;
}

/** Path prefixes match whole segments (Gateway API semantics): `/a` is `/a` or `/a/…`, never `/ab`. */
function uriMatches(p: TMatch['path']): TObj[] {
  if (p === undefined) return [];
  if (typeof p === 'string' || p.prefix !== undefined) {
    const prefix = typeof p === 'string' ? p : (p.prefix ?? '/');
    if (prefix === '/' || prefix.endsWith('/')) return [{ prefix }];
    return [{ exact: prefix }, { prefix: `${prefix}/` }];
  }
  if (p.exact !== undefined) return [{ exact: p.exact }];
  return [{ regex: p.regex ?? '.*' }];
}

function httpMatches(ctx: IstioContext, rule: TRouteRule, path: TPath): TObj[] | undefined {
  if (rule.match.length === 0) return undefined;
  const out: TObj[] = [];
  rule.match.forEach((m, i) => {
    const base: TObj = {};
    if (m.method) {
      const methods = Array.isArray(m.method) ? m.method : [m.method];
      base.method = methods.length === 1 ? { exact: methods[0] } : { regex: methods.join('|') };
    }
    if (m.headers) {
      const headers: TObj = {};
      const without: TObj = {};
      for (const [k, v] of Object.entries(m.headers)) {
        const sm = stringMatch(v);
        if (sm) headers[k] = sm;
        else without[k] = {};
      }
      if (Object.keys(headers).length > 0) base.headers = headers;
      if (Object.keys(without).length > 0) base.withoutHeaders = without;
    }
    if (m.query) {
      const q: TObj = {};
      for (const [k, v] of Object.entries(m.query)) {
        const sm = stringMatch(v);
        if (sm) q[k] = sm;
        else ctx.warn([...path, 'match', i, 'query', k], 'Istio: queryParams cannot match an absent parameter; condition not rendered');
      }
      if (Object.keys(q).length > 0) base.queryParams = q;
    }
    const uris = uriMatches(m.path);
    const sources = (m.from ?? []).map((s) => ({ sourceLabels: { app: s }, sourceNamespace: ctx.namespaceOf(s) }));
    for (const uri of uris.length > 0 ? uris : [undefined])
      for (const src of sources.length > 0 ? sources : [undefined]) out.push(structuredClone({ ...(uri ? { uri } : {}), ...base, ...src }));
  });
  return out;
}

/** The rule's path prefixes, if every match is a prefix match (no path = `/`). */
function prefixesOf(rule: TRouteRule): string[] | undefined {
  if (rule.match.length === 0) return ['/'];
  const out: string[] = [];
  for (const m of rule.match) {
    if (m.path === undefined) out.push('/');
    else if (typeof m.path === 'string') out.push(m.path);
    else if (m.path.prefix !== undefined) out.push(m.path.prefix);
    else return undefined;
  }
  return [...new Set(out)];
}

function rewriteOf(ctx: IstioContext, rule: TRouteRule, path: TPath): TObj | undefined {
  const rw = rule.rewrite;
  if (!rw) return undefined;
  const out: TObj = {};
  if (rw.host !== undefined) out.authority = rw.host;
  if (rw.path !== undefined) {
    out.uriRegexRewrite = { match: '^.*$', rewrite: rw.path };
  } else if (rw.prefix !== undefined) {
    const prefixes = prefixesOf(rule);
    if (!prefixes) {
      ctx.warn([...path, 'prefix'], 'Istio: a prefix rewrite needs prefix path matches; the whole path is replaced instead');
      out.uri = rw.prefix;
    } else {
      // Replace the matched segment prefix the way Gateway API's ReplacePrefixMatch does, so that
      // `/search/x` with prefix `/` becomes `/x`, not `//x`.
      const alts = prefixes.map((p) => escapeRegex(p === '/' ? '' : p.replace(/\/+$/, '')));
      const group = alts.length === 1 ? (alts[0] ?? '') : `(?:${alts.join('|')})`;
      const replacement = rw.prefix.replace(/\/+$/, '');
      out.uriRegexRewrite = replacement === '' ? { match: `^${group}/?(.*)$`, rewrite: '/\\1' } : { match: `^${group}(/.*)?$`, rewrite: `${replacement}\\1` };
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export type { TPolicyOf };
