/**
 * Consul config entries as CRDs (consul.hashicorp.com): ServiceRouter, ServiceSplitter,
 * ServiceResolver, ServiceDefaults, ServiceIntentions, ProxyDefaults.
 */
import { HTTP_METHODS } from '../../patterns/language/index';
import { arr, clean, isRecord, num, type ObjectScope, rec, slugify, str, toDuration, toPercentages, type TManifest, type TPath, type TRecord } from './core';
import { retryOn } from './istio';

export function mapConsul(scope: ObjectScope): boolean {
  switch (scope.manifest.kind) {
    case 'ServiceRouter':
      mapRouter(scope);
      return true;
    case 'ServiceSplitter':
      // a splitter with a router becomes the router's catch-all rule
      if (!scope.ctx.manifests.some((m) => m.kind === 'ServiceRouter' && m.name === scope.manifest.name)) {
        const service = slugify(scope.manifest.name);
        scope.ctx.referService(service, scope);
        scope.ctx.addRoute({ service, rules: [{ backends: splitBackends(scope, scope.manifest, service) }] }, scope);
      }
      return true;
    case 'ServiceResolver':
      mapResolver(scope);
      return true;
    case 'ServiceDefaults':
      mapDefaults(scope);
      return true;
    case 'ServiceIntentions':
      mapIntentions(scope);
      return true;
    case 'ProxyDefaults':
      mapProxyDefaults(scope);
      return true;
    default:
      return false;
  }
}

function splitBackends(scope: ObjectScope, splitter: TManifest, service: string): TRecord[] {
  const splits = arr(splitter.spec.splits).map((s) => rec(s));
  const percents = toPercentages(splits.map((s) => num(s.weight)), 0);
  const out = splits.map((s, i) => {
    const b: TRecord = {};
    const svc = str(s.service);
    if (svc && slugify(svc) !== service) {
      b.service = slugify(svc);
      scope.ctx.referService(b.service as string, scope);
    }
    if (str(s.serviceSubset)) b.version = str(s.serviceSubset);
    if (splits.length > 1) b.weight = percents[i];
    return b;
  });
  return out.length ? out : [{}];
}

function mapRouter(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['routes']);
  const service = slugify(scope.manifest.name);
  scope.ctx.referService(service, scope);
  const splitter = scope.ctx.manifests.find((m) => m.kind === 'ServiceSplitter' && m.name === scope.manifest.name);
  const rules = arr(spec.routes).map((r, i) => {
    const route = rec(r);
    const p: TPath = ['spec', 'routes', i];
    scope.known(route, p, ['match', 'destination']);
    const http = rec(rec(route.match).http);
    const hp = [...p, 'match', 'http'];
    scope.known(http, hp, ['pathExact', 'pathPrefix', 'pathRegex', 'methods', 'header', 'queryParam']);
    const match: TRecord = {};
    if (str(http.pathExact)) match.path = { exact: str(http.pathExact) };
    else if (str(http.pathPrefix)) match.path = str(http.pathPrefix)!.startsWith('/') ? str(http.pathPrefix) : { prefix: str(http.pathPrefix) };
    else if (str(http.pathRegex)) match.path = { regex: str(http.pathRegex) };
    const methods = arr(http.methods).map((x) => String(x).toUpperCase());
    if (methods.length && methods.every((x) => (HTTP_METHODS as readonly string[]).includes(x))) match.method = methods.length === 1 ? methods[0] : methods;
    else if (methods.length) scope.unmapped([...hp, 'methods']);
    for (const [key, to] of [
      ['header', 'headers'],
      ['queryParam', 'query'],
    ] as const) {
      const map: TRecord = {};
      arr(http[key]).forEach((h, j) => {
        const hm = rec(h);
        const name = str(hm.name);
        if (!name || hm.invert === true) return scope.unmapped([...hp, key, j]);
        if (hm.present === true) map[name] = { present: true };
        else if (str(hm.exact) !== undefined) map[name] = str(hm.exact);
        else if (str(hm.prefix) !== undefined) map[name] = { prefix: str(hm.prefix) };
        else if (str(hm.regex) !== undefined) map[name] = { regex: str(hm.regex) };
        else scope.unmapped([...hp, key, j]);
      });
      if (Object.keys(map).length) match[to] = map;
    }
    const d = rec(route.destination);
    const dp = [...p, 'destination'];
    scope.known(d, dp, ['service', 'serviceSubset', 'prefixRewrite', 'requestTimeout', 'numRetries', 'retryOnConnectFailure', 'retryOnStatusCodes', 'retryOn', 'requestHeaders', 'responseHeaders']);
    const backend: TRecord = {};
    if (str(d.service) && slugify(str(d.service)!) !== service) {
      backend.service = slugify(str(d.service)!);
      scope.ctx.referService(backend.service as string, scope);
    }
    if (str(d.serviceSubset)) backend.version = str(d.serviceSubset);
    const rule: TRecord = { backends: [backend] };
    if (Object.keys(match).length) rule.match = match;
    if (str(d.prefixRewrite)) rule.rewrite = { prefix: str(d.prefixRewrite) };
    const timeout = toDuration(d.requestTimeout);
    if (timeout) rule.timeout = timeout;
    const attempts = num(d.numRetries);
    if (attempts !== undefined) {
      const retries: TRecord = { attempts };
      const on: string[] = [];
      const codes = arr(d.retryOnStatusCodes).map(Number);
      if (d.retryOnConnectFailure === true) on.push('connect-failure');
      if (Array.isArray(d.retryOn)) on.push(...retryOn(scope, d.retryOn.join(','), [...dp, 'retryOn']).on);
      if (codes.length) {
        on.push('retriable-status-codes');
        retries.statusCodes = codes;
      }
      if (on.length) retries.on = [...new Set(on)];
      rule.retries = retries;
    }
    const headers: TRecord = {};
    for (const [k, dir] of [
      ['requestHeaders', 'request'],
      ['responseHeaders', 'response'],
    ] as const) {
      const h = rec(d[k]);
      const ops = clean({ set: isRecord(h.set) ? (h.set as Record<string, string>) : undefined, add: isRecord(h.add) ? (h.add as Record<string, string>) : undefined, remove: Array.isArray(h.remove) ? h.remove.map(String) : undefined });
      if (Object.keys(ops).length) headers[dir] = ops;
    }
    if (Object.keys(headers).length) rule.headers = headers;
    return rule;
  });
  rules.push({ backends: splitter ? splitBackends(scope, splitter, service) : [{}] });
  scope.ctx.addRoute({ service, rules }, scope);
}

/** `Service.Meta.version == v1` → {version: v1}. */
function filterLabels(filter: string): Record<string, string> | undefined {
  const m = /^\s*Service\.Meta\.([A-Za-z0-9_.-]+)\s*==\s*"?([A-Za-z0-9_.-]+)"?\s*$/.exec(filter);
  return m ? { [m[1]!]: m[2]! } : undefined;
}

const CONSUL_LB: Record<string, string> = { round_robin: 'round-robin', least_request: 'least-request', random: 'random', ring_hash: 'ring-hash', maglev: 'maglev' };

function mapResolver(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['subsets', 'loadBalancer', 'connectTimeout', 'requestTimeout']);
  const service = slugify(scope.manifest.name);
  const draft = scope.ctx.referService(service, scope);
  for (const [name, s] of Object.entries(rec(spec.subsets))) {
    const sub = rec(s);
    scope.known(sub, ['spec', 'subsets', name], ['filter', 'onlyPassing']);
    const labels = filterLabels(str(sub.filter) ?? '');
    if (!labels && sub.filter !== undefined) scope.unmapped(['spec', 'subsets', name, 'filter'], 'only Service.Meta.<key> == <value> filters map to labels');
    scope.ctx.addVersion(draft, slugify(name), { labels });
  }
  if (isRecord(spec.loadBalancer)) {
    const lb = spec.loadBalancer;
    scope.known(lb, ['spec', 'loadBalancer'], ['policy', 'hashPolicies', 'ringHashConfig', 'leastRequestConfig']);
    const policy: TRecord = { kind: 'LoadBalancing', target: service };
    if (str(lb.policy) && CONSUL_LB[str(lb.policy)!]) policy.algorithm = CONSUL_LB[str(lb.policy)!];
    const hp = rec(arr(lb.hashPolicies)[0]);
    if (str(hp.field) === 'header' && str(hp.fieldValue)) policy.sessionAffinity = { header: str(hp.fieldValue) };
    else if (str(hp.field) === 'cookie' && str(hp.fieldValue))
      policy.sessionAffinity = { cookie: clean({ name: str(hp.fieldValue)!, ttl: toDuration(rec(hp.cookieConfig).ttl), path: str(rec(hp.cookieConfig).path) }) };
    else if (str(hp.field) === 'query_parameter' && str(hp.fieldValue)) policy.sessionAffinity = { queryParameter: str(hp.fieldValue) };
    else if (hp.sourceIP === true) policy.sessionAffinity = { sourceIp: true };
    if (arr(lb.hashPolicies).length > 1) scope.unmapped(['spec', 'loadBalancer', 'hashPolicies'], 'more than one hash policy');
    scope.ctx.addPolicy(policy, scope, ['spec', 'loadBalancer']);
  }
  const connect = toDuration(spec.connectTimeout);
  const request = toDuration(spec.requestTimeout);
  if (connect || request) scope.ctx.addPolicy(clean({ kind: 'Timeout', target: service, connect, request }), scope, ['spec']);
}

function mapDefaults(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['protocol', 'mutualTLSMode', 'rateLimits', 'upstreamConfig']);
  const service = slugify(scope.manifest.name);
  const draft = scope.ctx.declareService(service, scope.manifest.namespace);
  const proto = str(spec.protocol);
  if (proto === 'http2' || proto === 'grpc' || proto === 'tcp') draft.protocol = proto;
  const mtls = str(spec.mutualTLSMode)?.toLowerCase();
  if (mtls === 'strict' || mtls === 'permissive') scope.ctx.addPolicy({ kind: 'MutualTLS', target: service, mode: mtls }, scope, ['spec', 'mutualTLSMode']);
  const il = rec(rec(spec.rateLimits).instanceLevel);
  if (num(il.requestsPerSecond) !== undefined) {
    scope.known(rec(spec.rateLimits), ['spec', 'rateLimits'], ['instanceLevel']);
    scope.known(il, ['spec', 'rateLimits', 'instanceLevel'], ['requestsPerSecond', 'requestsMaxBurst']);
    scope.ctx.addPolicy(clean({ kind: 'RateLimit', target: service, requests: Math.max(1, Math.round(num(il.requestsPerSecond)!)), burst: num(il.requestsMaxBurst) }), scope, ['spec', 'rateLimits']);
  }
  const up = rec(spec.upstreamConfig);
  scope.known(up, ['spec', 'upstreamConfig'], ['overrides']);
  arr(up.overrides).forEach((o, i) => {
    const ov = rec(o);
    const p: TPath = ['spec', 'upstreamConfig', 'overrides', i];
    scope.known(ov, p, ['name', 'limits', 'passiveHealthCheck', 'connectTimeoutMs']);
    const target = str(ov.name) ? slugify(str(ov.name)!) : undefined;
    if (!target) return scope.unmapped(p);
    scope.ctx.referService(target, scope);
    const l = rec(ov.limits);
    const limits = clean({ kind: 'ConnectionLimits', target, maxConnections: num(l.maxConnections), maxPendingRequests: num(l.maxPendingRequests), maxRequests: num(l.maxConcurrentRequests), connectTimeout: num(ov.connectTimeoutMs) !== undefined ? `${num(ov.connectTimeoutMs)}ms` : undefined });
    if (Object.keys(limits).length > 2) scope.ctx.addPolicy(limits, scope, p);
    if (isRecord(ov.passiveHealthCheck)) {
      const ph = ov.passiveHealthCheck;
      scope.ctx.addPolicy(clean({ kind: 'CircuitBreaker', target, consecutiveErrors: num(ph.maxFailures), interval: toDuration(ph.interval), ejectionTime: toDuration(ph.baseEjectionTime), maxEjectionPercent: num(ph.maxEjectionPercent) }), scope, [...p, 'passiveHealthCheck']);
    }
  });
}

function mapIntentions(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['destination', 'sources']);
  const destName = str(rec(spec.destination).name);
  if (!destName) return void (scope.keepWhole = true);
  const where: TRecord = destName === '*' ? {} : { target: slugify(destName) };
  if (where.target) scope.ctx.referService(where.target as string, scope);
  const byAction: Record<'allow' | 'deny', TRecord[]> = { allow: [], deny: [] };
  arr(spec.sources).forEach((s, i) => {
    const src = rec(s);
    const p: TPath = ['spec', 'sources', i];
    scope.known(src, p, ['name', 'namespace', 'action', 'permissions', 'description']);
    const name = str(src.name) ?? '*';
    const from: TRecord = { services: [name === '*' ? '*' : slugify(name)] };
    if (str(src.namespace) && str(src.namespace) !== 'default' && str(src.namespace) !== '*') from.namespaces = [str(src.namespace)];
    const action = str(src.action);
    if (action === 'allow' || action === 'deny') byAction[action].push({ from });
    arr(src.permissions).forEach((pm, j) => {
      const perm = rec(pm);
      const pp = [...p, 'permissions', j];
      const http = rec(perm.http);
      scope.known(http, [...pp, 'http'], ['pathExact', 'pathPrefix', 'methods']);
      const to: TRecord = {};
      if (str(http.pathExact)) to.paths = [str(http.pathExact)];
      else if (str(http.pathPrefix)) to.paths = [`${str(http.pathPrefix)!.replace(/\/?$/, '/')}*`];
      const methods = arr(http.methods).map((x) => String(x).toUpperCase());
      if (methods.length) to.methods = methods;
      const pa = str(perm.action);
      if (pa === 'allow' || pa === 'deny') byAction[pa].push(Object.keys(to).length ? { from, to } : { from });
    });
  });
  for (const action of ['allow', 'deny'] as const)
    if (byAction[action].length) scope.ctx.addPolicy({ kind: 'Authorization', ...where, action, rules: byAction[action] }, scope);
}

function mapProxyDefaults(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['accessLogs']);
  const al = rec(spec.accessLogs);
  if (al.enabled === true) {
    scope.known(al, ['spec', 'accessLogs'], ['enabled', 'type', 'jsonFormat', 'textFormat', 'path']);
    scope.ctx.addPolicy(clean({ kind: 'AccessLog', format: al.jsonFormat !== undefined ? 'json' : undefined, path: str(al.path) }), scope, ['spec', 'accessLogs']);
  } else if (spec.accessLogs !== undefined) scope.unmapped(['spec', 'accessLogs']);
}
