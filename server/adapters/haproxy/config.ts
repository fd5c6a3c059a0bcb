/**
 * haproxy.cfg for the loopback sandbox (HAProxy 2.6).
 *
 * Layout, per service S:
 * - `fe_S` binds 127.0.0.1:<listener of S>: the callers' entry point (a client-side sidecar). It
 *   applies S's authorization (caller = header x-meshloom-source), rate limit, faults, and picks a
 *   route rule (txn.meshloom_rule), then the rule's header operations, rewrite or redirect, and
 *   its backend.
 * - one backend per route rule (`be_S_<route>_<k>`), with one server per workload instance,
 *   weighted by the split; timeouts, retries, circuit breaking, health checks, balancing there.
 * - under mutual TLS, the servers are S's inbound listeners `in_S_<version>` (bind … ssl …
 *   verify required), which authorize by the client certificate's CN; a caller-specific backend
 *   variant (`<backend>.from.<caller>`) presents the caller's certificate.
 * Gateways get one frontend per listener port; external services a frontend whose servers come
 * from the plan (loopback only, never a real external address).
 */
import type { TFeature } from '@/patterns/language/features';
import type { TGateway, TPattern, TPolicy, TRoute, TRouteRule, TService } from '@/patterns/language/schema';
import { durationMs, goDuration } from '../shared/k8s';
import { PatternIndex } from '../shared/pattern-index';
import type { TAdapterDiagnostic } from '../types';
import { LOOPBACK, INBOUND_BASE, STATS_PORT, listenerKeys, versionsOf, type THaproxyEndpoint, type THaproxyPlan } from './plan';

type TPath = (string | number)[];
type P<K extends TPolicy['kind']> = Extract<TPolicy, { kind: K }>;
type TPolicyAt<K extends TPolicy['kind']> = { p: P<K>; path: TPath };

export const SOURCE_HEADER = 'x-meshloom-source';
const RULE_VAR = 'txn.meshloom_rule';

export interface THaproxyRender {
  cfg: string;
  diagnostics: TAdapterDiagnostic[];
  usesLua: boolean;
  /** Certificates the config reads from certDir (without the folder). */
  certificates: string[];
}

const hdur = (d: string) => goDuration(durationMs(d));
/** A single-quoted HAProxy word (no escapes or variable expansion inside single quotes). */
function q(s: string): string {
  return s.includes("'") ? `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$')}"` : `'${s}'`;
}
/** A literal inside a log-format argument (header values): `%` must be doubled. */
const lf = (s: string) => q(s.replace(/%/g, '%%'));
const id = (s: string) => s.replace(/[^A-Za-z0-9_.:-]/g, '_');

function routeName(r: TRoute): string {
  return r.name ?? (r.gateway ? `${r.service}-${r.gateway}` : r.service);
}

class Cfg {
  readonly diagnostics: TAdapterDiagnostic[] = [];
  readonly sections: string[] = [];
  readonly certs = new Set<string>();
  usesLua = false;
  readonly services = new Map<string, TService>();
  readonly gateways = new Map<string, TGateway>();
  readonly externals = new Set<string>();
  readonly backends = new Set<string>();
  /** Policies by kind, services and routes by position, mesh routes per service: built once per render. */
  readonly index: PatternIndex;
  private routesByName?: Map<string, TRoute>;
  private servicePositions?: Map<TService, number>;

  constructor(
    readonly pattern: TPattern,
    readonly plan: THaproxyPlan,
  ) {
    this.index = new PatternIndex(pattern);
    for (const s of pattern.spec.services) this.services.set(s.name, s);
    for (const g of pattern.spec.gateways) this.gateways.set(g.name, g);
    for (const e of pattern.spec.externalServices) this.externals.add(e.name);
  }

  approx(message: string, path: TPath, severity: 'warning' | 'info' = 'warning', feature?: TFeature): void {
    this.diagnostics.push({ code: 'ML4006', severity, message, path, ...(feature ? { feature } : {}) });
  }

  section(header: string, lines: string[]): void {
    this.sections.push([header, ...lines.map((l) => `    ${l}`)].join('\n'));
  }

  cert(name: string): string {
    this.certs.add(name);
    return `${this.certDir}/${name}`;
  }

  get certDir(): string {
    return (this.plan.certDir ?? '/etc/meshloom/certs').replace(/\/$/, '');
  }

  /** Policies of one kind that apply to service/gateway `name`, by target or by one of its routes. */
  policies<K extends TPolicy['kind']>(kind: K, name: string, opts: { meshWide?: boolean; namespace?: string } = {}): TPolicyAt<K>[] {
    const out: TPolicyAt<K>[] = [];
    for (const { p, i } of this.index.policiesOf(kind)) {
      const path = ['spec', 'policies', i];
      if (p.target === name) out.push({ p: p as P<K>, path });
      else if (p.route) {
        const r = this.routeNamed(p.route);
        if (r && (r.gateway ?? r.service) === name) out.push({ p: p as P<K>, path });
      } else if (!p.target && opts.meshWide) {
        const ns = (p as { namespace?: string }).namespace;
        if (!ns || ns === opts.namespace) out.push({ p: p as P<K>, path });
      }
    }
    return out;
  }

  /** The first route of that name (what `routes.find` by name returns). */
  routeNamed(name: string): TRoute | undefined {
    if (!this.routesByName) {
      this.routesByName = new Map();
      for (const r of this.pattern.spec.routes) if (!this.routesByName.has(routeName(r))) this.routesByName.set(routeName(r), r);
    }
    return this.routesByName.get(name);
  }

  /** Position of a service object in spec.services (what `indexOf` returns). */
  serviceIndex(s: TService): number {
    if (!this.servicePositions) {
      this.servicePositions = new Map();
      this.pattern.spec.services.forEach((x, i) => {
        if (!this.servicePositions!.has(x)) this.servicePositions!.set(x, i);
      });
    }
    return this.servicePositions.get(s) ?? -1;
  }

  mtlsMode(s: TService): 'strict' | 'permissive' | undefined {
    const ps = this.policies('MutualTLS', s.name, { meshWide: true, namespace: s.namespace });
    // The most specific policy wins: target > namespace > mesh.
    const rank = (p: P<'MutualTLS'>) => (p.target || p.route ? 2 : p.namespace ? 1 : 0);
    const best = [...ps].sort((a, b) => rank(b.p) - rank(a.p))[0];
    if (!best || best.p.mode === 'disabled') return undefined;
    return best.p.mode;
  }

  listener(key: string, path: TPath): number {
    const port = this.plan.listeners[key];
    if (port === undefined) {
      this.approx(`the plan gives no listener port for ${key}`, path, 'warning');
      return 0;
    }
    return port;
  }
}

export function renderHaproxyConfig(pattern: TPattern, plan: THaproxyPlan): THaproxyRender {
  const c = new Cfg(pattern, plan);
  renderGlobal(c);
  for (const s of pattern.spec.services) renderServiceFrontend(c, s);
  for (const s of pattern.spec.services) if (c.mtlsMode(s)) renderInbound(c, s);
  pattern.spec.externalServices.forEach((e, i) => renderExternal(c, e.name, ['spec', 'externalServices', i]));
  pattern.spec.gateways.forEach((g, i) => renderGateway(c, g, ['spec', 'gateways', i]));
  const globalSection = c.sections.shift() ?? '';
  const lines = [
    `# Meshloom sandbox for pattern ${pattern.metadata.name} (HAProxy 2.6). Generated: do not edit.`,
    globalSection.replace('%LUA%', c.usesLua ? `    lua-load ${(plan.luaDir ?? '/etc/meshloom').replace(/\/$/, '')}/meshloom.lua\n` : ''),
    ...c.sections,
  ];
  return { cfg: `${lines.join('\n\n')}\n`, diagnostics: c.diagnostics, usesLua: c.usesLua, certificates: [...c.certs].sort() };
}

// --- global, defaults, stats -------------------------------------------------------------------

function logTarget(plan: THaproxyPlan): string {
  const p = plan.logPath;
  if (!p || p === 'stdout' || p === '/dev/stdout') return 'stdout format raw';
  if (p === 'stderr' || p === '/dev/stderr') return 'stderr format raw';
  return p; // a unix datagram socket path
}

function renderGlobal(c: Cfg): void {
  c.sections.push(
    ['global', `    log ${logTarget(c.plan)} local0`, '    maxconn 4096', '    tune.ssl.default-dh-param 2048', '%LUA%    # loopback only: every bind below is on 127.0.0.1'].join('\n').replace('\n%LUA%', '\n%LUA%'),
  );
  c.section('defaults', [
    'mode http',
    'log global',
    'timeout connect 5s',
    'timeout client 60s',
    'timeout server 60s',
    'timeout http-request 10s',
    'timeout queue 30s',
    'timeout check 5s',
  ]);
  const metrics = c.pattern.spec.policies.filter((p) => p.kind === 'Metrics');
  metrics.forEach((p) => {
    if (p.kind === 'Metrics' && p.tags && Object.keys(p.tags).length) c.approx('the HAProxy exporter has fixed labels: metric tags are not rendered', ['spec', 'policies', c.pattern.spec.policies.indexOf(p), 'tags'], 'warning');
    if (p.kind === 'Metrics' && p.provider === 'opentelemetry') c.approx('HAProxy exposes Prometheus metrics; scrape them into OpenTelemetry', ['spec', 'policies', c.pattern.spec.policies.indexOf(p), 'provider'], 'info');
  });
  c.section('frontend meshloom_stats', [
    `bind ${LOOPBACK}:${c.plan.statsPort ?? STATS_PORT}`,
    'http-request use-service prometheus-exporter if { path /metrics }',
    'stats enable',
    'stats uri /stats',
    'stats refresh 5s',
    'no log',
  ]);
}

// --- access logs -----------------------------------------------------------------------------

const JSON_LOG_FORMAT =
  '{"time":"%tr","frontend":"%f","backend":"%b","server":"%s","source":"%[capture.req.hdr(0)]","client":"%ci:%cp","method":"%HM","path":"%HPO","status":%ST,"bytes":%B,"duration_ms":%Ta,"termination":"%ts","retries":%rc}';

/** Log lines of a frontend from the AccessLog policies that apply to it. */
function accessLog(c: Cfg, name: string, namespace: string | undefined, http: boolean): string[] {
  const logs = c.policies('AccessLog', name, { meshWide: true, namespace });
  const out: string[] = [];
  if (logs.length === 0) return ['no log'];
  const last = logs[logs.length - 1];
  if (!last) return out;
  if (http) {
    out.push(last.p.format === 'json' ? `log-format ${q(JSON_LOG_FORMAT)}` : 'option httplog', 'option dontlognull');
    out.push(`http-request capture req.hdr(${SOURCE_HEADER}) len 64`);
    const filter = last.p.filter ? logFilter(last.p.filter) : undefined;
    if (last.p.filter && !filter) c.approx(`access-log filter "${last.p.filter}" has no HAProxy equivalent: every request is logged`, [...last.path, 'filter'], 'warning');
    if (filter) out.push(`http-response set-log-level silent unless ${filter}`);
  } else {
    out.push('option tcplog', 'option dontlognull');
  }
  if (last.p.path !== '/dev/stdout' && !c.plan.logPath) c.approx(`HAProxy logs to syslog targets: the plan's logPath decides where logs go (not ${last.p.path})`, [...last.path, 'path'], 'info');
  return out;
}

/** `response.code >= 400` style filters as an HAProxy condition. */
function logFilter(f: string): string | undefined {
  const m = /^\s*response\.code\s*(>=|<=|==|!=|>|<)\s*(\d{3})\s*$/.exec(f);
  if (!m) return undefined;
  const op = { '>=': 'ge', '<=': 'le', '==': 'eq', '!=': 'ne', '>': 'gt', '<': 'lt' }[m[1] as '>='];
  return op === 'ne' ? `!{ status eq ${m[2]} }` : `{ status ${op} ${m[2]} }`;
}

// --- matching ------------------------------------------------------------------------------------

function stringMatch(fetch: string, v: string | { exact?: string; prefix?: string; regex?: string; present?: boolean }): string {
  if (typeof v === 'string') return `{ ${fetch} -m str ${q(v)} }`;
  if (v.exact !== undefined) return `{ ${fetch} -m str ${q(v.exact)} }`;
  if (v.prefix !== undefined) return `{ ${fetch} -m beg ${q(v.prefix)} }`;
  if (v.regex !== undefined) return `{ ${fetch} -m reg ${q(v.regex)} }`;
  return v.present === false ? `!{ ${fetch} -m found }` : `{ ${fetch} -m found }`;
}

/** One match as a conjunction of anonymous ACLs; callers are identified by `sourceFetch`. */
function matchTerms(m: TRouteRule['match'][number], sourceFetch: string): string[] {
  const t: string[] = [];
  if (m.path !== undefined) {
    if (typeof m.path === 'string') t.push(prefixTerm(m.path));
    else if (m.path.exact !== undefined) t.push(`{ path ${q(m.path.exact)} }`);
    else if (m.path.prefix !== undefined) t.push(prefixTerm(m.path.prefix));
    else if (m.path.regex !== undefined) t.push(`{ path_reg ${q(m.path.regex)} }`);
  }
  if (m.method !== undefined) t.push(`{ method ${(Array.isArray(m.method) ? m.method : [m.method]).join(' ')} }`);
  for (const [name, v] of Object.entries(m.headers ?? {})) t.push(stringMatch(`req.hdr(${name.toLowerCase()})`, v));
  for (const [name, v] of Object.entries(m.query ?? {})) t.push(stringMatch(`url_param(${name})`, v));
  if (m.from?.length) t.push(`{ ${sourceFetch} -m str ${m.from.join(' ')} }`);
  return t;
}

/** Gateway API PathPrefix: element by element (/abc matches /abc, /abc/ and /abc/x, not /abcd); a trailing / is ignored. */
function prefixTerm(p: string): string {
  const base = p.replace(/\/+$/, '');
  return base === '' ? `{ path_beg '/' }` : `{ path_reg ${q(`^${escapeRe(base)}(/|$)`)} }`;
}

const ruleIs = (k: number) => `{ var(${RULE_VAR}) -m int ${k} }`;

// --- backends ------------------------------------------------------------------------------------

interface TServer {
  name: string;
  endpoint: THaproxyEndpoint;
  weight: number;
  /** The destination service when it is under mutual TLS (server goes to its inbound listener). */
  mtls?: TService;
  version?: string;
  locality?: string;
  /** Outside the primary region of a LocalityFailover: used only when every primary server is down. */
  backup?: boolean;
}

type TGroupServer = Omit<TServer, 'weight'> & { units: number };

const regionOf = (locality: string | undefined) => locality?.split('/')[0];

/**
 * Servers for a rule's backends, weighted by the split (HAProxy weights 0–256). Each backend's
 * share is divided among its endpoints (workload instances): an mTLS inbound listener stands for
 * all instances of its version and weighs as many. With a LocalityFailover, the servers outside
 * the primary region are backups of the backends that have endpoints in it (those endpoints carry
 * the backend's whole share); a backend with none there (a split that names the other region)
 * keeps its servers active.
 */
function serversFor(c: Cfg, route: TRoute | undefined, defaultService: string, rule: Pick<TRouteRule, 'backends'> | undefined, path: TPath): TServer[] {
  const backends = rule && rule.backends.length > 0 ? rule.backends : [{ service: defaultService }];
  const weighted = backends.every((b) => 'weight' in b && b.weight !== undefined);
  const groups: { share: number; servers: TGroupServer[] }[] = [];
  backends.forEach((b, bi) => {
    const name = b.service ?? route?.service ?? defaultService;
    const s = c.services.get(name);
    const share = weighted && 'weight' in b && b.weight !== undefined ? b.weight : 100 / backends.length;
    const servers: TGroupServer[] = [];
    if (s) {
      const mtls = c.mtlsMode(s) ? s : undefined;
      const version = 'version' in b ? b.version : undefined;
      for (const v of versionsOf(s).filter((x) => !version || x.name === version)) {
        const key = `${s.name}/${v.name}`;
        const eps = c.plan.workloads[key] ?? [];
        const extra = { version: v.name, ...(v.locality ? { locality: v.locality } : {}) };
        if (mtls && eps.length > 0) {
          // One inbound listener per version: it balances over the version's instances.
          servers.push({ name: id(`${s.name}-${v.name}`), endpoint: { host: LOOPBACK, port: inboundPort(c, s, v.name) }, mtls, ...extra, units: eps.length });
        } else if (!mtls) {
          eps.forEach((ep, i) => servers.push({ name: id(`${s.name}-${v.name}-${i}`), endpoint: ep, ...extra, units: 1 }));
        }
      }
    } else if (c.externals.has(name)) {
      (c.plan.workloads[`${name}/external`] ?? []).forEach((ep, i) => servers.push({ name: id(`${name}-${i}`), endpoint: ep, units: 1 }));
    } else {
      c.approx(`backend ${name} is not a service of the pattern`, [...path, 'backends', bi], 'warning');
    }
    groups.push({ share, servers });
  });
  // Locality failover: the primary region is the first failover source, else the region of the first server.
  const failover = c.policies('LocalityFailover', route?.service ?? defaultService).at(-1);
  const primary = failover ? (failover.p.failover[0]?.from ?? regionOf(groups.flatMap((g) => g.servers).find((x) => x.locality)?.locality)) : undefined;
  if (primary)
    for (const g of groups)
      if (g.servers.some((x) => regionOf(x.locality) === primary)) for (const x of g.servers) if (x.locality && regionOf(x.locality) !== primary) x.backup = true;
  // A server's weight: its backend's share × its units / the units of its pool (the active
  // servers of the backend, or for backups all of its servers).
  const poolOf = (g: { servers: TGroupServer[] }, x: TGroupServer) => g.servers.filter((y) => !!y.backup === !!x.backup || (x.backup && !y.backup)).reduce((n, y) => n + y.units, 0);
  // Exact integer weights when they fit (90/10 → 90 and 10), else scaled so the largest is 256;
  // active and backup servers are weighed apart (they never serve together).
  const all = groups.flatMap((g) => g.servers.map((x) => ({ x, pool: poolOf(g, x), share: g.share })));
  const weights = new Map<TGroupServer, number>();
  for (const backup of [false, true]) {
    const part = all.filter((a) => !!a.x.backup === backup);
    // A multiplier that makes every share × units / pool whole: the one that clears the pools (90/10
    // over 2 + 1 instances → 90, 90, 20), else the smallest one (75/25 under mTLS), else scale.
    const multiplier = (den: (a: (typeof part)[number]) => number) => part.reduce((l, a) => (den(a) ? (l * den(a)) / gcd(l, den(a)) : l), 1);
    const attempt = (l: number) => part.map((a) => ({ x: a.x, w: (a.share * l * a.x.units) / Math.max(1, a.pool) }));
    const fits = (r: { w: number }[]) => r.every((x) => Number.isInteger(x.w) && x.w <= 256);
    let raw = attempt(multiplier((a) => a.pool / gcd(a.pool, a.x.units)));
    if (!fits(raw) && part.every((a) => Number.isInteger(a.share))) {
      const smallest = attempt(multiplier((a) => a.pool / gcd(a.pool, a.share * a.x.units)));
      if (fits(smallest)) raw = smallest;
    }
    const exact = fits(raw);
    const max = exact ? 256 : Math.max(0, ...raw.map((r) => r.w));
    for (const r of raw) weights.set(r.x, exact ? r.w : max > 0 ? Math.round((r.w * 256) / max) : 1);
  }
  const seen = new Map<string, number>();
  return all.map(({ x: { units: _units, ...x }, x: key }) => {
    const n = (seen.get(x.name) ?? 0) + 1;
    seen.set(x.name, n);
    return { ...x, name: n > 1 ? `${x.name}_${n}` : x.name, weight: weights.get(key) ?? 1 };
  });
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function inboundPort(c: Cfg, s: TService, version: string): number {
  const key = `${s.name}/${version}`;
  const planned = c.plan.inbound?.[key];
  if (planned !== undefined) return planned;
  let n = 0;
  for (const x of c.pattern.spec.services) for (const v of versionsOf(x)) {
    if (`${x.name}/${v.name}` === key) return INBOUND_BASE + n;
    n++;
  }
  return INBOUND_BASE;
}

interface TBackendOpts {
  name: string;
  /** The service whose policies (circuit breaker, health checks, balancing…) apply. */
  policyTarget?: string;
  mode: 'http' | 'tcp';
  servers: TServer[];
  timeout?: string;
  retries?: TRouteRule['retries'];
  /** Caller whose certificate the servers present to mTLS inbound listeners. */
  caller?: string;
  path: TPath;
}

const RETRY_ON: Record<string, string[]> = {
  '5xx': ['500', '502', '503', '504'],
  'gateway-error': ['502', '503', '504'],
  reset: ['empty-response', 'junk-response'],
  'connect-failure': ['conn-failure'],
  'retriable-4xx': ['408', '425'],
  'refused-stream': ['conn-failure', 'empty-response'],
};
/** Passing checks that bring an ejected server back, spread over the ejection time. */
const RISE_STEPS = 10;

const RETRIABLE_CODES = new Set([404, 408, 425, 500, 501, 502, 503, 504]);

function retryLines(c: Cfg, r: NonNullable<TRouteRule['retries']>, path: TPath): string[] {
  const on = new Set<string>();
  for (const o of r.on) for (const x of RETRY_ON[o] ?? []) on.add(x);
  const grpc = r.on.filter((o) => ['cancelled', 'deadline-exceeded', 'unavailable', 'resource-exhausted'].includes(o));
  if (grpc.length) c.approx(`HAProxy retries on HTTP conditions only: ${grpc.join(', ')} not retried`, path, 'info');
  if (r.on.includes('retriable-status-codes')) {
    for (const code of r.statusCodes ?? []) {
      if (RETRIABLE_CODES.has(code)) on.add(String(code));
      else c.approx(`HAProxy cannot retry on status ${code}`, [...path, 'statusCodes'], 'warning');
    }
  }
  if (r.perTryTimeout) on.add('response-timeout');
  if (r.backoff) c.approx('HAProxy retries without exponential backoff (it waits up to 1s only between connection retries)', [...path, 'backoff'], 'info');
  const lines = [`retries ${r.attempts}`, 'option redispatch 1'];
  if (on.size) lines.push(`retry-on ${[...on].join(' ')}`);
  return lines;
}

function renderBackend(c: Cfg, o: TBackendOpts): string {
  if (c.backends.has(o.name)) return o.name;
  c.backends.add(o.name);
  const lines: string[] = [];
  if (o.mode === 'tcp') lines.push('mode tcp');
  const target = o.policyTarget;
  // Timeouts: the rule's, else a Timeout policy's; per-try timeout wins for `timeout server`.
  const tpol = target ? c.policies('Timeout', target).at(-1) : undefined;
  const retry = o.retries ?? (target ? c.policies('Retry', target).at(-1)?.p : undefined);
  const retryPath = o.retries ? o.path : (target ? c.policies('Retry', target).at(-1)?.path : undefined) ?? o.path;
  const whole = o.timeout ?? tpol?.p.request;
  if (retry?.perTryTimeout) {
    lines.push(`timeout server ${hdur(retry.perTryTimeout)}`);
    if (whole) c.approx('HAProxy limits each try (timeout server); the overall request timeout with retries is not enforced separately', o.path, 'info');
  } else if (whole) lines.push(`timeout server ${hdur(whole)}`);
  if (tpol?.p.connect) lines.push(`timeout connect ${hdur(tpol.p.connect)}`);
  if (tpol?.p.idle && o.mode === 'http') lines.push(`timeout http-keep-alive ${hdur(tpol.p.idle)}`);
  const climits = target ? c.policies('ConnectionLimits', target).at(-1) : undefined;
  if (climits?.p.connectTimeout && !tpol?.p.connect) lines.push(`timeout connect ${hdur(climits.p.connectTimeout)}`);
  // Callers without a mesh certificate to strict mTLS destinations: every connection is refused
  // (no client certificate), so trying again only makes them wait (three retries a second apart).
  const refused = o.servers.length > 0 && !o.caller && o.servers.every((s) => s.mtls && c.mtlsMode(s.mtls) === 'strict');
  if (refused) lines.push('retries 0');
  else if (retry && o.mode === 'http') lines.push(...retryLines(c, retry, retryPath));
  else if (retry) lines.push(`retries ${retry.attempts}`);

  // Load balancing and session affinity.
  const lb = target ? c.policies('LoadBalancing', target).at(-1) : undefined;
  let cookie: string | undefined;
  if (lb) {
    const a = lb.p.sessionAffinity;
    if (a?.cookie && o.mode === 'http') {
      cookie = a.cookie.name;
      lines.push('balance roundrobin', `cookie ${a.cookie.name} insert indirect nocache${a.cookie.ttl ? ` maxlife ${hdur(a.cookie.ttl)}` : ''}`);
      if (a.cookie.path) c.approx('HAProxy persistence cookies are set for the whole site; cookie path ignored', [...lb.path, 'sessionAffinity'], 'info');
    } else if (a?.header && o.mode === 'http') lines.push(`balance hdr(${a.header})`, 'hash-type consistent');
    else if (a?.queryParameter && o.mode === 'http') lines.push(`balance url_param ${a.queryParameter}`, 'hash-type consistent');
    else if (a?.sourceIp) lines.push('balance source', 'hash-type consistent');
    else {
      const algo = { 'round-robin': 'roundrobin', 'least-request': 'leastconn', random: 'random', 'ring-hash': 'source', maglev: 'source' }[lb.p.algorithm];
      lines.push(`balance ${algo}`);
      if (lb.p.algorithm === 'ring-hash' || lb.p.algorithm === 'maglev') {
        lines.push('hash-type consistent');
        c.approx(`${lb.p.algorithm} without a hash key: HAProxy hashes the client address consistently`, lb.path, 'info');
      }
      if (lb.p.algorithm === 'maglev') c.approx('HAProxy has no Maglev table: consistent hashing is used', lb.path, 'info');
    }
  }

  // Health checks (active), outlier detection (passive / circuit breaker), locality.
  const hc = target ? c.policies('HealthCheck', target).at(-1) : undefined;
  const cb = target ? c.policies('CircuitBreaker', target).at(-1) : undefined;
  const serverOpts: string[] = [];
  let checkInter: string | undefined;
  if (hc?.p.active) {
    const a = hc.p.active;
    if (o.mode === 'http') {
      lines.push(`option httpchk GET ${a.path}`);
      lines.push(a.expectedStatuses?.length ? `http-check expect rstatus ^(${a.expectedStatuses.join('|')})$` : 'http-check expect status 200');
    }
    lines.push(`timeout check ${hdur(a.timeout)}`);
    checkInter = hdur(a.interval);
    serverOpts.push('check', `inter ${checkInter}`, `rise ${a.healthyThreshold}`, `fall ${a.unhealthyThreshold}`);
  }
  const passive = cb
    ? { errors: Math.min(cb.p.consecutiveErrors, cb.p.consecutiveGatewayErrors ?? Infinity), back: cb.p.ejectionTime, path: cb.path, cb: cb.p }
    : hc?.p.passive
      ? { errors: hc.p.passive.consecutiveErrors, back: hc.p.passive.ejectionTime, path: hc.path, cb: undefined }
      : undefined;
  // A marked-down server comes back through health checks after the ejection time: the ejection
  // schedules a check a tenth of it later (fastinter), and RISE_STEPS passing checks that far
  // apart (downinter) bring it back — out for the ejection time. (A single check at the ejection
  // time would come whenever its timer was due, right after the ejection as often as not.) While
  // the server is up it is checked once per ejection time only: a passing check clears the count
  // of errors in a row, which must come from answers.
  const comeBack = (back: string) => {
    const step = Math.max(1, Math.round(durationMs(back) / RISE_STEPS));
    return ['check', `inter ${hdur(back)}`, `fastinter ${goDuration(step)}`, `downinter ${goDuration(step)}`, `rise ${RISE_STEPS}`, 'fall 1'];
  };
  if (passive && o.mode === 'http') {
    serverOpts.push(`observe layer7 error-limit ${passive.errors} on-error mark-down`);
    if (!hc?.p.active) serverOpts.push(...comeBack(passive.back));
    if (passive.cb && passive.cb.maxEjectionPercent < 100) c.approx('HAProxy can take every server out: maxEjectionPercent is not enforced', passive.path, 'info');
    if (passive.cb?.consecutiveGatewayErrors !== undefined && passive.cb.consecutiveGatewayErrors !== passive.cb.consecutiveErrors)
      c.approx(`HAProxy counts every error toward one limit: the endpoint is ejected after ${passive.errors} errors in a row of any kind`, passive.path, 'info');
  } else if (passive) {
    serverOpts.push(`observe layer4 error-limit ${passive.errors} on-error mark-down`);
    if (!hc?.p.active) serverOpts.push(...comeBack(passive.back));
  }
  if (climits) {
    const n = Math.max(1, o.servers.length);
    const maxconn = Math.min(climits.p.maxConnections ?? Infinity, climits.p.maxRequests ?? Infinity);
    if (Number.isFinite(maxconn)) serverOpts.push(`maxconn ${Math.max(1, Math.ceil(maxconn / n))}`);
    // Waiting requests queue in the backend (a server's maxqueue only bounds requests bound to that
    // server, and a full one spills into the backend's unbounded queue): refuse beyond the limit.
    if (climits.p.maxPendingRequests && o.mode === 'http') lines.push(`http-request return status 503 content-type text/plain string 'overflow: too many pending requests' if { queue ge ${climits.p.maxPendingRequests} }`);
    else if (climits.p.maxPendingRequests) serverOpts.push(`maxqueue ${Math.max(1, Math.ceil(climits.p.maxPendingRequests / n))}`);
    if (climits.p.maxRequestsPerConnection === 1) lines.push('http-reuse never');
    else if (climits.p.maxRequestsPerConnection) c.approx('HAProxy cannot cap requests per connection (only disable reuse for 1)', climits.path, 'info');
    if (n > 1) c.approx('HAProxy limits are per server: the service-wide limits are divided between its servers', climits.path, 'info');
  }
  const failover = target ? c.policies('LocalityFailover', target).at(-1) : undefined;

  const srvLines = o.servers.map((s, i) => {
    const parts = [`server ${s.name} ${s.endpoint.host}:${s.endpoint.port}`, `weight ${s.weight}`];
    if (s.backup) parts.push('backup');
    if (cookie) parts.push(`cookie s${i + 1}`);
    if (s.mtls) {
      parts.push('ssl', `ca-file ${c.cert('ca.pem')}`, 'verify required', `verifyhost ${s.mtls.name}`);
      if (o.caller) parts.push(`crt ${c.cert(`${o.caller}.pem`)}`);
    }
    parts.push(...serverOpts);
    return parts.join(' ');
  });
  if (failover && o.servers.some((s) => s.locality)) {
    lines.push('option allbackups');
    c.approx('HAProxy fails over to backup servers (other regions) only when every primary server is down', failover.path, 'info');
  }
  c.section(`backend ${o.name}`, [...lines, ...srvLines]);
  return o.name;
}

// --- authorization ----------------------------------------------------------------------------

/**
 * `http-request deny` lines for the Authorization policies of a service or gateway `s`; caller
 * from `sourceFetch`. `ports` are the logical ports the frontend stands for (a service's ports, or
 * a gateway listener's port): the sandbox binds other port numbers, so a `to.ports` rule is
 * decided here, not with dst_port.
 */
function authorizationLines(c: Cfg, s: { name: string; namespace: string }, sourceFetch: string, mtls: boolean, ports: number[]): string[] {
  const ps = c.policies('Authorization', s.name, { meshWide: true, namespace: s.namespace });
  if (ps.length === 0) return [];
  const ruleCond = (rule: P<'Authorization'>['rules'][number], path: TPath): string => {
    const t: string[] = [];
    const f = rule.from;
    if (f?.services?.length && !f.services.includes('*')) t.push(`{ ${sourceFetch} -m str ${f.services.join(' ')} }`);
    if (f?.namespaces?.length) {
      const names = [...c.services.values(), ...c.gateways.values()].filter((x) => f.namespaces?.includes(x.namespace)).map((x) => x.name);
      t.push(names.length ? `{ ${sourceFetch} -m str ${names.join(' ')} }` : 'FALSE');
    }
    if (f?.ipBlocks?.length) t.push(`{ src ${f.ipBlocks.join(' ')} }`);
    if (f?.authenticated) t.push(mtls ? '{ ssl_c_used } { ssl_c_verify 0 }' : `{ ${sourceFetch} -m found }`);
    const to = rule.to;
    if (to?.paths?.length) {
      const exact = to.paths.filter((p) => !p.endsWith('*'));
      const prefixes = to.paths.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
      // paths: any of the exact paths or prefixes; two anonymous ACLs joined by || need their own rule, so use one regex.
      const alts = [...exact.map((p) => `${escapeRe(p)}$`), ...prefixes.map((p) => escapeRe(p))];
      t.push(`{ path_reg ${q(`^(${alts.join('|')})`)} }`);
    }
    if (to?.methods?.length) t.push(`{ method ${to.methods.join(' ')} }`);
    if (to?.ports?.length) {
      const listed = ports.filter((p) => to.ports?.includes(p));
      if (listed.length === 0) t.push('FALSE');
      else if (listed.length < ports.length) {
        const note = `the sandbox serves every port of ${s.name} on one listener: a rule for ports ${to.ports.join(', ')} applies to all of them`;
        if (!c.diagnostics.some((d) => d.message === note)) c.approx(note, [...path, 'to', 'ports'], 'info');
      }
    }
    return t.length ? t.join(' ') : 'TRUE';
  };
  const lines: string[] = [];
  const denies = ps.filter(({ p }) => p.action === 'deny');
  const allows = ps.filter(({ p }) => p.action === 'allow');
  for (const { p, path } of denies) {
    const conds = p.rules.length ? p.rules.map((r, i) => ruleCond(r, [...path, 'rules', i])) : ['TRUE'];
    lines.push(`http-request deny deny_status 403 if ${conds.join(' || ')}`);
  }
  if (allows.length) {
    const conds = allows.flatMap(({ p, path }) => p.rules.map((r, i) => ruleCond(r, [...path, 'rules', i])));
    lines.push(conds.length ? `http-request deny deny_status 403 unless ${conds.join(' || ')}` : 'http-request deny deny_status 403 if TRUE');
  }
  return lines;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// --- rate limits and faults -------------------------------------------------------------------

function rateLimitLines(c: Cfg, name: string, frontend: string, protocol: string): string[] {
  const rl = c.policies('RateLimit', name).at(-1);
  if (!rl) return [];
  const p = rl.p;
  const table = `st_${id(frontend)}_rl`;
  const interval = hdur(p.interval);
  let key = 'int(1)';
  let type = 'integer';
  if (p.by?.header) {
    key = `req.hdr(${p.by.header.toLowerCase()})`;
    type = 'string len 128';
  } else if (p.by?.source) {
    key = `req.hdr(${SOURCE_HEADER})`;
    type = 'string len 64';
  } else if (p.by?.path) {
    key = 'path';
    type = 'string len 256';
  }
  if (p.burst) c.approx('HAProxy counts requests over a sliding interval: burst is added to the limit', [...rl.path, 'burst'], 'info');
  const limit = p.requests + (p.burst ?? 0);
  if (protocol === 'tcp') {
    c.section(`backend ${table}`, [`stick-table type integer size 1 expire ${interval} store conn_rate(${interval})`]);
    return [`tcp-request connection track-sc0 int(1) table ${table}`, `tcp-request connection reject if { sc_conn_rate(0) gt ${limit} }`];
  }
  c.section(`backend ${table}`, [`stick-table type ${type} size 100k expire ${interval} store http_req_rate(${interval})`]);
  return [`http-request track-sc0 ${key} table ${table}`, `http-request deny deny_status ${p.status} if { sc_http_req_rate(0) gt ${limit} }`];
}

function chance(percentage: number): string {
  if (percentage >= 100) return '';
  if (Number.isInteger(percentage)) return `{ rand(100) lt ${percentage} }`;
  return `{ rand(10000) lt ${Math.round(percentage * 100)} }`;
}

function faultLines(c: Cfg, f: { abort?: { httpStatus: number; percentage: number }; delay?: { fixedDelay: string; percentage: number } }, cond: string): string[] {
  const lines: string[] = [];
  const join = (...parts: string[]) => parts.filter(Boolean).join(' ');
  if (f.delay && f.delay.percentage > 0) {
    c.usesLua = true;
    const w = join(chance(f.delay.percentage), cond);
    lines.push(`http-request lua.meshloom_delay ${Math.round(durationMs(f.delay.fixedDelay))}${w ? ` if ${w}` : ''}`);
  }
  if (f.abort && f.abort.percentage > 0) {
    const w = join(chance(f.abort.percentage), cond);
    lines.push(`http-request return status ${f.abort.httpStatus} content-type text/plain string 'fault filter abort'${w ? ` if ${w}` : ''}`);
  }
  return lines;
}

// --- service frontends ------------------------------------------------------------------------

function callersOf(c: Cfg, name: string): string[] {
  const out = new Set<string>();
  for (const s of c.pattern.spec.services) if (s.calls.includes(name)) out.add(s.name);
  return [...out].sort();
}

function renderServiceFrontend(c: Cfg, s: TService): void {
  const si = c.serviceIndex(s);
  const path = ['spec', 'services', si];
  const port = c.listener(s.name, path);
  const fe = `fe_${id(s.name)}`;
  const tcp = s.protocol === 'tcp';
  const routes = [...c.index.meshRoutesOf(s.name)];
  const lines: string[] = [];
  if (tcp) lines.push('mode tcp');
  // No `proto h2`: HAProxy detects the HTTP/2 preface (h2c prior knowledge) on a clear bind by
  // itself, and HTTP/1.1 callers (the sample workloads) must still get through.
  lines.push(`bind ${LOOPBACK}:${port}`);
  lines.push(...accessLog(c, s.name, s.namespace, !tcp));
  if (s.protocol === 'grpc') c.approx('gRPC is routed by path and headers; the listener takes HTTP/2 (h2c, prior knowledge) and HTTP/1.1, and speaks HTTP/1.1 to the workloads', path, 'info', 'grpc');

  if (tcp) {
    lines.push(...rateLimitLines(c, s.name, fe, 'tcp'));
    const route = routes[0];
    const idx = route ? Math.max(0, route.rules.findIndex((r) => r.match.length === 0)) : 0;
    const rule = route?.rules[idx];
    if (route) route.rules.forEach((_, i) => i !== idx && c.approx(`TCP route ${routeName(route)}: only one catch-all rule applies`, ['spec', 'routes', c.pattern.spec.routes.indexOf(route), 'rules', i], 'warning'));
    const be = renderBackend(c, { name: `be_${id(s.name)}`, policyTarget: s.name, mode: 'tcp', servers: serversFor(c, route, s.name, rule, path), ...(rule?.timeout ? { timeout: rule.timeout } : {}), path });
    lines.push(`default_backend ${be}`);
    c.section(`frontend ${fe}`, lines);
    return;
  }

  lines.push(...authorizationLines(c, s, `req.hdr(${SOURCE_HEADER})`, false, s.ports.map((p) => p.port)));
  lines.push(...rateLimitLines(c, s.name, fe, 'http'));
  for (const f of c.policies('FaultInjection', s.name)) lines.push(...faultLines(c, f.p, ''));
  const mtls = !!c.mtlsMode(s);
  lines.push(...routingLines(c, { frontend: fe, name: s.name, routes, defaultService: s.name, callers: mtls ? callersOf(c, s.name) : [], fixedCaller: undefined, sourceFetch: `req.hdr(${SOURCE_HEADER})`, path }));
  c.section(`frontend ${fe}`, lines);
}

interface TRoutingCtx {
  frontend: string;
  name: string;
  routes: TRoute[];
  defaultService: string;
  /** Callers that get their own certificate-presenting backend variant (mTLS destinations). */
  callers: string[];
  /** The caller, when fixed (a gateway). */
  fixedCaller: string | undefined;
  sourceFetch: string;
  /** Extra condition per route (gateway hosts). */
  routeCond?: (r: TRoute) => string;
  path: TPath;
}

/** Rule selection, per-rule operations and backends for the routes of one frontend. */
function routingLines(c: Cfg, x: TRoutingCtx): string[] {
  const sel: string[] = [];
  const ops: string[] = [];
  const uses: string[] = [];
  let k = 0;
  let catchAll = false;
  for (const route of x.routes) {
    const ri = c.index.routeIndex(route);
    const rcond = x.routeCond?.(route) ?? '';
    route.rules.forEach((rule, i) => {
      k++;
      const rpath = ['spec', 'routes', ri, 'rules', i];
      const terms = rule.match.length === 0 ? [''] : rule.match.map((m) => matchTerms(m, x.sourceFetch).join(' '));
      if (rule.match.length === 0 && !rcond) catchAll = true;
      const alts = terms.map((t) => [t, rcond, `!{ var(${RULE_VAR}) -m found }`].filter(Boolean).join(' '));
      sel.push(`http-request set-var(${RULE_VAR}) int(${k}) if ${alts.join(' || ')}`);
      const is = ruleIs(k);
      if (rule.fault) ops.push(...faultLines(c, rule.fault, is));
      const hreq = rule.headers?.request;
      if (hreq) {
        for (const h of hreq.remove ?? []) ops.push(`http-request del-header ${h} if ${is}`);
        for (const [h, v] of Object.entries(hreq.set ?? {})) ops.push(`http-request set-header ${h} ${lf(v)} if ${is}`);
        for (const [h, v] of Object.entries(hreq.add ?? {})) ops.push(`http-request add-header ${h} ${lf(v)} if ${is}`);
      }
      const hres = rule.headers?.response;
      if (hres) {
        for (const h of hres.remove ?? []) ops.push(`http-response del-header ${h} if ${is}`);
        for (const [h, v] of Object.entries(hres.set ?? {})) ops.push(`http-response set-header ${h} ${lf(v)} if ${is}`);
        for (const [h, v] of Object.entries(hres.add ?? {})) ops.push(`http-response add-header ${h} ${lf(v)} if ${is}`);
      }
      if (rule.mirror) c.approx('HAProxy 2.6 cannot mirror requests: the mirror is not rendered', [...rpath, 'mirror'], 'info');
      if (rule.redirect) {
        const r = rule.redirect;
        const scheme = r.scheme ?? '%[ssl_fc,iif(https,http)]';
        const host = r.host ?? (r.port ? '%[req.hdr(host),field(1,:)]' : '%[req.hdr(host)]');
        const loc = `${scheme}://${host}${r.port ? `:${r.port}` : ''}${r.path ?? '%[pathq]'}`;
        ops.push(`http-request redirect location ${q(loc)} code ${r.statusCode} if ${is}`);
        return;
      }
      if (rule.rewrite) {
        const w = rule.rewrite;
        if (w.path !== undefined) ops.push(`http-request set-path ${lf(w.path)} if ${is}`);
        else if (w.prefix !== undefined) {
          const prefixes = rule.match.map((m) => (typeof m.path === 'string' ? m.path : m.path?.prefix)).filter((p): p is string => p !== undefined);
          if (prefixes.length === 0) c.approx('a prefix rewrite needs a path-prefix match: the rewrite is not rendered', [...rpath, 'rewrite'], 'warning');
          for (const p of [...new Set(prefixes)]) {
            const from = escapeRe(p.replace(/\/$/, ''));
            const to = w.prefix.replace(/\/$/, '');
            // /old/x → /new/x and /old → /new; to the root: /old/x → /x and /old → /.
            if (to === '') ops.push(`http-request replace-path ${q(`^${from}/?(.*)$`)} ${q('/\\1')} if ${is} { path_beg ${q(p)} }`);
            else ops.push(`http-request replace-path ${q(`^${from}(/.*)?$`)} ${q(`${to}\\1`)} if ${is} { path_beg ${q(p)} }`);
          }
        }
        if (w.host) ops.push(`http-request set-header host ${lf(w.host)} if ${is}`);
      }
      const servers = serversFor(c, route, x.defaultService, rule, rpath);
      const base = `be_${id(x.name)}_${id(routeName(route))}_${i}`;
      const mk = (name: string, caller?: string) =>
        renderBackend(c, { name, policyTarget: route.service, mode: 'http', servers, ...(rule.timeout ? { timeout: rule.timeout } : {}), ...(rule.retries ? { retries: rule.retries } : {}), ...(caller ? { caller } : {}), path: rpath });
      const anyMtls = servers.some((s) => s.mtls);
      if (anyMtls && x.fixedCaller) uses.push(`use_backend ${mk(base, x.fixedCaller)} if ${is}`);
      else {
        if (anyMtls) for (const caller of x.callers) uses.push(`use_backend ${mk(`${base}.from.${id(caller)}`, caller)} if ${is} { ${x.sourceFetch} -m str ${caller} }`);
        uses.push(`use_backend ${mk(anyMtls ? permissiveName(c, servers, base) : base)} if ${is}`);
      }
    });
  }
  const notFound = x.routes.length > 0 && !catchAll ? [`http-request return status 404 content-type text/plain string 'no route matched' unless { var(${RULE_VAR}) -m found }`] : [];
  const out = [...sel, ...ops, ...notFound, ...uses];
  {
    if (x.routes.length === 0 && x.defaultService !== '') {
      const servers = serversFor(c, undefined, x.defaultService, undefined, x.path);
      const base = `be_${id(x.name)}`;
      const anyMtls = servers.some((s) => s.mtls);
      const mk = (name: string, caller?: string) => renderBackend(c, { name, policyTarget: x.defaultService, mode: 'http', servers, ...(caller ? { caller } : {}), path: x.path });
      if (anyMtls && x.fixedCaller) out.push(`default_backend ${mk(base, x.fixedCaller)}`);
      else {
        if (anyMtls) for (const caller of x.callers) out.push(`use_backend ${mk(`${base}.from.${id(caller)}`, caller)} if { ${x.sourceFetch} -m str ${caller} }`);
        out.push(`default_backend ${mk(anyMtls ? permissiveName(c, servers, base) : base)}`);
      }
    }
  }
  return out;
}

/**
 * Callers without a mesh certificate: under strict mTLS they reach the inbound listener without a
 * client certificate and the handshake fails (503); under permissive mTLS they go in plaintext
 * straight to the workloads.
 */
function permissiveName(c: Cfg, servers: TServer[], base: string): string {
  const permissive = servers.some((s) => s.mtls && c.mtlsMode(s.mtls) === 'permissive');
  if (!permissive) return base;
  const plain = `${base}.plaintext`;
  const direct = servers.flatMap((s) => {
    if (!s.mtls || c.mtlsMode(s.mtls) !== 'permissive') return [s];
    const eps = c.plan.workloads[`${s.mtls.name}/${s.version ?? 'v1'}`] ?? [];
    return eps.map((ep, i) => ({ name: `${s.name}_plain${i}`, endpoint: ep, weight: Math.max(1, Math.round(s.weight / Math.max(1, eps.length))) }));
  });
  renderBackend(c, { name: plain, policyTarget: servers[0]?.mtls?.name, mode: 'http', servers: direct, path: [] });
  return plain;
}

/** mTLS inbound listeners of a service: one per version, authorizing by the client certificate. */
function renderInbound(c: Cfg, s: TService): void {
  for (const v of versionsOf(s)) {
    const port = inboundPort(c, s, v.name);
    const lines = [
      `bind ${LOOPBACK}:${port} ssl crt ${c.cert(`${s.name}.pem`)} ca-file ${c.cert('ca.pem')} verify required`,
      'no log',
      `http-request set-header ${SOURCE_HEADER} %[ssl_c_s_dn(CN)]`,
      ...authorizationLines(c, s, 'ssl_c_s_dn(CN)', true, s.ports.map((p) => p.port)),
    ];
    const eps = c.plan.workloads[`${s.name}/${v.name}`] ?? [];
    const be = `be_in_${id(s.name)}_${id(v.name)}`;
    c.section(`backend ${be}`, eps.map((ep, i) => `server ${id(`${s.name}-${v.name}-${i}`)} ${ep.host}:${ep.port}`));
    lines.push(`default_backend ${be}`);
    c.section(`frontend in_${id(s.name)}_${id(v.name)}`, lines);
  }
}

// --- external services and gateways ------------------------------------------------------------

function renderExternal(c: Cfg, name: string, path: TPath): void {
  const port = c.listener(name, path);
  const eps = c.plan.workloads[`${name}/external`] ?? [];
  if (eps.length === 0) c.approx(`the sandbox never leaves loopback: external service ${name} answers 503 unless the plan gives it a local stand-in`, path, 'info');
  const be = `be_ext_${id(name)}`;
  c.section(`backend ${be}`, ['mode tcp', ...eps.map((ep, i) => `server ${id(`${name}-${i}`)} ${ep.host}:${ep.port}`)]);
  c.section(`frontend fe_ext_${id(name)}`, ['mode tcp', `bind ${LOOPBACK}:${port}`, 'no log', `default_backend ${be}`]);
}

function renderGateway(c: Cfg, g: TGateway, path: TPath): void {
  if (g.type === 'egress') {
    c.approx(`egress gateway ${g.name}: the sandbox keeps all traffic on loopback; external services get their own local listeners`, path, 'info');
    return;
  }
  for (const port of [...new Set(g.listeners.map((l) => l.port))]) {
    const listeners = g.listeners.filter((l) => l.port === port);
    const first = listeners[0];
    if (!first) continue;
    const li = g.listeners.indexOf(first);
    const key = `${g.name}:${port}`;
    const bindPort = c.listener(key, [...path, 'listeners', li]);
    const fe = `fe_gw_${id(g.name)}_${port}`;
    const routes = c.pattern.spec.routes.filter((r) => r.gateway === g.name && (!r.hosts?.length || listeners.some((l) => l.hosts.includes('*') || r.hosts?.some((h) => l.hosts.includes(h)))));
    const passthrough = first.tls?.mode === 'passthrough';
    const tcp = first.protocol === 'tcp' || passthrough;
    if (tcp) {
      const lines = ['mode tcp', `bind ${LOOPBACK}:${bindPort}`, ...accessLog(c, g.name, g.namespace, false)];
      if (passthrough) lines.push('tcp-request inspect-delay 5s', 'tcp-request content accept if { req.ssl_hello_type 1 }');
      routes.forEach((r) => {
        const ri = c.pattern.spec.routes.indexOf(r);
        const rule = r.rules.find((x) => x.match.length === 0) ?? r.rules[0];
        const be = renderBackend(c, { name: `be_gw_${id(g.name)}_${id(routeName(r))}`, policyTarget: r.service, mode: 'tcp', servers: serversFor(c, r, r.service, rule, ['spec', 'routes', ri]), path: ['spec', 'routes', ri] });
        const hosts = (r.hosts ?? []).filter((h) => h !== '*');
        if (passthrough && hosts.length) lines.push(`use_backend ${be} if { req.ssl_sni -i ${hosts.join(' ')} }`);
        else lines.push(`default_backend ${be}`);
      });
      c.section(`frontend ${fe}`, lines);
      continue;
    }
    let bind = `bind ${LOOPBACK}:${bindPort}`;
    const tlsListener = listeners.find((l) => l.protocol === 'https' || (l.tls && l.tls.mode !== 'passthrough'));
    if (tlsListener) {
      bind += ` ssl crt ${c.cert(`${g.name}.pem`)}`;
      if (tlsListener.tls?.mode === 'mutual') bind += ` ca-file ${c.cert('ca.pem')} verify required`;
      if (tlsListener.tls?.credentialName) c.approx(`the sandbox serves ${g.name}.pem from the plan's certDir instead of secret ${tlsListener.tls.credentialName}`, [...path, 'listeners', g.listeners.indexOf(tlsListener), 'tls'], 'info');
    }
    const lines = [bind, ...accessLog(c, g.name, g.namespace, true)];
    // The gateway's own access rules, on what the client says it is (before it speaks as the gateway).
    lines.push(...authorizationLines(c, g, `req.hdr(${SOURCE_HEADER})`, false, [port]));
    lines.push(...rateLimitLines(c, g.name, fe, 'http'));
    for (const f of c.policies('FaultInjection', g.name)) lines.push(...faultLines(c, f.p, ''));
    // The gateway is the caller of its routes' services.
    lines.push(`http-request set-header ${SOURCE_HEADER} ${g.name}`);
    const routeCond = (r: TRoute) => {
      const hosts = (r.hosts ?? []).filter((h) => h !== '*');
      return hosts.length ? `{ req.hdr(host),field(1,:) -i ${hosts.join(' ')} }` : '';
    };
    lines.push(...routingLines(c, { frontend: fe, name: `gw_${g.name}_${port}`, routes, defaultService: '', callers: [], fixedCaller: g.name, sourceFetch: `req.hdr(${SOURCE_HEADER})`, routeCond, path }));
    if (routes.length === 0) lines.push("http-request return status 404 content-type text/plain string 'no route'");
    c.section(`frontend ${fe}`, lines);
  }
}

export { listenerKeys };
