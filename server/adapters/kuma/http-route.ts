/**
 * Routes → MeshHTTPRoute (HTTP, HTTP/2, gRPC) or MeshTCPRoute (TCP).
 *
 * East-west routes are producer policies in the service's namespace (top-level targetRef Mesh,
 * `to` the MeshService), so they apply to every caller. Gateway routes live in kuma-system and
 * target the MeshGateway, with `to: Mesh` as Kuma requires for built-in gateways.
 *
 * Kuma has no per-rule timeout or retry: those are MeshTimeout/MeshRetry policies targeting a
 * MeshHTTPRoute. So a route whose rules carry different timeouts/retries is split into one
 * MeshHTTPRoute per group of rules; Kuma merges the rules of all routes for a destination and
 * orders them by match specificity, so the split keeps the routing. Matches on the caller
 * (`from`) become caller-specific MeshHTTPRoutes (top-level targetRef Dataplane app=<caller>).
 */
import type { TBackend, TMatch, TRoute, TRouteRule, TService } from '@/patterns/language/schema';
import { escapeRegex } from '../shared/text';
import {
  SYSTEM_NAMESPACE,
  externalServiceName,
  isHttpFamily,
  kumaPercentage,
  mainPort,
  meshServiceRef,
  routeName,
  type KumaContext,
  type TTargetRef,
} from './context';

type TKumaMatch = Record<string, unknown>;
type TKumaRule = { matches: TKumaMatch[]; default: Record<string, unknown> };

export function renderRoutes(ctx: KumaContext): void {
  ctx.pattern.spec.routes.forEach((route, ri) => renderRoute(ctx, route, ['spec', 'routes', ri]));
}

function renderRoute(ctx: KumaContext, route: TRoute, path: (string | number)[]): void {
  const rname = routeName(route);
  const target = ctx.resolve(route.service);
  const gateway = route.gateway ? ctx.gateways.get(route.gateway) : undefined;
  const namespace = gateway ? SYSTEM_NAMESPACE : target.type === 'service' ? target.service.namespace : SYSTEM_NAMESPACE;
  const protocol = target.type === 'service' ? target.service.protocol : target.type === 'external' ? externalProtocol(target.external.ports[0]?.protocol ?? 'https') : 'http';
  const gatewayTcp = gateway?.listeners.every((l) => l.protocol === 'tcp' || l.protocol === 'tls');

  if (!isHttpFamily(protocol) || gatewayTcp) {
    renderTcpRoute(ctx, route, rname, namespace, path);
    return;
  }

  // The destination the route steers (`to` of an east-west route).
  let toRef: TTargetRef = { kind: 'Mesh' };
  if (!gateway) {
    if (target.type === 'service') toRef = meshServiceRef(target.service.name, target.service.namespace, namespace);
    else if (target.type === 'external') toRef = { kind: 'MeshExternalService', name: externalServiceName(target.external, target.external.ports[0]?.port ?? 443) };
  }
  const topRef: TTargetRef = gateway ? { kind: 'MeshGateway', name: gateway.name } : { kind: 'Mesh' };
  const hostnames = gateway ? (route.hosts ?? []).filter((h) => h !== '*') : [];

  // Group rules by their route-level policies (timeout, retries) so each group gets its own object.
  const signature = (r: TRouteRule) => JSON.stringify([r.timeout ?? null, r.retries ?? null]);
  const groups: { key: string; indexes: number[] }[] = [];
  route.rules.forEach((r, i) => {
    const key = signature(r);
    const g = groups.find((x) => x.key === key);
    if (g) g.indexes.push(i);
    else groups.push({ key, indexes: [i] });
  });
  const names: string[] = [];
  for (const group of groups) {
    const first = group.indexes[0] ?? 0;
    const suffix = groups.length === 1 ? undefined : (route.rules[first]?.name ?? `rule-${first}`);
    // Rules (or matches) without a caller condition, and per caller the rules that name it.
    const general: TKumaRule[] = [];
    const byCaller = new Map<string, TKumaRule[]>();
    for (const i of group.indexes) {
      const rule = route.rules[i];
      if (!rule) continue;
      const rpath = [...path, 'rules', i];
      const plain = rule.match.length === 0 ? [{} as TMatch] : rule.match.filter((m) => !m.from?.length);
      const def = ruleDefault(ctx, route, rule, namespace, rpath);
      if (plain.length > 0) general.push({ matches: plain.flatMap((m) => kumaMatches(ctx, m, rpath)), default: def });
      for (const m of rule.match) {
        if (!m.from?.length) continue;
        if (gateway) {
          ctx.approx(`Kuma gateway routes cannot match on the caller: the "from" condition of route ${rname} is ignored at the gateway`, [...rpath, 'match'], 'warning', 'source-match');
          general.push({ matches: kumaMatches(ctx, m, rpath), default: def });
          continue;
        }
        for (const caller of m.from) {
          const list = byCaller.get(caller) ?? [];
          list.push({ matches: kumaMatches(ctx, m, rpath), default: def });
          byCaller.set(caller, list);
        }
      }
    }
    const groupNames: string[] = [];
    const emit = (objName: string, top: TTargetRef, rules: TKumaRule[]) => {
      ctx.push(
        ctx.policy('MeshHTTPRoute', objName, namespace, {
          targetRef: top,
          to: [{ targetRef: toRef, ...(hostnames.length ? { hostnames } : {}), rules }],
        }),
      );
      groupNames.push(objName);
    };
    if (general.length > 0) emit(ctx.name(rname, suffix), topRef, general);
    for (const [caller, rules] of [...byCaller.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      emit(ctx.name(rname, suffix, 'from', caller), { kind: 'Dataplane', labels: { app: caller } }, rules);
    }
    for (const i of group.indexes) ctx.ruleRouteNames.set(`${rname}#${i}`, groupNames);
    names.push(...groupNames);
  }
  ctx.routeObjects.set(rname, { namespace, names, kind: 'MeshHTTPRoute', ...(gateway ? { gateway: gateway.name } : {}) });
}

function externalProtocol(p: string): string {
  return p === 'http' ? 'http' : p === 'grpc' ? 'grpc' : p === 'https' ? 'http' : 'tcp';
}

function kumaMatches(ctx: KumaContext, m: TMatch, path: (string | number)[]): TKumaMatch[] {
  const base: TKumaMatch = {};
  if (m.path !== undefined) {
    if (typeof m.path === 'string') base.path = { type: 'PathPrefix', value: m.path };
    else if (m.path.exact !== undefined) base.path = { type: 'Exact', value: m.path.exact };
    else if (m.path.prefix !== undefined) base.path = { type: 'PathPrefix', value: m.path.prefix };
    else if (m.path.regex !== undefined) base.path = { type: 'RegularExpression', value: m.path.regex };
  }
  if (m.headers) {
    base.headers = Object.entries(m.headers).map(([name, v]) => {
      const n = name.toLowerCase();
      if (typeof v === 'string') return { name: n, type: 'Exact', value: v };
      if (v.exact !== undefined) return { name: n, type: 'Exact', value: v.exact };
      if (v.prefix !== undefined) return { name: n, type: 'Prefix', value: v.prefix };
      if (v.regex !== undefined) return { name: n, type: 'RegularExpression', value: v.regex };
      return v.present === false ? { name: n, type: 'Absent' } : { name: n, type: 'Present' };
    });
  }
  if (m.query) {
    base.queryParams = Object.entries(m.query).map(([name, v]) => {
      if (typeof v === 'string') return { name, type: 'Exact', value: v };
      if (v.exact !== undefined) return { name, type: 'Exact', value: v.exact };
      if (v.regex !== undefined) return { name, type: 'RegularExpression', value: v.regex };
      if (v.prefix !== undefined) {
        ctx.approx(`Kuma query matches have no prefix type: query "${name}" prefix rendered as a regular expression`, [...path, 'match'], 'info', 'query-match');
        return { name, type: 'RegularExpression', value: `^${escapeRegex(v.prefix)}.*` };
      }
      ctx.approx(`Kuma query matches have no presence type: query "${name}" rendered as the regular expression .*`, [...path, 'match'], 'info', 'query-match');
      return { name, type: 'RegularExpression', value: '.*' };
    });
  }
  const methods = m.method === undefined ? [] : Array.isArray(m.method) ? m.method : [m.method];
  const out = methods.length === 0 ? [base] : methods.map((method) => ({ ...base, method }));
  return out.map((x) => (Object.keys(x).length === 0 ? { path: { type: 'PathPrefix', value: '/' } } : x));
}


/** A backendRef for one pattern backend, from a route object living in `fromNamespace`. */
export function backendRef(ctx: KumaContext, route: TRoute, b: Pick<TBackend, 'service' | 'version' | 'port'>, fromNamespace: string, path: (string | number)[]): Record<string, unknown> | undefined {
  const name = b.service ?? route.service;
  const target = ctx.resolve(name);
  if (target.type === 'service') {
    const s: TService = target.service;
    const svcName = b.version ? ctx.versionService(s, b.version) : s.name;
    return { ...meshServiceRef(svcName, s.namespace, fromNamespace), port: b.port ?? mainPort(s) };
  }
  if (target.type === 'external') {
    const port = b.port ?? target.external.ports[0]?.port ?? 443;
    return { kind: 'MeshExternalService', name: externalServiceName(target.external, port), ...(fromNamespace === SYSTEM_NAMESPACE ? {} : { namespace: SYSTEM_NAMESPACE }), port };
  }
  ctx.approx(`backend ${name} is neither a service nor an external service; left out`, path, 'warning');
  return undefined;
}

function ruleDefault(ctx: KumaContext, route: TRoute, rule: TRouteRule, namespace: string, path: (string | number)[]): Record<string, unknown> {
  const def: Record<string, unknown> = {};
  const filters: Record<string, unknown>[] = [];
  const reqOps = rule.headers?.request;
  if (reqOps) filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: headerModifier(reqOps) });
  const resOps = rule.headers?.response;
  if (resOps) filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: headerModifier(resOps) });
  if (rule.redirect) {
    const r = rule.redirect;
    filters.push({
      type: 'RequestRedirect',
      requestRedirect: {
        ...(r.scheme ? { scheme: r.scheme } : {}),
        ...(r.host ? { hostname: r.host.toLowerCase() } : {}),
        ...(r.port ? { port: r.port } : {}),
        ...(r.path !== undefined ? { path: { type: 'ReplaceFullPath', replaceFullPath: r.path } } : {}),
        statusCode: r.statusCode,
      },
    });
  }
  if (rule.rewrite) {
    const w = rule.rewrite;
    const urlRewrite: Record<string, unknown> = {};
    if (w.host) urlRewrite.hostname = w.host.toLowerCase();
    if (w.path !== undefined) urlRewrite.path = { type: 'ReplaceFullPath', replaceFullPath: w.path };
    else if (w.prefix !== undefined) {
      const prefixOnly = rule.match.length > 0 && rule.match.every((m) => m.path !== undefined && (typeof m.path === 'string' || m.path.prefix !== undefined));
      if (!prefixOnly) ctx.approx('Kuma replaces a matched prefix only for PathPrefix matches: the rewrite applies where the rule matches by prefix', [...path, 'rewrite'], 'warning', 'rewrite');
      urlRewrite.path = { type: 'ReplacePrefixMatch', replacePrefixMatch: w.prefix };
    }
    if (Object.keys(urlRewrite).length > 0) filters.push({ type: 'URLRewrite', urlRewrite });
  }
  if (rule.mirror) {
    const ref = backendRef(ctx, route, { service: rule.mirror.service, version: rule.mirror.version }, namespace, [...path, 'mirror']);
    if (ref) filters.push({ type: 'RequestMirror', requestMirror: { backendRef: ref, percentage: kumaPercentage(rule.mirror.percentage) } });
  }
  if (filters.length > 0) def.filters = filters;
  if (!rule.redirect) {
    const refs = rule.backends
      .map((b, bi) => {
        const ref = backendRef(ctx, route, b, namespace, [...path, 'backends', bi]);
        return ref && b.weight !== undefined ? { ...ref, weight: b.weight } : ref;
      })
      .filter((r): r is Record<string, unknown> => r !== undefined);
    if (refs.length > 0) def.backendRefs = refs;
  } else if (rule.backends.length > 0) {
    ctx.approx('a redirecting rule answers the redirect itself; its backends are not used', [...path, 'backends'], 'info', 'redirect');
  }
  if (rule.fault) renderRuleFault(ctx, route, rule, path);
  return def;
}

function headerModifier(ops: { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] }): Record<string, unknown> {
  const pairs = (m: Record<string, string>) => Object.entries(m).map(([name, value]) => ({ name: name.toLowerCase(), value }));
  return {
    ...(ops.set && Object.keys(ops.set).length ? { set: pairs(ops.set) } : {}),
    ...(ops.add && Object.keys(ops.add).length ? { add: pairs(ops.add) } : {}),
    ...(ops.remove?.length ? { remove: ops.remove.map((h) => h.toLowerCase()) } : {}),
  };
}

/** Rule-level fault injection: Kuma injects faults on the receiving proxy, for the whole service. */
function renderRuleFault(ctx: KumaContext, route: TRoute, rule: TRouteRule, path: (string | number)[]): void {
  const target = ctx.resolve(route.service);
  if (target.type !== 'service' || !rule.fault) {
    ctx.approx('Kuma injects faults only into mesh services; this rule-level fault is not rendered', [...path, 'fault'], 'warning');
    return;
  }
  const s = target.service;
  const conditional = rule.match.length > 0 || route.rules.length > 1;
  if (conditional) {
    ctx.approx(
      `Kuma's MeshFaultInjection applies to every request ${s.name} receives, not only to requests matching this rule`,
      [...path, 'fault'],
      'warning',
    );
  }
  const rname = routeName(route);
  const idx = path[path.length - 1];
  ctx.push(
    ctx.policy('MeshFaultInjection', ctx.name(rname, rule.name ?? `rule-${String(idx)}`, 'fault'), s.namespace, {
      targetRef: { kind: 'Dataplane', labels: { app: s.name } },
      rules: [{ default: { http: [faultEntry(rule.fault)] } }],
    }),
  );
}

export function faultEntry(f: { abort?: { httpStatus: number; percentage: number }; delay?: { fixedDelay: string; percentage: number } }): Record<string, unknown> {
  return {
    ...(f.abort ? { abort: { httpStatus: f.abort.httpStatus, percentage: kumaPercentage(f.abort.percentage) } } : {}),
    ...(f.delay ? { delay: { value: f.delay.fixedDelay, percentage: kumaPercentage(f.delay.percentage) } } : {}),
  };
}

function renderTcpRoute(ctx: KumaContext, route: TRoute, rname: string, namespace: string, path: (string | number)[]): void {
  const gateway = route.gateway ? ctx.gateways.get(route.gateway) : undefined;
  const target = ctx.resolve(route.service);
  // TCP carries no requests: only the backends (and their weights) of a catch-all rule apply.
  const idx = Math.max(0, route.rules.findIndex((r) => r.match.length === 0));
  const rule = route.rules[idx];
  if (!rule) return;
  route.rules.forEach((r, i) => {
    if (i !== idx) ctx.approx(`TCP route ${rname}: Kuma's MeshTCPRoute has one rule without matches; rule ${i} is not rendered`, [...path, 'rules', i], 'warning', 'tcp');
    else if (r.match.length > 0 || r.timeout || r.retries || r.headers || r.rewrite || r.redirect || r.mirror || r.fault)
      ctx.approx(`TCP route ${rname}: only backends and weights apply to TCP traffic`, [...path, 'rules', i], 'warning', 'tcp');
  });
  const refs = rule.backends
    .map((b, bi) => {
      const ref = backendRef(ctx, route, b, namespace, [...path, 'rules', idx, 'backends', bi]);
      return ref && b.weight !== undefined ? { ...ref, weight: b.weight } : ref;
    })
    .filter((r): r is Record<string, unknown> => r !== undefined);
  let toRef: TTargetRef = { kind: 'Mesh' };
  if (!gateway && target.type === 'service') toRef = meshServiceRef(target.service.name, target.service.namespace, namespace);
  else if (!gateway && target.type === 'external') toRef = { kind: 'MeshExternalService', name: externalServiceName(target.external, target.external.ports[0]?.port ?? 443) };
  const objName = ctx.name(rname);
  ctx.push(
    ctx.policy('MeshTCPRoute', objName, namespace, {
      targetRef: gateway ? { kind: 'MeshGateway', name: gateway.name } : { kind: 'Mesh' },
      to: [{ targetRef: toRef, rules: [{ default: refs.length ? { backendRefs: refs } : {} }] }],
    }),
  );
  ctx.routeObjects.set(rname, { namespace, names: [objName], kind: 'MeshTCPRoute', ...(gateway ? { gateway: gateway.name } : {}) });
  route.rules.forEach((_, i) => ctx.ruleRouteNames.set(`${rname}#${i}`, [objName]));
}
