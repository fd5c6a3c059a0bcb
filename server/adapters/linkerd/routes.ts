/**
 * Outbound routing: Gateway API routes whose parent is a Service (or an EgressNetwork for
 * external services), as Linkerd's outbound proxies read them.
 *
 * We emit `gateway.networking.k8s.io/v1` HTTPRoute/GRPCRoute (and `v1alpha2` TCPRoute/TLSRoute):
 * Linkerd documents them as the canonical route types (its own `policy.linkerd.io` HTTPRoute is
 * kept for backwards compatibility and is "not actively maintained"), its CRD chart ships exactly
 * these versions, and only the Gateway API HTTPRoute has rule-level ResponseHeaderModifier and
 * the 303/307/308 redirect codes. Both validate against the CRDs.
 */
import type { TMatch, TRoute, TRouteRule, TService } from '@/patterns/language/schema';
import { durationMs, goDuration, objectName } from '../shared/k8s';
import { escapeRegex } from '../shared/text';
import { GATEWAY_API, type LinkerdContext, meta, routeName, versionServiceName } from './context';
import { egressNetworkRef } from './egress';
import { requestTimeoutOf, retryAnnotations, retryOf, retryPolicyFor, timeoutAnnotations, timeoutPolicyFor } from './retries';

type TRouteKind = 'HTTPRoute' | 'GRPCRoute' | 'TCPRoute' | 'TLSRoute';
type TParent = { ref: Record<string, unknown>; namespace: string; kind: TRouteKind; backendSelf?: Record<string, unknown>; hostnames?: string[] };

const MAX_MATCHES = 8;

export function renderRoutes(ctx: LinkerdContext, profiled: ReadonlySet<string>): void {
  const routed = new Set<string>();
  ctx.pattern.spec.routes.forEach((route, ri) => {
    const path = ['spec', 'routes', ri];
    if (route.gateway) {
      ctx.approx(
        `route ${routeName(route)} attaches to gateway ${route.gateway}: Linkerd has no ingress gateway of its own (it meshes a third-party ingress controller, which must carry this route); not rendered`,
        path,
        'warning',
        'ingress-gateway',
      );
      return;
    }
    routed.add(route.service);
    if (profiled.has(route.service)) return; // expressed by the ServiceProfile (see service-profile.ts)
    const parent = parentOf(ctx, route);
    if (!parent) {
      ctx.approx(`route ${routeName(route)}: ${route.service} is not a service or external service of the pattern; not rendered`, path);
      return;
    }
    renderRoute(ctx, route, parent, path);
  });
  // Retry/Timeout policies on a service without a route: a catch-all route carries their annotations.
  ctx.pattern.spec.services.forEach((s, si) => {
    if (routed.has(s.name) || profiled.has(s.name) || s.protocol === 'tcp') return;
    if (!retryPolicyFor(ctx, s.name) && !timeoutPolicyFor(ctx, s.name)) return;
    const route: TRoute = { service: s.name, rules: [{ match: [], backends: [{ service: s.name }] }] };
    const parent = parentOf(ctx, route);
    if (parent) renderRoute(ctx, route, parent, ['spec', 'services', si]);
  });
}

function protocolOf(s: TService): TService['protocol'] {
  return s.ports[0]?.protocol ?? s.protocol;
}

function parentOf(ctx: LinkerdContext, route: TRoute): TParent | undefined {
  const target = ctx.resolve(route.service);
  if (target.type === 'service') {
    const s = target.service;
    const proto = protocolOf(s);
    const kind: TRouteKind = proto === 'grpc' ? 'GRPCRoute' : proto === 'tcp' ? 'TCPRoute' : 'HTTPRoute';
    const ref: Record<string, unknown> = { group: 'core', kind: 'Service', name: s.name };
    if (s.ports.length === 1 || kind === 'TCPRoute') ref.port = s.ports[0]?.port ?? 80;
    return { ref, namespace: s.namespace, kind };
  }
  if (target.type === 'external') {
    const e = target.external;
    const port = e.ports[0] ?? { port: 443, protocol: 'https' as const };
    const kind: TRouteKind = port.protocol === 'http' ? 'HTTPRoute' : port.protocol === 'grpc' ? 'GRPCRoute' : port.protocol === 'tcp' ? 'TCPRoute' : 'TLSRoute';
    const en = egressNetworkRef(ctx);
    return {
      ref: { ...en, port: port.port },
      namespace: e.namespace,
      kind,
      backendSelf: { ...en, port: port.port },
      ...(kind !== 'TCPRoute' ? { hostnames: e.hosts } : {}),
    };
  }
  return undefined;
}

function renderRoute(ctx: LinkerdContext, route: TRoute, parent: TParent, path: (string | number)[]): void {
  const base = objectName(routeName(route));
  if (parent.kind === 'TCPRoute' || parent.kind === 'TLSRoute') {
    renderL4Route(ctx, route, parent, base, path);
    return;
  }
  const grpc = parent.kind === 'GRPCRoute';
  // Group rules by the annotations they need: annotations hold for a whole route object.
  const groups: { key: string; annotations: Record<string, string>; rules: Record<string, unknown>[] }[] = [];
  route.rules.forEach((rule, i) => {
    const rulePath = [...path, 'rules', i];
    const rendered = grpc ? grpcRule(ctx, route, rule, parent, rulePath) : httpRule(ctx, route, rule, parent, rulePath);
    if (rendered.length === 0) return;
    const r = retryOf(ctx, route, rule);
    const annotations = {
      ...(r ? retryAnnotations(ctx, r.retry, grpc ? 'grpc-route' : 'http', r.path) : {}),
      ...timeoutAnnotations(ctx, route, requestTimeoutOf(ctx, route, rule), grpc),
    };
    const key = JSON.stringify(annotations);
    const group = groups.find((g) => g.key === key);
    if (group) group.rules.push(...rendered);
    else groups.push({ key, annotations, rules: rendered });
  });
  groups.forEach((g, gi) => {
    for (let start = 0, part = 0; start < g.rules.length; start += 16, part++) {
      const suffix = gi + part === 0 ? undefined : String(gi + 1) + (part ? `-${part + 1}` : '');
      ctx.push({
        apiVersion: `${GATEWAY_API}/v1`,
        kind: parent.kind,
        metadata: meta(objectName(base, suffix), parent.namespace, { annotations: g.annotations }),
        spec: {
          parentRefs: [parent.ref],
          ...(parent.hostnames ? { hostnames: parent.hostnames } : {}),
          rules: g.rules.slice(start, start + 16),
        },
      });
    }
  });
}

function renderL4Route(ctx: LinkerdContext, route: TRoute, parent: TParent, base: string, path: (string | number)[]): void {
  const rules: Record<string, unknown>[] = [];
  route.rules.forEach((rule, i) => {
    const rulePath = [...path, 'rules', i];
    if (rule.match.length || rule.redirect || rule.headers || rule.timeout || rule.retries) {
      ctx.approx(`${parent.kind} routes connections, not requests: matches, redirects, header operations, timeouts and retries of this rule are not rendered`, rulePath);
    }
    const backendRefs = backendRefsOf(ctx, route, rule, parent, rulePath);
    if (backendRefs.length) rules.push({ ...(rule.name ? { name: rule.name } : {}), backendRefs });
  });
  if (rules.length === 0) return;
  if (rules.length > 1) ctx.approx(`${parent.kind}: only the first rule applies to a connection`, path, 'info');
  ctx.push({
    apiVersion: `${GATEWAY_API}/v1alpha2`,
    kind: parent.kind,
    metadata: meta(base, parent.namespace),
    spec: { parentRefs: [parent.ref], ...(parent.hostnames ? { hostnames: parent.hostnames } : {}), rules: rules.slice(0, 1) },
  });
}

// ---------------------------------------------------------------------------------------------
// rules

function httpRule(ctx: LinkerdContext, route: TRoute, rule: TRouteRule, parent: TParent, path: (string | number)[]): Record<string, unknown>[] {
  const matches = httpMatches(ctx, rule.match, path);
  if (matches === null) return [];
  const filters: Record<string, unknown>[] = [];
  if (rule.headers?.request) filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: headerFilter(rule.headers.request) });
  if (rule.headers?.response) filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: headerFilter(rule.headers.response) });
  if (rule.redirect) {
    const r = rule.redirect;
    filters.push({
      type: 'RequestRedirect',
      requestRedirect: {
        ...(r.scheme ? { scheme: r.scheme } : {}),
        ...(r.host ? { hostname: r.host } : {}),
        ...(r.port ? { port: r.port } : {}),
        ...(r.path ? { path: { type: 'ReplaceFullPath', replaceFullPath: r.path } } : {}),
        statusCode: r.statusCode,
      },
    });
  }
  const backendRefs = rule.redirect ? [] : backendRefsOf(ctx, route, rule, parent, path);
  if (!rule.redirect && backendRefs.length === 0) return [];
  const timeout = requestTimeoutOf(ctx, route, rule);
  const body = {
    ...(filters.length ? { filters } : {}),
    ...(backendRefs.length ? { backendRefs } : {}),
    ...(timeout ? { timeouts: { request: goDuration(durationMs(timeout)) } } : {}),
  };
  return chunk(matches, MAX_MATCHES).map((ms, i) => ({
    ...(rule.name ? { name: i === 0 ? rule.name : objectName(rule.name, i + 1) } : {}),
    ...(ms.length ? { matches: ms } : {}),
    ...body,
  }));
}

function grpcRule(ctx: LinkerdContext, route: TRoute, rule: TRouteRule, parent: TParent, path: (string | number)[]): Record<string, unknown>[] {
  const matches: Record<string, unknown>[] = [];
  for (const [mi, m] of rule.match.entries()) {
    const mpath = [...path, 'match', mi];
    if (m.from) {
      ctx.approx('Linkerd routes cannot match on the calling service: this match alternative is not rendered', mpath, 'warning', 'source-match');
      continue;
    }
    if (m.method || m.query) ctx.approx('a GRPCRoute matches gRPC methods and headers only: HTTP method and query conditions not rendered', mpath);
    const out: Record<string, unknown> = {};
    if (m.path) {
      const method = grpcMethod(m.path);
      if (method) out.method = method;
      else ctx.approx('this path cannot be expressed as a gRPC service/method match: not rendered', [...mpath, 'path']);
    }
    if (m.headers) out.headers = stringMatches(m.headers, 'header');
    matches.push(out);
  }
  if (rule.match.length && matches.length === 0) return [];
  const filters: Record<string, unknown>[] = [];
  if (rule.headers?.request) filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: headerFilter(rule.headers.request) });
  if (rule.headers?.response) filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: headerFilter(rule.headers.response) });
  if (rule.redirect) {
    ctx.approx('GRPCRoute has no redirects: rule not rendered', [...path, 'redirect'], 'warning', 'redirect');
    return [];
  }
  const backendRefs = backendRefsOf(ctx, route, rule, parent, path);
  if (backendRefs.length === 0) return [];
  return [
    {
      ...(rule.name ? { name: rule.name } : {}),
      ...(matches.length ? { matches } : {}),
      ...(filters.length ? { filters } : {}),
      backendRefs,
    },
  ];
}

/** `/pkg.Service/Method` (exact) or `/pkg.Service/` (prefix) as a GRPCRoute method match. */
function grpcMethod(p: NonNullable<TMatch['path']>): Record<string, string> | undefined {
  const exact = typeof p === 'string' ? undefined : p.exact;
  const prefix = typeof p === 'string' ? p : p.prefix;
  if (exact) {
    const m = /^\/([^/]+)\/([^/]+)$/.exec(exact);
    return m?.[1] && m[2] ? { type: 'Exact', service: m[1], method: m[2] } : undefined;
  }
  if (prefix) {
    const m = /^\/([^/]+)\/?$/.exec(prefix);
    return m?.[1] ? { type: 'Exact', service: m[1] } : undefined;
  }
  return undefined;
}

/** HTTPRoute matches: one per match alternative and method. `null` when every alternative was dropped. */
function httpMatches(ctx: LinkerdContext, match: TMatch[], path: (string | number)[]): Record<string, unknown>[] | null {
  if (match.length === 0) return [];
  const out: Record<string, unknown>[] = [];
  match.forEach((m, mi) => {
    if (m.from) {
      ctx.approx('Linkerd routes cannot match on the calling service: this match alternative is not rendered', [...path, 'match', mi], 'warning', 'source-match');
      return;
    }
    const base: Record<string, unknown> = {};
    if (m.path) base.path = pathMatch(m.path);
    if (m.headers) base.headers = stringMatches(m.headers, 'header');
    if (m.query) base.queryParams = stringMatches(m.query, 'query');
    const methods = m.method === undefined ? [undefined] : Array.isArray(m.method) ? m.method : [m.method];
    for (const method of methods) {
      const one = { ...base, ...(method ? { method } : {}) };
      out.push(Object.keys(one).length ? one : { path: { type: 'PathPrefix', value: '/' } });
    }
  });
  return out.length ? out : null;
}

function pathMatch(p: NonNullable<TMatch['path']>): Record<string, string> {
  if (typeof p === 'string') return { type: 'PathPrefix', value: p };
  if (p.exact !== undefined) return { type: 'Exact', value: p.exact };
  if (p.prefix !== undefined) return { type: 'PathPrefix', value: p.prefix };
  return { type: 'RegularExpression', value: p.regex ?? '.*' };
}

type TStringMatch = NonNullable<TMatch['headers']>[string];

export function stringMatches(ms: Record<string, TStringMatch>, _what: 'header' | 'query'): Record<string, string>[] {
  return Object.entries(ms).map(([name, m]) => {
    if (typeof m === 'string') return { name, type: 'Exact', value: m };
    if (m.exact !== undefined) return { name, type: 'Exact', value: m.exact };
    if (m.prefix !== undefined) return { name, type: 'RegularExpression', value: `^${escapeRegex(m.prefix)}.*` };
    if (m.regex !== undefined) return { name, type: 'RegularExpression', value: m.regex };
    return { name, type: 'RegularExpression', value: '.*' };
  });
}


function headerFilter(ops: NonNullable<NonNullable<TRouteRule['headers']>['request']>): Record<string, unknown> {
  const pairs = (m: Record<string, string>) => Object.entries(m).map(([name, value]) => ({ name, value }));
  return {
    ...(ops.set ? { set: pairs(ops.set) } : {}),
    ...(ops.add ? { add: pairs(ops.add) } : {}),
    ...(ops.remove ? { remove: ops.remove } : {}),
  };
}

function backendRefsOf(ctx: LinkerdContext, route: TRoute, rule: TRouteRule, parent: TParent, path: (string | number)[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  rule.backends.forEach((b, bi) => {
    const name = b.service ?? route.service;
    const weight = b.weight !== undefined ? { weight: b.weight } : {};
    const target = ctx.resolve(name);
    if (target.type === 'service') {
      const s = target.service;
      out.push({
        name: b.version ? versionServiceName(s.name, b.version) : s.name,
        ...(s.namespace !== parent.namespace ? { namespace: s.namespace } : {}),
        port: b.port ?? s.ports[0]?.port ?? 80,
        ...weight,
      });
    } else if (target.type === 'external' && parent.backendSelf && name === route.service) {
      out.push({ ...parent.backendSelf, ...weight });
    } else {
      ctx.approx(`backend ${name}: Linkerd routes to Services of the mesh only (external destinations are reached through their own EgressNetwork route); not rendered`, [...path, 'backends', bi]);
    }
  });
  return out;
}

function chunk<T>(xs: T[], n: number): T[][] {
  if (xs.length === 0) return [[]];
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

