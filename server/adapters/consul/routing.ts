/**
 * Pattern routes → Consul's L7 discovery chain: ServiceRouter routes (matches, rewrites, header
 * operations, timeouts, retries), ServiceSplitter splits (weights by subset) and the resolver
 * subsets they need. A weighted rule with a match (or on a gateway) splits through a "virtual"
 * service that has only a ServiceSplitter, because a router route has a single destination.
 */
import type { TBackend, TMatch, TRoute, TRouteRule } from '@/patterns/language/schema';

type TRetry = NonNullable<TRouteRule['retries']>;
import { durationMs, goDuration, objectName } from '../shared/k8s';
import { compact, type ConsulContext, escapeRegex, isL7, routeName, type TJson } from './context';

type TRetryFields = { numRetries?: number; retryOnConnectFailure?: boolean; retryOn?: string[]; retryOnStatusCodes?: number[] };

/** Consul ServiceRouter retry fields for a pattern retry. */
export function retryFields(ctx: ConsulContext, r: TRetry, path: (string | number)[]): TRetryFields {
  const on = r.on.filter((c) => c !== 'connect-failure' && c !== 'retriable-status-codes');
  if (r.backoff) ctx.diag([...path, 'backoff'], 'Consul ServiceRouter has no retry backoff setting: Envoy\'s default backoff (25ms base) applies', 'retries', 'info');
  return compact({
    numRetries: r.attempts,
    retryOnConnectFailure: r.on.includes('connect-failure') ? true : undefined,
    retryOn: on.length ? on : undefined,
    retryOnStatusCodes: r.on.includes('retriable-status-codes') && r.statusCodes?.length ? r.statusCodes : undefined,
  });
}

function stringMatch(name: string, m: string | { exact?: string; prefix?: string; regex?: string; present?: boolean }, query: boolean): TJson {
  if (typeof m === 'string') return { name, exact: m };
  if (m.exact !== undefined) return { name, exact: m.exact };
  if (m.regex !== undefined) return { name, regex: m.regex };
  if (m.prefix !== undefined) return query ? { name, regex: `^${escapeRegex(m.prefix)}.*` } : { name, prefix: m.prefix };
  return m.present === false ? { name, present: true, invert: true } : { name, present: true };
}

/** One pattern match → Consul `match.http`. */
export function httpMatch(m: TMatch): TJson {
  const http: TJson = {};
  if (typeof m.path === 'string') http.pathPrefix = m.path;
  else if (m.path?.exact !== undefined) http.pathExact = m.path.exact;
  else if (m.path?.prefix !== undefined) http.pathPrefix = m.path.prefix;
  else if (m.path?.regex !== undefined) http.pathRegex = m.path.regex;
  if (m.headers) http.header = Object.entries(m.headers).map(([k, v]) => stringMatch(k, v, false));
  if (m.query) http.queryParam = Object.entries(m.query).map(([k, v]) => stringMatch(k, v, true));
  if (m.method) http.methods = Array.isArray(m.method) ? m.method : [m.method];
  return http;
}

/** Split 100 between backends: their weights, or equal shares (two decimals, summing to 100). */
export function splitWeights(backends: TBackend[]): number[] {
  if (backends.every((b) => b.weight !== undefined)) return backends.map((b) => b.weight as number);
  const share = Math.floor(10000 / backends.length) / 100;
  return backends.map((_, i) => (i === backends.length - 1 ? Math.round((100 - share * (backends.length - 1)) * 100) / 100 : share));
}

function headerOps(ops: { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] } | undefined): TJson | undefined {
  if (!ops) return undefined;
  const out = compact({ add: ops.add, set: ops.set, remove: ops.remove });
  return Object.keys(out).length ? out : undefined;
}

/** Register the subset of `service` for `version` on its resolver. */
export function useSubset(ctx: ConsulContext, service: string, version: string | undefined) {
  if (!version) return;
  const entry = ctx.entry(service);
  const subsets = (entry.resolver.subsets ??= {}) as Record<string, TJson>;
  subsets[version] ??= {};
}

/**
 * Render the routes of the pattern. East-west routes go to the router of their service; gateway
 * routes get a virtual service of their own (named after the route) whose router holds their
 * rules, unless they are a plain pass-through to the service. Returns, per gateway route name,
 * the Consul service the ingress gateway must point at.
 */
export function renderRoutes(ctx: ConsulContext): Map<string, string> {
  const gatewayTargets = ctx.gatewayRouteOwners;
  ctx.pattern.spec.routes.forEach((route, ri) => {
    const path = ['spec', 'routes', ri];
    const svc = ctx.services.get(route.service);
    const protocol = ctx.entry(route.service).protocol ?? (ctx.externals.has(route.service) ? 'tcp' : 'http');
    if (route.gateway) {
      if (route.rules.every((r) => r.backends.length === 0)) return; // only redirects: nothing Consul can serve
      if (isPassThrough(route)) {
        gatewayTargets.set(routeName(route), route.service);
        return;
      }
      if (!isL7(protocol)) {
        gatewayTargets.set(routeName(route), route.service);
        ctx.diag(path, `route ${routeName(route)}: ${route.service} speaks TCP, so the ingress gateway forwards to it as a whole; its rules are not rendered`);
        return;
      }
      // The route's own Consul service; it must not clash with a service, gateway or external service.
      const taken = (n: string) => ctx.services.has(n) || ctx.gateways.has(n) || ctx.externals.has(n);
      const virtual = taken(objectName(routeName(route))) ? objectName(routeName(route), 'route') : objectName(routeName(route));
      const ventry = ctx.entry(virtual, ctx.gateways.get(route.gateway)?.namespace ?? svc?.namespace);
      ventry.protocol = protocol;
      gatewayTargets.set(routeName(route), virtual);
      renderRules(ctx, route, virtual, path);
      return;
    }
    if (!isL7(protocol)) {
      ctx.diag(path, `route ${routeName(route)}: ${route.service} speaks TCP; Consul's ServiceRouter/ServiceSplitter need an HTTP-family protocol, so the route is not rendered`);
      return;
    }
    renderRules(ctx, route, route.service, path);
  });
  return gatewayTargets;
}

function isPassThrough(route: TRoute): boolean {
  if (route.rules.length !== 1) return false;
  const [rule] = route.rules as [TRouteRule];
  const [b] = rule.backends;
  return (
    rule.match.length === 0 &&
    rule.backends.length === 1 &&
    b !== undefined &&
    (b.service ?? route.service) === route.service &&
    !b.version &&
    !rule.timeout &&
    !rule.retries &&
    !rule.rewrite &&
    !rule.headers &&
    !rule.redirect
  );
}

function renderRules(ctx: ConsulContext, route: TRoute, owner: string, path: (string | number)[]) {
  const ownerEntry = ctx.entry(owner);
  const isGatewayOwner = owner !== route.service;
  route.rules.forEach((rule, i) => {
    const rpath = [...path, 'rules', i];
    if (rule.backends.length === 0) return; // a redirect: Consul has none (reported by capability)
    let destination: TJson;
    if (rule.backends.length === 1) {
      const b = rule.backends[0] as TBackend;
      const service = b.service ?? route.service;
      useSubset(ctx, service, b.version);
      destination = compact({ service, serviceSubset: b.version });
      if (!b.version && service === route.service && rule.match.length > 0 && hasCatchAllSplit(route)) {
        ctx.diag(rpath, `rule ${i} sends matching requests to all versions of ${service}, but Consul routes them through ${service}'s ServiceSplitter (the catch-all weights)`, 'traffic-split');
      }
    } else {
      const weights = splitWeights(rule.backends);
      const splits = rule.backends.map((b, k) => {
        const service = b.service ?? route.service;
        useSubset(ctx, service, b.version);
        return compact({ service, serviceSubset: b.version, weight: weights[k] });
      });
      if (rule.match.length === 0 && !isGatewayOwner) {
        ownerEntry.splits = splits;
        destination = { service: owner };
      } else {
        // A router route has one destination: split through a virtual service.
        const virtual = objectName(routeName(route), rule.name ?? `split-${i}`);
        const v = ctx.entry(virtual, ownerEntry.namespace);
        v.protocol = ownerEntry.protocol;
        v.splits = splits;
        destination = { service: virtual };
      }
    }
    Object.assign(destination, destinationExtras(ctx, rule, rpath));
    const needsRoute = rule.match.length > 0 || Object.keys(destination).some((k) => k !== 'service') || destination.service !== owner;
    if (!needsRoute) return;
    const matches = rule.match.length ? rule.match : [undefined];
    matches.forEach((m, k) => {
      if (m?.from) {
        ctx.diag([...rpath, 'match', k, 'from'], `Consul's ServiceRouter cannot match the calling service: this match of rule ${i} is not rendered`, 'source-match');
        return;
      }
      ownerEntry.routes.push(compact({ match: m ? { http: httpMatch(m) } : undefined, destination: structuredClone(destination) }));
    });
  });
}

function hasCatchAllSplit(route: TRoute): boolean {
  return route.rules.some((r) => r.match.length === 0 && r.backends.length > 1);
}

function destinationExtras(ctx: ConsulContext, rule: TRouteRule, path: (string | number)[]): TJson {
  const out: TJson = {};
  if (rule.timeout) out.requestTimeout = goDuration(durationMs(rule.timeout));
  if (rule.retries) Object.assign(out, retryFields(ctx, rule.retries, [...path, 'retries']));
  if (rule.rewrite?.prefix !== undefined) out.prefixRewrite = rule.rewrite.prefix;
  else if (rule.rewrite?.path !== undefined) {
    out.prefixRewrite = rule.rewrite.path;
    const exactOnly = rule.match.length > 0 && rule.match.every((m) => typeof m.path === 'object' && m.path.exact !== undefined);
    if (!exactOnly) ctx.diag([...path, 'rewrite', 'path'], 'Consul rewrites only the matched prefix: the full-path rewrite is rendered as prefixRewrite, which keeps the rest of a longer path', 'rewrite');
  }
  if (rule.rewrite?.host !== undefined) ctx.diag([...path, 'rewrite', 'host'], 'Consul\'s ServiceRouter cannot rewrite the Host header (Envoy forbids it in header operations): not rendered', 'rewrite');
  const req = headerOps(rule.headers?.request);
  const res = headerOps(rule.headers?.response);
  if (req) out.requestHeaders = req;
  if (res) out.responseHeaders = res;
  return out;
}
