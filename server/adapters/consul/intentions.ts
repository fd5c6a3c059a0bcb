/**
 * Authorization policies → ServiceIntentions, one per destination service (Consul keys
 * intentions by destination). Consul applies only the most specific intention of a source (an
 * exact name beats `*`), and within one source evaluates permissions top-down, so:
 * - every `allow` policy on a destination turns on allow-list semantics: a `*` source with
 *   `action: deny` catches every caller not allowed (an allow policy without rules = allow nothing);
 * - request-level rules become `permissions` (deny first, then allow), closed by a catch-all
 *   permission that keeps the policy's default for requests no rule matched;
 * - deny rules for `*` are copied to every named source, since a named source hides `*`.
 */
import type { TPolicy } from '@/patterns/language/schema';
import type { ConsulContext, TJson } from './context';
import { isL7 } from './context';

type TPath = (string | number)[];
type TAuth = Extract<TPolicy, { kind: 'Authorization' }>;

interface TSource {
  allowAll: boolean;
  denyAll: boolean;
  allowPerms: TJson[];
  denyPerms: TJson[];
}

interface TDest {
  namespace: string;
  hasAllow: boolean;
  sources: Map<string, TSource>;
  protocol?: string;
}

export function renderIntentions(ctx: ConsulContext): Map<string, TDest> {
  const dests = new Map<string, TDest>();
  const dest = (name: string): TDest => {
    let d = dests.get(name);
    if (!d) {
      d = { namespace: name === '*' ? 'default' : ctx.namespaceOf(name), hasAllow: false, sources: new Map(), protocol: name === '*' ? 'http' : ctx.entries.get(name)?.protocol };
      dests.set(name, d);
    }
    return d;
  };
  ctx.pattern.spec.policies.forEach((p, i) => {
    if (p.kind !== 'Authorization') return;
    const path: TPath = ['spec', 'policies', i];
    for (const name of destinations(ctx, p, path)) apply(ctx, dest(name), p, path);
  });
  return dests;
}

/** The Consul services an Authorization policy protects. */
function destinations(ctx: ConsulContext, p: TAuth, path: TPath): string[] {
  const { name, route } = ctx.policyTarget(p);
  if (route) ctx.diag(path, `Consul intentions are per destination service: the policy covers all of ${name}, not only route ${p.route}`, 'authorization-source', 'info');
  if (name) {
    const gateway = ctx.gateways.get(name);
    if (gateway?.type === 'egress') {
      // Both checkpoints must pass; Consul has one (the destination): a service's own policy wins.
      const own = new Set(ctx.pattern.spec.policies.flatMap((q) => (q.kind === 'Authorization' && q.target ? [q.target] : [])));
      const linked = ctx.pattern.spec.externalServices.filter((e) => e.viaGateway === name && !own.has(e.name)).map((e) => e.name);
      ctx.diag(path, `Consul authorizes traffic to the services behind a terminating gateway, not the gateway: the policy is applied to ${linked.join(', ') || 'no service (each has its own policy, which is stricter)'}`, 'authorization-source', 'info');
      return linked;
    }
    if (gateway) {
      ctx.diag(path, `Consul ingress gateways accept any client; intentions govern the gateway's calls into the mesh: the policy on ${name} is not rendered`, 'authorization-source');
      return [];
    }
    return [name];
  }
  if (p.namespace) {
    const names = [
      ...ctx.index.servicesIn(p.namespace).map((s) => s.name),
      ...ctx.pattern.spec.externalServices.filter((e) => e.namespace === p.namespace).map((e) => e.name),
    ];
    ctx.diag(path, `Consul has no namespace-wide intentions (outside Enterprise namespaces): the policy is applied to each service of namespace ${p.namespace} in the pattern`, 'authorization-source', 'info');
    return names;
  }
  return ['*'];
}

/** The source names of a rule's `from`. */
function sourceNames(ctx: ConsulContext, from: NonNullable<TAuth['rules'][number]['from']> | undefined, path: TPath): string[] {
  if (!from) return ['*'];
  const names = new Set<string>();
  for (const s of from.services ?? []) names.add(s);
  for (const ns of from.namespaces ?? []) {
    const inNs = [...ctx.index.servicesIn(ns).map((s) => s.name), ...ctx.pattern.spec.gateways.filter((g) => g.namespace === ns).map((g) => g.name)];
    if (inNs.length === 0) ctx.diag([...path, 'from', 'namespaces'], `namespace ${ns} holds no service or gateway of the pattern: Consul intentions name services, so this source matches nothing`, 'authorization-source');
    for (const n of inNs) names.add(n);
  }
  if (from.namespaces?.length) ctx.diag([...path, 'from', 'namespaces'], 'Consul intentions name source services: namespace sources are expanded to the pattern\'s services and gateways in them', 'authorization-source', 'info');
  if (from.ipBlocks?.length) ctx.diag([...path, 'from', 'ipBlocks'], 'Consul intentions match service identities, not IP addresses: ipBlocks are not rendered', 'authorization-source');
  // `authenticated` alone: any mesh identity (all Consul mesh traffic is mTLS-authenticated).
  if (names.size === 0 && from.authenticated && !from.ipBlocks?.length) names.add('*');
  return [...names];
}

function permissionsOf(rule: TAuth['rules'][number], action: 'allow' | 'deny'): TJson[] | undefined {
  const to = rule.to;
  if (!to || (!to.paths?.length && !to.methods?.length)) return undefined;
  const paths = to.paths?.length ? to.paths.map((p) => (p.endsWith('*') ? { pathPrefix: p.slice(0, -1) } : { pathExact: p })) : [{}];
  return paths.map((pm) => ({ action, http: { ...pm, ...(to.methods?.length ? { methods: [...to.methods] } : {}) } }));
}

function apply(ctx: ConsulContext, d: TDest, p: TAuth, path: TPath) {
  const src = (name: string): TSource => {
    let s = d.sources.get(name);
    if (!s) {
      s = { allowAll: false, denyAll: false, allowPerms: [], denyPerms: [] };
      d.sources.set(name, s);
    }
    return s;
  };
  if (p.action === 'allow') d.hasAllow = true;
  if (p.rules.length === 0) {
    if (p.action === 'deny') src('*').denyAll = true;
    return;
  }
  p.rules.forEach((rule, k) => {
    const rpath = [...path, 'rules', k];
    if (rule.to?.ports?.length) ctx.diag([...rpath, 'to', 'ports'], 'Consul intentions apply to the whole service, not to ports: the port condition is not rendered', 'authorization-source');
    let perms = permissionsOf(rule, p.action);
    if (perms && !isL7(d.protocol)) {
      ctx.diag([...rpath, 'to'], `${d.protocol ?? 'this'} destination is not HTTP: Consul L7 permissions need an HTTP protocol, so the rule applies to whole connections`, 'authorization-request');
      perms = undefined;
    }
    for (const name of sourceNames(ctx, rule.from, rpath)) {
      const s = src(name);
      if (!perms) {
        if (p.action === 'allow') s.allowAll = true;
        else s.denyAll = true;
      } else if (p.action === 'allow') s.allowPerms.push(...perms);
      else s.denyPerms.push(...perms);
    }
  });
}

const ALL = { pathPrefix: '/' };

/** The ServiceIntentions `sources` list of a destination. */
export function intentionSources(d: TDest): TJson[] {
  const star = d.sources.get('*');
  const denyEverything = star?.denyAll ?? false;
  const starDeny = star?.denyPerms ?? [];
  const out: TJson[] = [];
  const names = [...d.sources.keys()].filter((n) => n !== '*').sort();
  for (const name of [...names, '*']) {
    const s = d.sources.get(name) ?? (name === '*' && d.hasAllow ? { allowAll: false, denyAll: false, allowPerms: [], denyPerms: [] } : undefined);
    if (!s) continue;
    const denyPerms = name === '*' ? s.denyPerms : [...starDeny, ...s.denyPerms];
    // The default for this source when nothing else matches: deny under an allow policy.
    const fallback = d.hasAllow && !s.allowAll ? 'deny' : 'allow';
    if (denyEverything || s.denyAll) out.push({ name, action: 'deny' });
    else if (s.allowPerms.length === 0 && (denyPerms.length === 0 || fallback === 'deny')) out.push({ name, action: fallback });
    else out.push({ name, permissions: [...denyPerms, ...s.allowPerms, { action: fallback, http: ALL }] });
  }
  return out;
}
