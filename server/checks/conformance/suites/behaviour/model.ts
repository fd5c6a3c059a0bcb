/**
 * What the behaviour suite knows about a pattern, in the pattern's own terms (never the
 * adapter's): which rule a request reaches, where that rule sends it, which policies apply, who
 * may call whom, and how to build a request that reaches a given rule. Expected values of every
 * check are derived from here.
 */
import type { TGateway, TMatch, TPattern, TPolicy, TRoute, TRouteRule, TService } from '@/patterns/language/schema';
import { durationMs } from '@/server/adapters/shared/k8s';

export type P<K extends TPolicy['kind']> = Extract<TPolicy, { kind: K }>;

/** A request as the suite sends it. `source`: the calling service (null: from outside the mesh). */
export interface TReq {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  source: string | null;
  /** Host header (gateway routes). */
  host?: string;
}

/** One (service, version) a request can land on. */
export interface TUnit {
  service: string;
  version: string;
  instances: number;
}

/** Where an entry listener takes traffic: a service frontend (mesh routes) or an HTTP gateway listener. */
export interface TEntry {
  kind: 'service' | 'gateway';
  /** Service or gateway name. */
  name: string;
  /** The probe's `to`: the service name or `<gateway>:<port>`. */
  to: string;
  /** Rules in evaluation order (routes in pattern order, rules in order). */
  rules: TRuleRef[];
  /** Gateway listener port. */
  port?: number;
}

export interface TRuleRef {
  route: TRoute;
  routeName: string;
  rule: TRouteRule;
  ruleIndex: number;
  /** `route/rule-name` or `route/rule #i`. */
  label: string;
}

export const routeNameOf = (r: TRoute) => r.name ?? (r.gateway ? `${r.service}-${r.gateway}` : r.service);
export const ms = (d: string) => durationMs(d);
export const sec = (msv: number) => (msv >= 1000 ? `${+(msv / 1000).toFixed(2)} s` : `${Math.round(msv)} ms`);

export class Model {
  readonly services = new Map<string, TService>();
  readonly gateways = new Map<string, TGateway>();
  readonly externals = new Set<string>();

  constructor(readonly pattern: TPattern) {
    for (const s of pattern.spec.services) this.services.set(s.name, s);
    for (const g of pattern.spec.gateways) this.gateways.set(g.name, g);
    for (const e of pattern.spec.externalServices) this.externals.add(e.name);
  }

  get policies(): TPolicy[] {
    return this.pattern.spec.policies;
  }

  routeNamed(name: string): TRoute | undefined {
    return this.pattern.spec.routes.find((r) => routeNameOf(r) === name);
  }

  isHttp(s: TService): boolean {
    return s.protocol !== 'tcp';
  }

  versionsOf(s: TService): { name: string; replicas: number; locality?: string; errorRate?: number; latency?: string }[] {
    return s.versions.length ? s.versions : [{ name: 'v1', replicas: 1 }];
  }

  /**
   * Policies of a kind that apply to `name` (service, gateway or external service): by target, by
   * one of its routes (only when `route` is that route or not given), or mesh-wide for the kinds that
   * can be (whole mesh, or the namespace of `name`).
   */
  policiesFor<K extends TPolicy['kind']>(kind: K, name: string, route?: TRoute): P<K>[] {
    const ns = this.services.get(name)?.namespace ?? this.gateways.get(name)?.namespace;
    const out: P<K>[] = [];
    for (const p of this.policies) {
      if (p.kind !== kind) continue;
      const q = p as P<K> & { target?: string; route?: string; namespace?: string };
      if (q.target !== undefined) {
        if (q.target === name) out.push(q);
      } else if (q.route !== undefined) {
        const r = this.routeNamed(q.route);
        if (r && (r.gateway ?? r.service) === name && (!route || r === route)) out.push(q);
      } else if (['MutualTLS', 'Authorization', 'AccessLog', 'Tracing', 'Metrics'].includes(kind)) {
        if (q.namespace === undefined || q.namespace === ns) out.push(q);
      }
    }
    return out;
  }

  /** The mTLS mode of a service: the most specific MutualTLS policy wins (target > namespace > mesh). */
  mtls(name: string): 'strict' | 'permissive' | undefined {
    const ps = this.policiesFor('MutualTLS', name);
    const rank = (p: P<'MutualTLS'>) => (p.target || p.route ? 2 : p.namespace ? 1 : 0);
    const best = [...ps].sort((a, b) => rank(b) - rank(a))[0];
    return !best || best.mode === 'disabled' ? undefined : best.mode;
  }

  /** Services that declare they call `name` (they get a mesh certificate for it in the sandbox). */
  callersOf(name: string): string[] {
    return this.pattern.spec.services.filter((s) => s.calls.includes(name)).map((s) => s.name);
  }

  /** Mesh routes of a service, flattened to rules in evaluation order. */
  meshRules(service: string): TRuleRef[] {
    const out: TRuleRef[] = [];
    for (const route of this.pattern.spec.routes) {
      if (route.gateway || route.service !== service) continue;
      route.rules.forEach((rule, i) => out.push({ route, routeName: routeNameOf(route), rule, ruleIndex: i, label: `${routeNameOf(route)}/${rule.name ?? `rule ${i + 1}`}` }));
    }
    return out;
  }

  /** The entry of a service (its frontend). */
  serviceEntry(service: string): TEntry {
    return { kind: 'service', name: service, to: service, rules: this.meshRules(service) };
  }

  /** HTTP gateway listeners (plain HTTP only: the probe does not speak TLS from outside), with their routes. */
  gatewayEntries(): { entry?: TEntry; gateway: TGateway; port: number; skip?: string }[] {
    const out: { entry?: TEntry; gateway: TGateway; port: number; skip?: string }[] = [];
    for (const g of this.pattern.spec.gateways) {
      if (g.type === 'egress') continue;
      for (const port of [...new Set(g.listeners.map((l) => l.port))]) {
        const ls = g.listeners.filter((l) => l.port === port);
        const routes = this.pattern.spec.routes.filter((r) => r.gateway === g.name && (!r.hosts?.length || ls.some((l) => l.hosts.includes('*') || r.hosts?.some((h) => l.hosts.includes(h)))));
        const first = ls[0];
        if (!first) continue;
        if (first.protocol === 'tcp' || first.tls?.mode === 'passthrough' || first.protocol === 'tls') {
          out.push({ gateway: g, port, skip: `gateway ${g.name}:${port} is a TLS passthrough / TCP listener: the sample workloads answer plain HTTP requests, not TLS or TCP sessions from outside` });
          continue;
        }
        if (ls.some((l) => l.protocol === 'https' || l.tls)) {
          out.push({ gateway: g, port, skip: `gateway ${g.name}:${port} terminates TLS: the probe sends plain HTTP from outside and does not trust the sandbox's certificate authority` });
          continue;
        }
        const rules: TRuleRef[] = [];
        for (const route of routes) route.rules.forEach((rule, i) => rules.push({ route, routeName: routeNameOf(route), rule, ruleIndex: i, label: `${routeNameOf(route)}/${rule.name ?? `rule ${i + 1}`}` }));
        out.push({ gateway: g, port, entry: { kind: 'gateway', name: g.name, to: `${g.name}:${port}`, rules, port } });
      }
    }
    return out;
  }

  // --- matching ---------------------------------------------------------------------------------

  /** Which rule of an entry a request reaches: its index, 'none' (404: no rule matched) or 'default' (no routes: the service itself). */
  ruleFor(entry: TEntry, req: TReq): number | 'none' | 'default' {
    if (entry.rules.length === 0) return entry.kind === 'service' ? 'default' : 'none';
    for (let i = 0; i < entry.rules.length; i++) {
      const r = entry.rules[i]!;
      if (entry.kind === 'gateway' && !hostMatches(r.route, req.host)) continue;
      if (r.rule.match.length === 0 || r.rule.match.some((m) => matches(m, req))) return i;
    }
    return 'none';
  }

  /**
   * The units a rule sends traffic to, with each unit's expected share (pattern semantics:
   * endpoints equal within a backend; with a LocalityFailover on the service, a backend that has
   * endpoints in the primary region — the first failover source — sends its share there only,
   * the others being its failover).
   */
  destinations(entry: TEntry, rule: TRouteRule | undefined): { units: (TUnit & { share: number; backend: number })[]; external?: string; weighted: boolean } {
    const backends = rule && rule.backends.length ? rule.backends : [{ service: entry.name }];
    const weighted = backends.every((b) => 'weight' in b && b.weight !== undefined);
    const units: (TUnit & { share: number; backend: number })[] = [];
    let external: string | undefined;
    backends.forEach((b, bi) => {
      const name = b.service ?? (rule ? entry.rules.find((x) => x.rule === rule)?.route.service : undefined) ?? entry.name;
      const share = weighted ? ((b as { weight?: number }).weight ?? 0) / 100 : 1 / backends.length;
      const s = this.services.get(name);
      if (!s) {
        if (this.externals.has(name)) external = name;
        return;
      }
      let vs = this.versionsOf(s).filter((v) => !b.version || v.name === b.version);
      const primary = this.policiesFor('LocalityFailover', s.name).at(-1)?.failover[0]?.from;
      const region = (v: { locality?: string }) => v.locality?.split('/')[0];
      if (primary && vs.some((v) => region(v) === primary)) {
        for (const v of vs) if (v.locality && region(v) !== primary) units.push({ service: s.name, version: v.name, instances: v.replicas, share: 0, backend: bi });
        vs = vs.filter((v) => !v.locality || region(v) === primary);
      }
      const total = vs.reduce((n, v) => n + v.replicas, 0);
      for (const v of vs) units.push({ service: s.name, version: v.name, instances: v.replicas, share: total ? (share * v.replicas) / total : 0, backend: bi });
    });
    return { units, ...(external ? { external } : {}), weighted };
  }

  // --- authorization ----------------------------------------------------------------------------

  /** Pattern semantics of Authorization for a request to `target` from `caller` (null = outside the mesh, no identity). */
  authorize(target: string, caller: string | null, req: { method: string; path: string }): 'allow' | 'deny' {
    const ps = this.policiesFor('Authorization', target);
    if (ps.length === 0) return 'allow';
    const ports = this.services.get(target)?.ports.map((p) => p.port) ?? this.gateways.get(target)?.listeners.map((l) => l.port) ?? [];
    const callerNs = caller ? (this.services.get(caller)?.namespace ?? this.gateways.get(caller)?.namespace) : undefined;
    const ruleMatches = (rule: P<'Authorization'>['rules'][number]): boolean => {
      const f = rule.from;
      if (f?.services?.length && !f.services.includes('*') && !(caller && f.services.includes(caller))) return false;
      if (f?.namespaces?.length && !(callerNs && f.namespaces.includes(callerNs))) return false;
      if (f?.ipBlocks?.length && !f.ipBlocks.some((b) => inCidr('127.0.0.1', b))) return false;
      if (f?.authenticated && !caller) return false;
      const t = rule.to;
      if (t?.paths?.length && !t.paths.some((p) => (p.endsWith('*') ? req.path.startsWith(p.slice(0, -1)) : req.path === p))) return false;
      if (t?.methods?.length && !t.methods.includes(req.method as never)) return false;
      if (t?.ports?.length && !ports.some((p) => t.ports?.includes(p))) return false;
      return true;
    };
    for (const p of ps) if (p.action === 'deny' && (p.rules.length === 0 || p.rules.some(ruleMatches))) return 'deny';
    const allows = ps.filter((p) => p.action === 'allow');
    if (allows.length === 0) return 'allow';
    return allows.some((p) => p.rules.some(ruleMatches)) ? 'allow' : 'deny';
  }

  /**
   * Who can send `req` to service `target` so that it gets through the mesh: null (from outside,
   * plain HTTP) when the service is not under strict mTLS and lets anonymous callers in; otherwise
   * a service that declares it calls `target` (it presents its certificate), else any service the
   * policies allow. undefined: nobody can.
   */
  senderFor(target: string, req: Omit<TReq, 'source'>, prefer?: string | null): string | null | undefined {
    const strict = this.mtls(target) === 'strict';
    const ok = (c: string | null) => this.authorize(target, c, req) === 'allow';
    if (prefer !== undefined && (prefer === null ? !strict : !strict || this.callersOf(target).includes(prefer)) && ok(prefer)) return prefer;
    if (!strict && ok(null)) return null;
    for (const c of this.callersOf(target)) if (ok(c)) return c;
    if (strict) return undefined;
    for (const s of this.pattern.spec.services) if (s.name !== target && this.isHttp(s) && ok(s.name)) return s.name;
    return undefined;
  }

  // --- requests ---------------------------------------------------------------------------------

  /**
   * Requests that reach rule `i` of an entry (and no earlier rule), one per match of the rule that
   * can be reached that way ([] when none can).
   */
  requestsFor(entry: TEntry, i: number): (Omit<TReq, 'source'> & { from?: string[]; match: number })[] {
    const ref = entry.rules[i];
    if (!ref) return [];
    const base = (): Omit<TReq, 'source'> => ({ method: 'GET', path: '/', query: {}, headers: {}, ...(entry.kind === 'gateway' ? { host: hostFor(ref.route) } : {}) });
    const matches = ref.rule.match.length ? ref.rule.match : [{}];
    const out: (Omit<TReq, 'source'> & { from?: string[]; match: number })[] = [];
    matches.forEach((mt, mi) => {
      const c = { ...base(), ...fromMatch(mt as TMatch), match: mi };
      if (c.path === undefined) return;
      // What the match leaves open is varied until no earlier rule takes the request.
      const methods = (mt as TMatch).method ? [c.method] : ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
      const paths = (mt as TMatch).path ? [c.path] : [c.path, '/meshloom-other'];
      for (const path of paths)
        for (const method of methods) {
          const x = { ...c, path, method };
          if (this.ruleFor(entry, { ...x, source: x.from?.[0] ?? null }) === i) {
            out.push(x);
            return;
          }
        }
    });
    return out;
  }

  /** The first request that reaches rule `i`, or undefined. */
  requestFor(entry: TEntry, i: number): (Omit<TReq, 'source'> & { from?: string[] }) | undefined {
    const r = this.requestsFor(entry, i)[0];
    if (!r) return undefined;
    const { match: _m, ...rest } = r;
    return rest;
  }
}

function hostMatches(route: TRoute, host: string | undefined): boolean {
  const hosts = (route.hosts ?? []).filter((h) => h !== '*');
  if (hosts.length === 0) return true;
  return !!host && hosts.includes(host.split(':')[0]!);
}

function hostFor(route: TRoute): string | undefined {
  return (route.hosts ?? []).find((h) => h !== '*' && !h.includes('*'));
}

function strMatch(v: string | { exact?: string; prefix?: string; regex?: string; present?: boolean }, got: string | undefined): boolean {
  if (typeof v === 'string') return got === v;
  if (v.exact !== undefined) return got === v.exact;
  if (v.prefix !== undefined) return got !== undefined && got.startsWith(v.prefix);
  if (v.regex !== undefined) return got !== undefined && safeRegex(v.regex)?.test(got) === true;
  return v.present === false ? got === undefined : got !== undefined;
}

function safeRegex(re: string): RegExp | undefined {
  try {
    return new RegExp(re);
  } catch {
    return undefined;
  }
}

export function matches(m: TMatch, req: TReq): boolean {
  if (m.path !== undefined) {
    if (typeof m.path === 'string') {
      if (!req.path.startsWith(m.path)) return false;
    } else if (m.path.exact !== undefined) {
      if (req.path !== m.path.exact) return false;
    } else if (m.path.prefix !== undefined) {
      if (!req.path.startsWith(m.path.prefix)) return false;
    } else if (m.path.regex !== undefined && safeRegex(m.path.regex)?.test(req.path) !== true) return false;
  }
  if (m.method !== undefined && !(Array.isArray(m.method) ? m.method : [m.method]).includes(req.method as never)) return false;
  for (const [h, v] of Object.entries(m.headers ?? {})) if (!strMatch(v, req.headers[h.toLowerCase()])) return false;
  for (const [q, v] of Object.entries(m.query ?? {})) if (!strMatch(v, req.query[q])) return false;
  if (m.from?.length && !(req.source && m.from.includes(req.source))) return false;
  return true;
}

/** A value matching a string match. */
function valueFor(v: string | { exact?: string; prefix?: string; regex?: string; present?: boolean }): string | undefined {
  if (typeof v === 'string') return v;
  if (v.exact !== undefined) return v.exact;
  if (v.prefix !== undefined) return `${v.prefix}meshloom`;
  if (v.regex !== undefined) return sampleOfRegex(v.regex);
  return v.present === false ? undefined : 'meshloom';
}

/** Requests prefer GET; HEAD answers carry no body (the answering workload could not be seen). */
export function pickMethod(ms: readonly string[]): string {
  for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) if (ms.includes(m)) return m;
  return ms[0] ?? 'GET';
}

function fromMatch(m: TMatch): Partial<TReq> & { path?: string; from?: string[] } {
  const out: Partial<TReq> & { path?: string; from?: string[] } = { path: '/' };
  if (m.path !== undefined) {
    if (typeof m.path === 'string') out.path = subPath(m.path);
    else if (m.path.exact !== undefined) out.path = m.path.exact;
    else if (m.path.prefix !== undefined) out.path = subPath(m.path.prefix);
    else if (m.path.regex !== undefined) out.path = sampleOfRegex(m.path.regex);
  }
  if (m.method !== undefined) out.method = pickMethod(Array.isArray(m.method) ? m.method : [m.method]);
  if (m.headers) {
    out.headers = {};
    for (const [h, v] of Object.entries(m.headers)) {
      const x = valueFor(v);
      if (x !== undefined) out.headers[h.toLowerCase()] = x;
    }
  }
  if (m.query) {
    out.query = {};
    for (const [q, v] of Object.entries(m.query)) {
      const x = valueFor(v);
      if (x !== undefined) out.query[q] = x;
    }
  }
  if (m.from?.length) out.from = m.from;
  return out;
}

/** A path under a prefix: /search → /search/x (so rewrites of the rest of the path show too). */
function subPath(prefix: string): string {
  return prefix.endsWith('/') ? `${prefix}meshloom` : `${prefix}/meshloom`;
}

/** A string matching a simple regular expression (anchors, classes with + or *, .* and escapes), checked; undefined when that fails. */
export function sampleOfRegex(re: string): string | undefined {
  let s = re.replace(/^\^/, '').replace(/\$$/, '');
  s = s
    .replace(/\[0-9\][+*]?|\\d[+*]?/g, '1')
    .replace(/\[a-z[^\]]*\][+*]?|\\w[+*]?/g, 'a')
    .replace(/\[[^\]]*\][+*]?/g, (m) => m[1] ?? 'a')
    .replace(/\.\*/g, '')
    .replace(/\.\+/g, 'x')
    .replace(/\\(.)/g, '$1')
    .replace(/[?]/g, '');
  const r = safeRegex(re);
  return r && r.test(s) ? s : undefined;
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const num = (a: string) => a.split('.').reduce((n, x) => n * 256 + Number(x), 0);
  if (!net || !/^\d+\.\d+\.\d+\.\d+$/.test(net)) return false;
  const mask = bits === 0 ? 0 : 2 ** 32 - 2 ** (32 - bits);
  return Math.floor(num(ip) / 2 ** (32 - bits)) === Math.floor(num(net) / 2 ** (32 - bits)) || mask === 0;
}

/** `/path?a=b` of a request. */
export function pathWithQuery(req: { path: string; query: Record<string, string> }): string {
  const q = new URLSearchParams(req.query).toString();
  return q ? `${req.path}?${q}` : req.path;
}
