/**
 * Istio (networking.istio.io, security.istio.io, telemetry.istio.io; v1alpha3, v1beta1, v1
 * alike) → pattern services, gateways, external services, routes and policies.
 */
import { HTTP_METHODS, RETRY_ON } from '../../patterns/language/index';
import {
  arr,
  clean,
  isName,
  isRecord,
  num,
  type ObjectScope,
  rec,
  slugify,
  str,
  strMap,
  toDuration,
  toPercentages,
  type TPath,
  type TRecord,
} from './core';

export const ISTIO_KINDS = ['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'PeerAuthentication', 'AuthorizationPolicy', 'Telemetry'] as const;

/** Maps one Istio object; false when the kind has no mapping. */
export function mapIstio(scope: ObjectScope): boolean {
  switch (scope.manifest.kind) {
    case 'VirtualService':
      mapVirtualService(scope);
      return true;
    case 'DestinationRule':
      mapDestinationRule(scope);
      return true;
    case 'Gateway':
      mapGateway(scope);
      return true;
    case 'ServiceEntry':
      mapServiceEntry(scope);
      return true;
    case 'PeerAuthentication':
      mapPeerAuthentication(scope);
      return true;
    case 'AuthorizationPolicy':
      mapAuthorizationPolicy(scope);
      return true;
    case 'Telemetry':
      mapTelemetry(scope);
      return true;
    default:
      return false;
  }
}

/** Istio percentages: `{value: 10}` (current) or a bare number (the old `percent`). */
function percentage(o: TRecord): number | undefined {
  if (isRecord(o.percentage)) return num(o.percentage.value);
  if (o.percent !== undefined) return num(o.percent);
  return undefined;
}

/** An Istio StringMatch `{exact|prefix|regex}` → pattern string match. */
function stringMatch(scope: ObjectScope, v: unknown, path: TPath): TRecord | string | undefined {
  const m = rec(v);
  if (typeof m.exact === 'string') return m.exact;
  if (typeof m.prefix === 'string') return { prefix: m.prefix };
  if (typeof m.regex === 'string') return { regex: m.regex };
  if (Object.keys(m).length === 0) return { present: true };
  scope.unmapped(path, 'match form');
  return undefined;
}

function selectorApp(scope: ObjectScope, spec: TRecord, path: TPath, key = 'selector'): string | undefined {
  const sel = rec(spec[key]);
  const labels = strMap(sel.matchLabels) ?? {};
  const app = labels.app ?? labels['app.kubernetes.io/name'] ?? labels['service.istio.io/canonical-name'];
  const others = Object.keys(labels).filter((k) => !['app', 'app.kubernetes.io/name', 'service.istio.io/canonical-name'].includes(k));
  if (others.length) scope.unmapped([...path, key, 'matchLabels'], `only the app label selects a service`);
  if (app) return slugify(app);
  if (Object.keys(sel).length && !labels.app) scope.unmapped([...path, key]);
  return undefined;
}

function sourceService(scope: ObjectScope, labels: Record<string, string> | undefined, path: TPath): string[] | undefined {
  if (!labels) return undefined;
  const app = labels.app;
  const rest = Object.keys(labels).filter((k) => k !== 'app');
  if (!app || rest.length) {
    scope.unmapped(path, 'only sourceLabels {app: X} map to match.from');
    return undefined;
  }
  const svc = scope.ctx.hostToService(app, scope);
  return svc ? [svc.name] : undefined;
}

// ---------------------------------------------------------------------------------------------
// VirtualService

function mapVirtualService(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  const base: TPath = ['spec'];
  scope.known(spec, base, ['hosts', 'gateways', 'http']);
  if (spec.delegate !== undefined) return void (scope.keepWhole = true);
  const hosts = arr(spec.hosts).map(str).filter((h): h is string => !!h);
  const gatewayRefs = arr(spec.gateways).map(str).filter((g): g is string => !!g);
  const attachments: (string | undefined)[] = gatewayRefs.length === 0 ? [undefined] : gatewayRefs.map((g) => (g === 'mesh' ? undefined : slugify(g.split('/').pop() ?? g)));
  const http = arr(spec.http);
  if (http.length === 0) {
    if (!spec.tcp && !spec.tls) scope.diag('ML5004', 'VirtualService without http routes: nothing to map', ['spec']);
    scope.keepWhole = true;
    return;
  }
  const ns = scope.manifest.namespace;
  // the service whose traffic is steered: the host for mesh routes, the first destination for gateway routes
  const firstDest = str(rec(rec(arr(rec(http[0]).route)[0]).destination).host);
  for (const gateway of attachments) {
    const targets: string[] = [];
    if (gateway === undefined) {
      for (const h of hosts) {
        const svc = scope.ctx.hostToService(h, scope, ns);
        if (svc) targets.push(svc.name);
      }
      if (targets.length === 0 && firstDest) {
        const svc = scope.ctx.hostToService(firstDest, scope, ns);
        if (svc) targets.push(svc.name);
      }
      if (targets.length > 1) scope.diag('ML5006', `VirtualService has ${targets.length} hosts: one route per host (${targets.join(', ')})`);
    } else {
      const svc = firstDest ? scope.ctx.hostToService(firstDest, scope, ns) : undefined;
      if (svc) targets.push(svc.name);
    }
    if (targets.length === 0) {
      scope.diag('ML5004', 'no service could be derived from hosts or destinations', ['spec', 'hosts']);
      scope.keepWhole = true;
      return;
    }
    for (const service of [...new Set(targets)]) {
      const rules = http.map((r, i) => mapHttpRoute(scope, rec(r), ['spec', 'http', i], service));
      const route: TRecord = { service, rules };
      if (gateway) {
        route.gateway = gateway;
        const gwHosts = hosts.filter((h) => h !== '*');
        if (gwHosts.length) route.hosts = gwHosts;
      }
      if (!scope.ctx.addRoute(route, scope)) return;
    }
  }
}

const HTTP_ROUTE_KEYS = ['name', 'match', 'route', 'timeout', 'retries', 'fault', 'mirror', 'mirrorPercentage', 'mirror_percent', 'mirrorPercent', 'rewrite', 'redirect', 'headers'];

function mapHttpRoute(scope: ObjectScope, r: TRecord, path: TPath, service: string): TRecord {
  scope.known(r, path, HTTP_ROUTE_KEYS);
  const rule: TRecord = {};
  const name = str(r.name);
  if (name && isName(name)) rule.name = name;
  else if (name) scope.unmapped([...path, 'name'], 'not a DNS-1123 label');
  const matches = arr(r.match).map((m, i) => mapHttpMatch(scope, rec(m), [...path, 'match', i]));
  // a match whose conditions were all unmapped would match everything: then the rule is a catch-all
  if (matches.length && !matches.some((m) => Object.keys(m).length === 0)) rule.match = matches;
  // destinations
  const dests = arr(r.route).map((d) => rec(d));
  const weights = dests.map((d) => num(d.weight));
  const anyWeight = weights.some((w) => w !== undefined);
  const percents = dests.length > 1 || anyWeight ? toPercentages(weights, dests.length > 1 && !anyWeight ? 1 : 0) : [];
  if (anyWeight && weights.reduce<number>((a, b) => a + (b ?? 0), 0) !== 100 && dests.length > 1)
    scope.diag('ML5006', `weights ${weights.map((w) => w ?? 0).join('/')} do not sum to 100: scaled to ${percents.join('/')}`, [...path, 'route']);
  rule.backends = dests.map((d, i) => {
    const dp: TPath = [...path, 'route', i];
    scope.known(d, dp, ['destination', 'weight']);
    const dest = rec(d.destination);
    scope.known(dest, [...dp, 'destination'], ['host', 'subset', 'port']);
    const b: TRecord = {};
    const host = str(dest.host);
    const svc = host ? scope.ctx.hostToService(host, scope, scope.manifest.namespace) : undefined;
    if (svc && svc.name !== service) b.service = svc.name;
    const subset = str(dest.subset);
    if (subset) {
      b.version = subset;
      if (svc && !svc.external) {
        const draft = scope.ctx.referService(svc.name, scope);
        if (!draft.versions.has(subset)) {
          scope.ctx.addVersion(draft, subset);
          scope.diag('ML5005', `version '${subset}' of '${svc.name}' is only known from this route's subset`, [...dp, 'destination', 'subset']);
        }
      }
    }
    const port = num(rec(dest.port).number);
    if (port !== undefined) b.port = port;
    if (percents.length && dests.length > 1) b.weight = percents[i];
    return b;
  });
  const timeout = r.timeout !== undefined ? toDuration(r.timeout) : undefined;
  if (timeout && timeout !== '0s') rule.timeout = timeout;
  else if (r.timeout !== undefined && timeout !== '0s') scope.unmapped([...path, 'timeout'], 'not a duration');
  if (isRecord(r.retries)) {
    const retries = mapRetries(scope, r.retries, [...path, 'retries']);
    if (retries) rule.retries = retries;
  }
  if (isRecord(r.fault)) {
    const fault = mapFault(scope, r.fault, [...path, 'fault']);
    if (fault) rule.fault = fault;
  }
  if (isRecord(r.mirror)) {
    const m = r.mirror;
    scope.known(m, [...path, 'mirror'], ['host', 'subset', 'port']);
    const mirror: TRecord = {};
    const svc = str(m.host) ? scope.ctx.hostToService(str(m.host)!, scope, scope.manifest.namespace) : undefined;
    if (svc && svc.name !== service) mirror.service = svc.name;
    if (str(m.subset)) mirror.version = str(m.subset);
    const pct = isRecord(r.mirrorPercentage) ? num(r.mirrorPercentage.value) : num(r.mirror_percent ?? r.mirrorPercent);
    if (pct !== undefined) mirror.percentage = pct;
    rule.mirror = mirror;
  }
  if (isRecord(r.rewrite)) {
    const rw = r.rewrite;
    scope.known(rw, [...path, 'rewrite'], ['uri', 'authority']);
    const rewrite: TRecord = {};
    if (typeof rw.uri === 'string') {
      const allPrefix = matches.length > 0 && matches.every((m) => m.path !== undefined && (typeof m.path === 'string' || isRecord(m.path) && m.path.prefix !== undefined));
      if (allPrefix) rewrite.prefix = rw.uri;
      else rewrite.path = rw.uri;
    }
    if (typeof rw.authority === 'string') rewrite.host = rw.authority;
    if (Object.keys(rewrite).length) rule.rewrite = rewrite;
  }
  if (isRecord(r.redirect)) {
    const rd = r.redirect;
    scope.known(rd, [...path, 'redirect'], ['uri', 'authority', 'scheme', 'port', 'redirectCode']);
    const redirect: TRecord = {};
    if (typeof rd.uri === 'string') redirect.path = rd.uri;
    if (typeof rd.authority === 'string') redirect.host = rd.authority;
    const scheme = str(rd.scheme)?.toLowerCase();
    if (scheme === 'http' || scheme === 'https') redirect.scheme = scheme;
    else if (scheme) scope.unmapped([...path, 'redirect', 'scheme']);
    if (num(rd.port) !== undefined) redirect.port = num(rd.port);
    const code = num(rd.redirectCode);
    if (code !== undefined && [301, 302, 303, 307, 308].includes(code)) redirect.statusCode = code;
    else if (code !== undefined) scope.unmapped([...path, 'redirect', 'redirectCode'], `status ${code}`);
    rule.redirect = redirect;
  }
  if (isRecord(r.headers)) {
    const headers: TRecord = {};
    for (const dir of ['request', 'response'] as const) {
      const h = rec(r.headers[dir]);
      scope.known(h, [...path, 'headers', dir], ['set', 'add', 'remove']);
      const ops = clean({ set: strMap(h.set), add: strMap(h.add), remove: Array.isArray(h.remove) ? h.remove.map(String) : undefined });
      if (Object.keys(ops).length) headers[dir] = ops;
    }
    scope.known(r.headers, [...path, 'headers'], ['request', 'response']);
    if (Object.keys(headers).length) rule.headers = headers;
  }
  return rule;
}

function mapHttpMatch(scope: ObjectScope, m: TRecord, path: TPath): TRecord {
  scope.known(m, path, ['uri', 'method', 'headers', 'queryParams', 'sourceLabels', 'name']);
  const out: TRecord = {};
  if (m.uri !== undefined) {
    const u = rec(m.uri);
    if (typeof u.exact === 'string') out.path = { exact: u.exact };
    else if (typeof u.prefix === 'string') out.path = u.prefix.startsWith('/') ? u.prefix : { prefix: u.prefix };
    else if (typeof u.regex === 'string') out.path = { regex: u.regex };
    else scope.unmapped([...path, 'uri']);
  }
  if (m.method !== undefined) {
    const meth = rec(m.method);
    const e = str(meth.exact)?.toUpperCase();
    if (e && (HTTP_METHODS as readonly string[]).includes(e)) out.method = e;
    else if (typeof meth.regex === 'string' && /^[A-Z|]+$/.test(meth.regex) && meth.regex.split('|').every((x) => (HTTP_METHODS as readonly string[]).includes(x)))
      out.method = meth.regex.split('|');
    else scope.unmapped([...path, 'method']);
  }
  for (const [from, to] of [
    ['headers', 'headers'],
    ['queryParams', 'query'],
  ] as const) {
    if (!isRecord(m[from])) continue;
    const map: TRecord = {};
    for (const [k, v] of Object.entries(m[from])) {
      const sm = stringMatch(scope, v, [...path, from, k]);
      if (sm !== undefined) map[k] = sm;
    }
    if (Object.keys(map).length) out[to] = map;
  }
  if (m.sourceLabels !== undefined) {
    const from = sourceService(scope, strMap(m.sourceLabels), [...path, 'sourceLabels']);
    if (from) out.from = from;
  }
  return out;
}

const RETRY_ON_ALIASES: Record<string, string> = { 'retriable-headers': '', 'envoy-ratelimited': '', 'retriable-4xx': 'retriable-4xx' };

/** Istio/Envoy retry conditions (`5xx,connect-failure,503`) → pattern `on` + `statusCodes`. */
export function retryOn(scope: ObjectScope, text: string, path: TPath): { on: string[]; statusCodes?: number[] } {
  const on: string[] = [];
  const codes: number[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const t = raw.toLowerCase();
    if (/^\d{3}$/.test(t)) codes.push(Number(t));
    else if ((RETRY_ON as readonly string[]).includes(t)) on.push(t);
    else if (RETRY_ON_ALIASES[t]) on.push(RETRY_ON_ALIASES[t]);
    else scope.unmapped(path, `retry condition '${raw}'`);
  }
  if (codes.length && !on.includes('retriable-status-codes')) on.push('retriable-status-codes');
  return codes.length ? { on: [...new Set(on)], statusCodes: codes } : { on: [...new Set(on)] };
}

function mapRetries(scope: ObjectScope, r: TRecord, path: TPath): TRecord | undefined {
  scope.known(r, path, ['attempts', 'perTryTimeout', 'retryOn']);
  const attempts = num(r.attempts);
  if (attempts === undefined) {
    scope.unmapped(path, 'no attempts');
    return undefined;
  }
  const out: TRecord = { attempts };
  const ptt = toDuration(r.perTryTimeout);
  if (ptt) out.perTryTimeout = ptt;
  if (typeof r.retryOn === 'string') Object.assign(out, retryOn(scope, r.retryOn, [...path, 'retryOn']));
  return out;
}

function mapFault(scope: ObjectScope, f: TRecord, path: TPath): TRecord | undefined {
  scope.known(f, path, ['delay', 'abort']);
  const out: TRecord = {};
  if (isRecord(f.delay)) {
    const d = f.delay;
    scope.known(d, [...path, 'delay'], ['fixedDelay', 'percentage', 'percent']);
    const fixedDelay = toDuration(d.fixedDelay);
    if (fixedDelay) out.delay = { fixedDelay, percentage: percentage(d) ?? 100 };
    else scope.unmapped([...path, 'delay']);
  }
  if (isRecord(f.abort)) {
    const a = f.abort;
    scope.known(a, [...path, 'abort'], ['httpStatus', 'percentage', 'percent']);
    const httpStatus = num(a.httpStatus);
    if (httpStatus !== undefined) out.abort = { httpStatus, percentage: percentage(a) ?? 100 };
  }
  return Object.keys(out).length ? out : undefined;
}

// ---------------------------------------------------------------------------------------------
// DestinationRule

function mapDestinationRule(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['host', 'subsets', 'trafficPolicy']);
  const host = str(spec.host);
  const svc = host ? scope.ctx.hostToService(host, scope, scope.manifest.namespace) : undefined;
  if (!svc) {
    scope.diag('ML5004', `host '${host ?? ''}' names no service`, ['spec', 'host']);
    scope.keepWhole = true;
    return;
  }
  if (!svc.external) {
    const draft = scope.ctx.referService(svc.name, scope, svc.namespace);
    arr(spec.subsets).forEach((s, i) => {
      const sub = rec(s);
      const p: TPath = ['spec', 'subsets', i];
      scope.known(sub, p, ['name', 'labels']);
      const name = str(sub.name);
      if (!isName(name)) return scope.unmapped([...p, 'name'], 'subset name is not a DNS-1123 label');
      scope.ctx.addVersion(draft, name, { labels: strMap(sub.labels) });
    });
  } else if (arr(spec.subsets).length) scope.unmapped(['spec', 'subsets'], 'subsets of an external service');
  if (isRecord(spec.trafficPolicy)) mapTrafficPolicy(scope, spec.trafficPolicy, ['spec', 'trafficPolicy'], svc.name);
}

export function mapTrafficPolicy(scope: ObjectScope, tp: TRecord, path: TPath, target: string): void {
  scope.known(tp, path, ['connectionPool', 'outlierDetection', 'loadBalancer', 'tls']);
  if (isRecord(tp.connectionPool)) {
    const cp = tp.connectionPool;
    const tcp = rec(cp.tcp);
    const http = rec(cp.http);
    scope.known(cp, [...path, 'connectionPool'], ['tcp', 'http']);
    scope.known(tcp, [...path, 'connectionPool', 'tcp'], ['maxConnections', 'connectTimeout']);
    scope.known(http, [...path, 'connectionPool', 'http'], ['http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'idleTimeout']);
    const limits: TRecord = clean({
      kind: 'ConnectionLimits',
      target,
      maxConnections: num(tcp.maxConnections),
      connectTimeout: toDuration(tcp.connectTimeout),
      maxPendingRequests: num(http.http1MaxPendingRequests),
      maxRequests: num(http.http2MaxRequests),
      maxRequestsPerConnection: num(http.maxRequestsPerConnection),
    });
    if (Object.keys(limits).length > 2) scope.ctx.addPolicy(limits, scope, [...path, 'connectionPool']);
    const idle = toDuration(http.idleTimeout);
    if (idle) scope.ctx.addPolicy({ kind: 'Timeout', target, idle }, scope, [...path, 'connectionPool', 'http', 'idleTimeout']);
  }
  if (isRecord(tp.outlierDetection)) {
    const od = tp.outlierDetection;
    const p = [...path, 'outlierDetection'];
    scope.known(od, p, ['consecutive5xxErrors', 'consecutiveErrors', 'consecutiveGatewayErrors', 'interval', 'baseEjectionTime', 'maxEjectionPercent', 'minHealthPercent']);
    const errors = num(od.consecutive5xxErrors ?? od.consecutiveErrors);
    const cb: TRecord = clean({
      kind: 'CircuitBreaker',
      target,
      consecutiveErrors: errors !== undefined && errors >= 1 ? errors : undefined,
      consecutiveGatewayErrors: num(od.consecutiveGatewayErrors),
      interval: toDuration(od.interval),
      ejectionTime: toDuration(od.baseEjectionTime),
      maxEjectionPercent: num(od.maxEjectionPercent),
      minHealthPercent: num(od.minHealthPercent),
    });
    if (errors === 0) scope.unmapped([...p, od.consecutive5xxErrors !== undefined ? 'consecutive5xxErrors' : 'consecutiveErrors'], '0 turns 5xx ejection off');
    scope.ctx.addPolicy(cb, scope, p);
  }
  if (isRecord(tp.loadBalancer)) {
    const lb = tp.loadBalancer;
    const p = [...path, 'loadBalancer'];
    scope.known(lb, p, ['simple', 'consistentHash', 'localityLbSetting']);
    const algorithms: Record<string, string> = { ROUND_ROBIN: 'round-robin', LEAST_REQUEST: 'least-request', LEAST_CONN: 'least-request', RANDOM: 'random' };
    const policy: TRecord = { kind: 'LoadBalancing', target };
    const simple = str(lb.simple);
    if (simple && algorithms[simple]) policy.algorithm = algorithms[simple];
    else if (simple) scope.unmapped([...p, 'simple'], `algorithm ${simple}`);
    if (isRecord(lb.consistentHash)) {
      const ch = lb.consistentHash;
      const cp = [...p, 'consistentHash'];
      scope.known(ch, cp, ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName', 'ringHash', 'maglev', 'minimumRingSize']);
      policy.algorithm = isRecord(ch.maglev) ? 'maglev' : 'ring-hash';
      if (typeof ch.httpHeaderName === 'string') policy.sessionAffinity = { header: ch.httpHeaderName };
      else if (isRecord(ch.httpCookie))
        policy.sessionAffinity = { cookie: clean({ name: str(ch.httpCookie.name) ?? 'session', ttl: toDuration(ch.httpCookie.ttl), path: str(ch.httpCookie.path) }) };
      else if (ch.useSourceIp === true) policy.sessionAffinity = { sourceIp: true };
      else if (typeof ch.httpQueryParameterName === 'string') policy.sessionAffinity = { queryParameter: ch.httpQueryParameterName };
    }
    if (policy.algorithm !== undefined || policy.sessionAffinity !== undefined) scope.ctx.addPolicy(policy, scope, p);
    if (isRecord(lb.localityLbSetting)) {
      const ll = lb.localityLbSetting;
      const lp = [...p, 'localityLbSetting'];
      scope.known(ll, lp, ['failover', 'failoverPriority', 'enabled']);
      const failover = arr(ll.failover)
        .map((f) => ({ from: str(rec(f).from), to: str(rec(f).to) }))
        .filter((f): f is { from: string; to: string } => !!f.from && !!f.to);
      const lf: TRecord = { kind: 'LocalityFailover', target, failover };
      if (Array.isArray(ll.failoverPriority)) lf.failoverPriority = ll.failoverPriority.map(String);
      if (ll.enabled === false) scope.unmapped([...lp, 'enabled']);
      else scope.ctx.addPolicy(lf, scope, lp);
    }
  }
  if (isRecord(tp.tls)) {
    const mode = str(tp.tls.mode);
    if (mode === 'ISTIO_MUTUAL' && Object.keys(tp.tls).length === 1)
      scope.diag('ML5010', `tls mode ISTIO_MUTUAL: mesh mTLS to '${target}' is what every adapter sets up; add a MutualTLS policy to require it`, [...path, 'tls']);
    else scope.unmapped([...path, 'tls'], `tls mode ${mode ?? '?'}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Gateway, ServiceEntry

const LISTENER_PROTOCOLS: Record<string, string> = { HTTP: 'http', HTTPS: 'https', TLS: 'tls', TCP: 'tcp', GRPC: 'grpc', HTTP2: 'http' };
const TLS_MODES: Record<string, string> = { SIMPLE: 'terminate', PASSTHROUGH: 'passthrough', MUTUAL: 'mutual', OPTIONAL_MUTUAL: 'mutual' };

function mapGateway(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['selector', 'servers']);
  const sel = strMap(spec.selector) ?? {};
  const egress = Object.values(sel).some((v) => v.includes('egress'));
  if (Object.keys(sel).length && !Object.values(sel).some((v) => /(ingress|egress)gateway|^ingress$|^egress$/.test(v))) scope.unmapped(['spec', 'selector'], 'custom gateway workload');
  const listeners = arr(spec.servers).map((s, i) => {
    const srv = rec(s);
    const p: TPath = ['spec', 'servers', i];
    scope.known(srv, p, ['port', 'hosts', 'tls', 'name']);
    const port = rec(srv.port);
    const proto = str(port.protocol)?.toUpperCase() ?? 'HTTP';
    const listener: TRecord = { port: num(port.number) ?? 80 };
    if (LISTENER_PROTOCOLS[proto]) listener.protocol = LISTENER_PROTOCOLS[proto];
    else {
      listener.protocol = 'tcp';
      scope.unmapped([...p, 'port', 'protocol'], `protocol ${proto}`);
    }
    const hosts = arr(srv.hosts).map((h) => String(h).split('/').pop() ?? String(h));
    if (hosts.length) listener.hosts = hosts;
    if (isRecord(srv.tls)) {
      const tls = srv.tls;
      scope.known(tls, [...p, 'tls'], ['mode', 'credentialName']);
      const mode = str(tls.mode);
      if (tls.httpsRedirect !== undefined && Object.keys(tls).length === 1) {
        // httpsRedirect alone: reported by known()
      } else {
        const t: TRecord = {};
        if (mode && TLS_MODES[mode]) t.mode = TLS_MODES[mode];
        else if (mode) scope.unmapped([...p, 'tls', 'mode']);
        if (str(tls.credentialName)) t.credentialName = str(tls.credentialName);
        listener.tls = t;
      }
    }
    return listener;
  });
  const name = scope.ctx.uniqueNodeName(slugify(scope.manifest.name));
  const gw: TRecord = { name };
  if (scope.manifest.namespace && scope.manifest.namespace !== 'default' && isName(scope.manifest.namespace)) gw.namespace = scope.manifest.namespace;
  if (egress) gw.type = 'egress';
  if (listeners.length) gw.listeners = listeners;
  scope.ctx.gateways.push({ item: gw, origin: scope.origin() });
}

const SE_PROTOCOLS: Record<string, string> = { HTTP: 'http', HTTPS: 'https', TLS: 'tls', TCP: 'tcp', GRPC: 'grpc', HTTP2: 'http' };

function mapServiceEntry(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['hosts', 'ports', 'resolution', 'addresses', 'location']);
  if (str(spec.location) === 'MESH_INTERNAL') scope.unmapped(['spec', 'location']);
  const hosts = arr(spec.hosts).map(String);
  if (!hosts.length) {
    scope.keepWhole = true;
    return;
  }
  const ports = arr(spec.ports).map((p, i) => {
    const port = rec(p);
    const proto = str(port.protocol)?.toUpperCase() ?? 'TCP';
    const out: TRecord = { port: num(port.number) ?? 443, protocol: SE_PROTOCOLS[proto] ?? 'tcp' };
    if (!SE_PROTOCOLS[proto]) scope.diag('ML5006', `protocol ${proto} imported as tcp`, ['spec', 'ports', i, 'protocol']);
    if (str(port.name)) out.name = str(port.name);
    scope.known(port, ['spec', 'ports', i], ['number', 'protocol', 'name'], ['targetPort']);
    return out;
  });
  const resolution = str(spec.resolution)?.toLowerCase();
  const item: TRecord = { name: scope.ctx.uniqueNodeName(slugify(scope.manifest.name)), hosts };
  if (ports.length) item.ports = ports;
  if (resolution === 'dns' || resolution === 'static' || resolution === 'none') item.resolution = resolution;
  else if (resolution === 'dns_round_robin') item.resolution = 'dns';
  if (Array.isArray(spec.addresses)) item.addresses = spec.addresses.map(String);
  scope.ctx.externalServices.push({ item, origin: scope.origin(), hosts: hosts.map((h) => h.toLowerCase()) });
}

// ---------------------------------------------------------------------------------------------
// security and telemetry

function meshWideScope(scope: ObjectScope, spec: TRecord): TRecord {
  const target = selectorApp(scope, spec, ['spec']);
  if (target) {
    scope.ctx.referService(target, scope);
    return { target };
  }
  const ns = scope.manifest.namespace;
  if (ns && ns !== 'istio-system' && isName(ns)) return { namespace: ns };
  return {};
}

function mapPeerAuthentication(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['selector', 'mtls']);
  const mode = str(rec(spec.mtls).mode) ?? 'UNSET';
  const modes: Record<string, string> = { STRICT: 'strict', PERMISSIVE: 'permissive', DISABLE: 'disabled' };
  if (!modes[mode]) {
    scope.unmapped(['spec', 'mtls'], `mode ${mode} (inherit)`);
    return;
  }
  scope.ctx.addPolicy({ kind: 'MutualTLS', ...meshWideScope(scope, spec), mode: modes[mode] }, scope);
}

function principalToService(scope: ObjectScope, p: string, path: TPath): string | undefined {
  if (p === '*') return '*';
  const m = /^(?:[^/]+\/)?ns\/([^/]+)\/sa\/([^/]+)$/.exec(p);
  if (!m) {
    scope.unmapped(path, `principal '${p}'`);
    return undefined;
  }
  const sa = m[2]!;
  if (sa === '*') return '*';
  const svc = scope.ctx.serviceAccounts.get(sa) ?? slugify(sa);
  if (svc !== sa) scope.diag('ML5006', `service account '${sa}' is the account of service '${svc}'`, path);
  return svc;
}

function mapAuthorizationPolicy(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['selector', 'action', 'rules']);
  const action = str(spec.action) ?? 'ALLOW';
  if (action !== 'ALLOW' && action !== 'DENY') {
    scope.diag('ML5004', `action ${action} has no pattern equivalent`, ['spec', 'action']);
    scope.keepWhole = true;
    return;
  }
  const rules: TRecord[] = [];
  arr(spec.rules).forEach((r, i) => {
    const rule = rec(r);
    const p: TPath = ['spec', 'rules', i];
    scope.known(rule, p, ['from', 'to']);
    const froms = arr(rule.from).map((f, j) => {
      const src = rec(rec(f).source);
      const sp = [...p, 'from', j, 'source'];
      scope.known(src, sp, ['principals', 'namespaces', 'ipBlocks']);
      const from: TRecord = {};
      if (Array.isArray(src.principals)) {
        const all = src.principals.map(String);
        if (all.length === 1 && all[0] === '*') from.authenticated = true;
        else {
          const services = all.map((x, k) => principalToService(scope, x, [...sp, 'principals', k])).filter((x): x is string => !!x);
          if (services.length) from.services = [...new Set(services)];
        }
      }
      if (Array.isArray(src.namespaces)) from.namespaces = src.namespaces.map(String);
      if (Array.isArray(src.ipBlocks)) from.ipBlocks = src.ipBlocks.map(String);
      return from;
    });
    const tos = arr(rule.to).map((t, j) => {
      const op = rec(rec(t).operation);
      const op_p = [...p, 'to', j, 'operation'];
      scope.known(op, op_p, ['paths', 'methods', 'ports']);
      const to: TRecord = {};
      if (Array.isArray(op.paths)) {
        const paths = op.paths.map(String).filter((x, k) => {
          if (x.startsWith('/') || x === '*') return true;
          scope.unmapped([...op_p, 'paths', k], 'suffix paths');
          return false;
        });
        if (paths.length) to.paths = paths.map((x) => (x === '*' ? '/*' : x));
      }
      if (Array.isArray(op.methods)) {
        const methods = op.methods.map((x) => String(x).toUpperCase());
        if (methods.includes('*')) {
          /* any method */
        } else if (methods.every((x) => (HTTP_METHODS as readonly string[]).includes(x))) to.methods = methods;
        else scope.unmapped([...op_p, 'methods']);
      }
      if (Array.isArray(op.ports)) to.ports = op.ports.map((x) => Number(x)).filter((x) => x >= 1 && x <= 65535);
      return to;
    });
    const fromList = froms.length ? froms : [undefined];
    const toList = tos.length ? tos : [undefined];
    for (const from of fromList)
      for (const to of toList) {
        const out: TRecord = {};
        if (from && Object.keys(from).length) out.from = from;
        if (to && Object.keys(to).length) out.to = to;
        rules.push(out);
      }
    if (isRecord(rule.when) || Array.isArray(rule.when)) scope.unmapped([...p, 'when']);
  });
  if (arr(spec.rules).length === 0 && action === 'ALLOW') scope.diag('ML5010', 'ALLOW with no rules: allow-nothing (deny all)');
  scope.ctx.addPolicy({ kind: 'Authorization', ...meshWideScope(scope, spec), action: action === 'DENY' ? 'deny' : 'allow', rules }, scope);
}

const TRACING_PROVIDERS: Record<string, string> = { zipkin: 'zipkin', jaeger: 'jaeger', datadog: 'datadog', opentelemetry: 'opentelemetry', otel: 'opentelemetry' };

function mapTelemetry(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['selector', 'accessLogging', 'tracing', 'metrics']);
  const where = meshWideScope(scope, spec);
  arr(spec.accessLogging).forEach((a, i) => {
    const al = rec(a);
    const p: TPath = ['spec', 'accessLogging', i];
    scope.known(al, p, ['providers', 'filter', 'disabled']);
    if (al.disabled === true) return scope.unmapped([...p, 'disabled']);
    const filter = str(rec(al.filter).expression);
    const json = arr(al.providers).some((x) => /json/i.test(String(rec(x).name)));
    scope.ctx.addPolicy(clean({ kind: 'AccessLog', ...where, format: json ? 'json' : undefined, filter }), scope, p);
  });
  arr(spec.tracing).forEach((t, i) => {
    const tr = rec(t);
    const p: TPath = ['spec', 'tracing', i];
    scope.known(tr, p, ['providers', 'randomSamplingPercentage', 'customTags', 'disableSpanReporting']);
    const providerName = str(rec(arr(tr.providers)[0]).name)?.toLowerCase();
    const provider = providerName ? Object.entries(TRACING_PROVIDERS).find(([k]) => providerName.includes(k))?.[1] : undefined;
    if (providerName && !provider) scope.diag('ML5006', `tracing provider '${providerName}' imported as opentelemetry`, [...p, 'providers']);
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec(tr.customTags))) {
      const lit = str(rec(rec(v).literal).value);
      if (lit !== undefined) tags[k] = lit;
      else scope.unmapped([...p, 'customTags', k]);
    }
    scope.ctx.addPolicy(
      clean({ kind: 'Tracing', ...where, provider, samplingPercentage: num(tr.randomSamplingPercentage), tags: Object.keys(tags).length ? tags : undefined }),
      scope,
      p,
    );
  });
  arr(spec.metrics).forEach((m, i) => {
    const me = rec(m);
    const p: TPath = ['spec', 'metrics', i];
    scope.known(me, p, ['providers']);
    const providerName = str(rec(arr(me.providers)[0]).name)?.toLowerCase();
    scope.ctx.addPolicy(clean({ kind: 'Metrics', ...where, provider: providerName?.includes('otel') || providerName?.includes('opentelemetry') ? 'opentelemetry' : undefined }), scope, p);
  });
}
