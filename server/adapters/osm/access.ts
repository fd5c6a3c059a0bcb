/**
 * Access control: SMI TrafficTarget (access v1alpha3) with HTTPRouteGroup / TCPRoute rules
 * (specs v1alpha4). OSM in SMI mode (permissive traffic policy mode off, its default) denies all
 * traffic that no TrafficTarget allows, so:
 * - a service protected by `allow` Authorization policies gets one TrafficTarget per rule (an
 *   allow policy without rules: none, which denies everything);
 * - every other service gets a TrafficTarget allowing its declared callers (`calls`), so the
 *   pattern's traffic keeps flowing;
 * - SMI cannot deny: a `deny` rule without `to` removes its sources from the allowed callers; a
 *   request-level deny is not expressible.
 */
import type { TPolicy, TService } from '@/patterns/language/schema';
import { objectName } from '../shared/k8s';
import { ACCESS, compact, escapeRegex, type OsmContext, SPECS, type TJson, type TPath } from './context';

type TAuth = Extract<TPolicy, { kind: 'Authorization' }>;
type TRule = TAuth['rules'][number];

interface TDest {
  service: TService;
  hasAllow: boolean;
  denyAll: boolean;
  denied: Set<string>;
  rules: { sources: string[]; rule: TRule; path: TPath }[];
}

/** Services a rule's `from` names (ServiceAccounts = service names in the sample workloads). */
function sourcesOf(ctx: OsmContext, from: TRule['from'], path: TPath): string[] {
  const all = ctx.allServiceNames();
  if (!from) return [...all];
  const out = new Set<string>();
  for (const s of from.services ?? []) {
    if (s === '*') all.forEach((a) => out.add(a));
    else if (ctx.services.has(s)) out.add(s);
    else if (!ctx.gateways.has(s)) ctx.diag([...path, 'from', 'services'], `${s} is not a service of the pattern: SMI sources are ServiceAccounts, so it is not rendered`, 'authorization-source');
  }
  for (const ns of from.namespaces ?? []) for (const s of ctx.index.servicesIn(ns)) out.add(s.name);
  if (from.namespaces?.length) ctx.diag([...path, 'from', 'namespaces'], 'SMI TrafficTarget sources are ServiceAccounts: namespace sources are expanded to the pattern\'s services in them (ingress traffic is governed by IngressBackend)', 'authorization-source', 'info');
  if (from.ipBlocks?.length) ctx.diag([...path, 'from', 'ipBlocks'], 'SMI TrafficTarget cannot match IP addresses: ipBlocks are not rendered', 'authorization-source');
  if (!from.services?.length && !from.namespaces?.length && !from.ipBlocks?.length && from.authenticated) all.forEach((a) => out.add(a));
  return [...out];
}

function destinationsOf(ctx: OsmContext, p: TAuth, path: TPath): TService[] {
  const { name, route } = ctx.policyTarget(p);
  if (route) ctx.diag(path, `SMI TrafficTarget applies to the whole destination ServiceAccount ${name}, not only route ${p.route}`, 'authorization-source', 'info');
  if (name) {
    const s = ctx.services.get(name);
    if (!s && !ctx.externals.has(name)) ctx.diag(path, `${name} is a gateway: OSM has no authorization at gateways (the ingress controller's traffic is governed by IngressBackend); not rendered`, 'authorization-source');
    return s ? [s] : [];
  }
  return p.namespace ? [...ctx.index.servicesIn(p.namespace)] : [...ctx.pattern.spec.services];
}

export function renderAccess(ctx: OsmContext) {
  const dests = new Map<string, TDest>();
  const auths = ctx.index.policiesOf('Authorization');
  for (const { p, i } of auths) {
    const path: TPath = ['spec', 'policies', i];
    for (const s of destinationsOf(ctx, p, path)) {
      const d = dests.get(s.name) ?? { service: s, hasAllow: false, denyAll: false, denied: new Set<string>(), rules: [] };
      dests.set(s.name, d);
      if (p.action === 'allow') {
        d.hasAllow = true;
        p.rules.forEach((rule, k) => d.rules.push({ sources: sourcesOf(ctx, rule.from, [...path, 'rules', k]), rule, path: [...path, 'rules', k] }));
      } else if (p.rules.length === 0) d.denyAll = true;
      else {
        p.rules.forEach((rule, k) => {
          const rpath = [...path, 'rules', k];
          if (rule.to) {
            ctx.diag(rpath, 'SMI has no deny rules: a request-level deny is not expressible and is not rendered (the request stays allowed)', 'authorization-request');
            return;
          }
          for (const s of sourcesOf(ctx, rule.from, rpath)) d.denied.add(s);
        });
      }
    }
  }
  if (auths.length) {
    ctx.feature('traffic', { enablePermissiveTrafficPolicyMode: false });
    ctx.diag(['spec', 'policies'], 'authorization needs OSM in SMI mode: the MeshConfig sets enablePermissiveTrafficPolicyMode false (mesh-wide)', 'authorization-source', 'info');
  }
  for (const s of ctx.pattern.spec.services) {
    const d = dests.get(s.name);
    if (d?.denyAll) continue;
    if (d?.hasAllow) {
      d.rules.forEach(({ sources, rule, path }, k) => {
        const allowed = sources.filter((x) => !d.denied.has(x));
        if (allowed.length) target(ctx, s, objectName(ctx.name, s.name, 'rule', k), allowed, rule, path);
      });
      continue;
    }
    const callers = ctx.callersOf(s.name).map((c) => c.name).filter((c) => !d?.denied.has(c));
    if (callers.length) target(ctx, s, objectName(ctx.name, s.name, 'callers'), callers, undefined, undefined);
  }
}

/** A TrafficTarget (and the route group it needs) allowing `sources` → `dest`. */
function target(ctx: OsmContext, dest: TService, name: string, sources: string[], rule: TRule | undefined, path: TPath | undefined) {
  const ns = dest.namespace;
  let rules: TJson[];
  if (dest.protocol === 'tcp') {
    if (rule?.to?.paths?.length || rule?.to?.methods?.length) ctx.diag(path ?? [], `${dest.name} speaks TCP: path and method conditions are not expressible, the rule allows whole connections`, 'authorization-request');
    // OSM matches TCP routes on the port the destination pods listen on (the Service targetPort).
    const servicePorts = rule?.to?.ports?.length ? dest.ports.filter((p) => rule.to?.ports?.includes(p.port)) : dest.ports;
    const ports = [...new Set((servicePorts.length ? servicePorts : dest.ports).map((p) => p.targetPort ?? 8080))];
    ctx.add(SPECS, 'TCPRoute', name, ns, { matches: { ports } });
    rules = [{ kind: 'TCPRoute', name }];
  } else {
    if (rule?.to?.ports?.length) ctx.diag([...(path ?? []), 'to', 'ports'], 'HTTPRouteGroup matches cannot name ports: the port condition is not rendered', 'authorization-source');
    const methods = rule?.to?.methods?.length ? [...rule.to.methods] : ['*'];
    const paths = rule?.to?.paths?.length ? rule.to.paths : undefined;
    const matches = paths
      ? paths.map((p, i) => compact({ name: `path-${i}`, pathRegex: p.endsWith('*') ? `${escapeRegex(p.slice(0, -1))}.*` : escapeRegex(p), methods }))
      : [{ name: 'all', pathRegex: '.*', methods }];
    ctx.add(SPECS, 'HTTPRouteGroup', name, ns, { matches });
    rules = [{ kind: 'HTTPRouteGroup', name, matches: matches.map((m) => m.name) }];
  }
  ctx.add(ACCESS, 'TrafficTarget', name, ns, {
    destination: { kind: 'ServiceAccount', name: dest.name, namespace: ns },
    rules,
    sources: sources.map((s) => ({ kind: 'ServiceAccount', name: s, namespace: ctx.namespaceOf(s) })),
  });
}
