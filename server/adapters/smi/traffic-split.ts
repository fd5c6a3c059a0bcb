/**
 * Routes as SMI TrafficSplits (split.smi-spec.io/v1alpha4): the route's service is the apex
 * service, backends are Services (per-version Services for versions), weights are relative.
 * A rule with matches becomes its own TrafficSplit whose `matches` name an HTTPRouteGroup
 * (specs.smi-spec.io/v1alpha4) holding the rule's path/method/header conditions; the rule
 * without matches is the apex's default split.
 */
import type { TMatch, TRoute, TRouteRule } from '@/patterns/language/schema';
import { objectName } from '../shared/k8s';
import { escapeRegex, routeName, type SmiContext, SPECS_API, SPLIT_API } from './context';
import { versionServiceName } from '../shared/version-services';

type TStringMatch = NonNullable<TMatch['headers']>[string];

export function renderTrafficSplits(ctx: SmiContext): void {
  ctx.pattern.spec.routes.forEach((route, ri) => {
    const path = ['spec', 'routes', ri];
    if (route.gateway) {
      ctx.approx(`route ${routeName(route)} attaches to gateway ${route.gateway}: SMI has no gateways; not rendered`, path, 'warning', 'ingress-gateway');
      return;
    }
    const apex = ctx.services.get(route.service);
    if (!apex) {
      ctx.approx(`route ${routeName(route)}: a TrafficSplit's apex must be a Service of the mesh; ${route.service} is not; not rendered`, path, 'warning', 'external-services');
      return;
    }
    const http = apex.protocol !== 'tcp';
    let defaultSeen = false;
    route.rules.forEach((rule, i) => {
      const rulePath = [...path, 'rules', i];
      const backends = backendsOf(ctx, route, rule, rulePath);
      if (backends.length === 0) return;
      const trivial = backends.length === 1 && backends[0]?.service === apex.name;
      const ruleId = rule.name ?? String(i + 1);
      if (rule.match.length === 0 || !http) {
        if (rule.match.length) ctx.approx('TCP traffic cannot be matched: the rule applies to every connection', rulePath);
        if (defaultSeen) {
          ctx.approx('only the first rule without matches applies (later ones are unreachable); not rendered', rulePath, 'info');
          return;
        }
        defaultSeen = true;
        if (trivial) return; // all traffic to the apex itself: nothing to split
        ctx.push(split(objectName(routeName(route)), apex.namespace, apex.name, backends));
        return;
      }
      const matches = routeGroupMatches(ctx, rule.match, rulePath);
      if (matches.length === 0) return;
      const group = objectName(routeName(route), ruleId);
      ctx.push({ apiVersion: SPECS_API, kind: 'HTTPRouteGroup', metadata: { name: group, namespace: apex.namespace }, spec: { matches } });
      ctx.push(split(group, apex.namespace, apex.name, backends, group));
    });
  });
}

function split(name: string, namespace: string, service: string, backends: { service: string; weight: number }[], group?: string) {
  return {
    apiVersion: SPLIT_API,
    kind: 'TrafficSplit',
    metadata: { name, namespace },
    spec: { service, ...(group ? { matches: [{ kind: 'HTTPRouteGroup', name: group }] } : {}), backends },
  };
}

function backendsOf(ctx: SmiContext, route: TRoute, rule: TRouteRule, path: (string | number)[]): { service: string; weight: number }[] {
  const apex = ctx.services.get(route.service);
  const out: { service: string; weight: number }[] = [];
  rule.backends.forEach((b, bi) => {
    const name = b.service ?? route.service;
    const target = ctx.services.get(name);
    if (!target) {
      ctx.approx(`backend ${name}: TrafficSplit backends are Services of the mesh; not rendered`, [...path, 'backends', bi]);
      return;
    }
    if (apex && target.namespace !== apex.namespace) {
      ctx.approx(`backend ${name}: TrafficSplit backends live in the apex service's namespace (${apex.namespace}); not rendered`, [...path, 'backends', bi]);
      return;
    }
    if (b.port) ctx.approx('TrafficSplit backends have no port: the backend Service\'s ports are used', [...path, 'backends', bi, 'port'], 'info');
    out.push({ service: b.version ? versionServiceName(target.name, b.version) : target.name, weight: b.weight ?? 1 });
  });
  return out;
}

/** HTTPRouteGroup matches, one per match alternative (any may hold). */
export function routeGroupMatches(ctx: SmiContext, match: TMatch[], path: (string | number)[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  match.forEach((m, mi) => {
    const mpath = [...path, 'match', mi];
    if (m.from) {
      ctx.approx('a TrafficSplit cannot match on the calling service: this match alternative is not rendered', mpath, 'warning', 'source-match');
      return;
    }
    if (m.query) ctx.approx('HTTPRouteGroup cannot match query parameters: query conditions not rendered (the match is broader)', [...mpath, 'query'], 'warning', 'query-match');
    const methods = m.method === undefined ? undefined : Array.isArray(m.method) ? m.method : [m.method];
    out.push({
      name: `match-${mi + 1}`,
      ...(m.path ? { pathRegex: pathRegex(m.path) } : {}),
      ...(methods ? { methods } : {}),
      ...(m.headers ? { headers: Object.entries(m.headers).map(([name, v]) => ({ [name]: headerRegex(v) })) } : {}),
    });
  });
  return out;
}

/** SMI anchors pathRegex at the start of the path. */
export function pathRegex(p: NonNullable<TMatch['path']>): string {
  if (typeof p === 'string') return `${escapeRegex(p)}.*`;
  if (p.exact !== undefined) return `${escapeRegex(p.exact)}$`;
  if (p.prefix !== undefined) return `${escapeRegex(p.prefix)}.*`;
  return p.regex ?? '.*';
}

/** HTTPRouteGroup header values are regular expressions. */
function headerRegex(m: TStringMatch): string {
  if (typeof m === 'string') return `^${escapeRegex(m)}$`;
  if (m.exact !== undefined) return `^${escapeRegex(m.exact)}$`;
  if (m.prefix !== undefined) return `^${escapeRegex(m.prefix)}.*`;
  if (m.regex !== undefined) return m.regex;
  return '.*';
}
