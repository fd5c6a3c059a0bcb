/**
 * Kuma (kuma.io/v1alpha1) targetRef policies: MeshHTTPRoute, MeshTimeout, MeshRetry,
 * MeshCircuitBreaker, MeshRateLimit, MeshTrafficPermission, MeshHealthCheck,
 * MeshFaultInjection, MeshLoadBalancingStrategy.
 */
import { arr, clean, isRecord, num, type ObjectScope, rec, str, toDuration, toPercentages, type TPath, type TRecord } from './core';
import { backendFor, mapFilters, mapRouteMatch } from './gateway-api';

/** `reviews_kuma-demo_svc_9080` (Kuma's kuma.io/service tag) or a MeshService name → service. */
function kumaService(scope: ObjectScope, ref: TRecord): string | undefined {
  const kind = str(ref.kind);
  const name = str(ref.name);
  if (!name || (kind !== 'MeshService' && kind !== 'MeshServiceSubset')) return undefined;
  const m = /^(.+?)_([a-z0-9-]+)_svc_(\d+)$/.exec(name);
  const svc = scope.ctx.hostToService(m ? m[1]! : name, scope, m ? m[2] : scope.manifest.namespace);
  return svc?.name;
}

/** Each `to[]` entry with a MeshService target (or the top-level targetRef for `from`/`rules` kinds). */
function toEntries(scope: ObjectScope): { service: string; conf: TRecord; path: TPath; entry: TRecord }[] {
  const out: { service: string; conf: TRecord; path: TPath; entry: TRecord }[] = [];
  arr(scope.manifest.spec.to).forEach((t, i) => {
    const entry = rec(t);
    const service = kumaService(scope, rec(entry.targetRef));
    if (!service) return scope.unmapped(['spec', 'to', i, 'targetRef'], `only MeshService targets map to a service`);
    out.push({ service, conf: rec(entry.default), path: ['spec', 'to', i], entry });
  });
  return out;
}

function inbound(scope: ObjectScope): { service?: string; confs: { conf: TRecord; path: TPath; from?: TRecord }[] } {
  const { spec } = scope.manifest;
  const service = kumaService(scope, rec(spec.targetRef));
  const confs: { conf: TRecord; path: TPath; from?: TRecord }[] = [];
  arr(spec.from).forEach((f, i) => confs.push({ conf: rec(rec(f).default), path: ['spec', 'from', i, 'default'], from: rec(rec(f).targetRef) }));
  arr(spec.rules).forEach((r, i) => confs.push({ conf: rec(rec(r).default), path: ['spec', 'rules', i, 'default'] }));
  return { service, confs };
}

export function mapKuma(scope: ObjectScope): boolean {
  const { kind } = scope.manifest;
  const handlers: Record<string, (s: ObjectScope) => void> = {
    MeshHTTPRoute: mapHttpRoute,
    MeshTimeout: mapTimeout,
    MeshRetry: mapRetry,
    MeshCircuitBreaker: mapCircuitBreaker,
    MeshRateLimit: mapRateLimit,
    MeshTrafficPermission: mapTrafficPermission,
    MeshHealthCheck: mapHealthCheck,
    MeshFaultInjection: mapFaultInjection,
    MeshLoadBalancingStrategy: mapLoadBalancing,
  };
  const handler = handlers[kind];
  if (!handler) return false;
  const ref = rec(scope.manifest.spec.targetRef);
  if (isRecord(scope.manifest.spec.targetRef) && str(ref.kind) !== 'Mesh' && !kumaService(scope, ref)) scope.unmapped(['spec', 'targetRef'], 'policy applies to a subset of proxies');
  handler(scope);
  return true;
}

function mapHttpRoute(scope: ObjectScope): void {
  scope.known(scope.manifest.spec, ['spec'], ['targetRef', 'to']);
  for (const { service, path, entry } of toEntries(scope)) {
    scope.known(entry, path, ['targetRef', 'rules', 'hostnames']);
    const rules = arr(entry.rules).map((r, j) => {
      const rule = rec(r);
      const rp = [...path, 'rules', j];
      scope.known(rule, rp, ['matches', 'default']);
      const out: TRecord = {};
      const matches = arr(rule.matches).map((m, k) => mapRouteMatch(scope, rec(m), [...rp, 'matches', k]));
      if (matches.length && !matches.some((m) => Object.keys(m).length === 0)) out.match = matches;
      const def = rec(rule.default);
      scope.known(def, [...rp, 'default'], ['backendRefs', 'filters']);
      const refs = arr(def.backendRefs).map((b) => rec(b));
      const percents = refs.length > 1 ? toPercentages(refs.map((b) => num(b.weight)), 1) : [];
      out.backends = refs.length
        ? refs.map((b, k) => {
            const bp = [...rp, 'default', 'backendRefs', k];
            const m = /^(.+?)_([a-z0-9-]+)_svc_(\d+)$/.exec(str(b.name) ?? '');
            const backend = backendFor(scope, m ? m[1]! : (str(b.name) ?? service), service, bp);
            const version = str(rec(b.tags).version);
            if (version) {
              backend.version = version;
              const draft = scope.ctx.referService(String(backend.service ?? service), scope);
              if (!draft.versions.has(version)) scope.ctx.addVersion(draft, version);
            }
            if (num(b.port) !== undefined) backend.port = num(b.port);
            if (percents.length) backend.weight = percents[k];
            return backend;
          })
        : [{}];
      mapFilters(scope, def.filters, [...rp, 'default', 'filters'], out, service, matches);
      return out;
    });
    if (rules.length) scope.ctx.addRoute({ service, rules }, scope);
  }
}

function mapTimeout(scope: ObjectScope): void {
  for (const { service, conf, path } of toEntries(scope)) {
    const http = rec(conf.http);
    scope.known(conf, [...path, 'default'], ['connectionTimeout', 'idleTimeout', 'http']);
    scope.known(http, [...path, 'default', 'http'], ['requestTimeout']);
    scope.ctx.addPolicy(clean({ kind: 'Timeout', target: service, connect: toDuration(conf.connectionTimeout), idle: toDuration(conf.idleTimeout), request: toDuration(http.requestTimeout) }), scope, [...path, 'default']);
  }
}

const KUMA_RETRY_ON: Record<string, string> = {
  '5XX': '5xx',
  GatewayError: 'gateway-error',
  Reset: 'reset',
  ConnectFailure: 'connect-failure',
  Retriable4xx: 'retriable-4xx',
  RefusedStream: 'refused-stream',
  RetriableStatusCodes: 'retriable-status-codes',
  Canceled: 'cancelled',
  DeadlineExceeded: 'deadline-exceeded',
  Unavailable: 'unavailable',
  ResourceExhausted: 'resource-exhausted',
};

function mapRetry(scope: ObjectScope): void {
  for (const { service, conf, path } of toEntries(scope)) {
    const http = rec(conf.http);
    const hp = [...path, 'default', 'http'];
    scope.known(conf, [...path, 'default'], ['http']);
    scope.known(http, hp, ['numRetries', 'perTryTimeout', 'backOff', 'retryOn']);
    const policy: TRecord = { kind: 'Retry', target: service, attempts: num(http.numRetries) ?? 1, perTryTimeout: toDuration(http.perTryTimeout) };
    const bo = rec(http.backOff);
    if (toDuration(bo.baseInterval)) policy.backoff = clean({ base: toDuration(bo.baseInterval), max: toDuration(bo.maxInterval) });
    const on: string[] = [];
    const codes: number[] = [];
    arr(http.retryOn).forEach((x, k) => {
      const v = String(x);
      if (/^\d{3}$/.test(v)) codes.push(Number(v));
      else if (KUMA_RETRY_ON[v]) on.push(KUMA_RETRY_ON[v]!);
      else scope.unmapped([...hp, 'retryOn', k]);
    });
    if (codes.length) {
      on.push('retriable-status-codes');
      policy.statusCodes = codes;
    }
    if (on.length) policy.on = [...new Set(on)];
    scope.ctx.addPolicy(clean(policy), scope, [...path, 'default']);
  }
}

function mapCircuitBreaker(scope: ObjectScope): void {
  for (const { service, conf, path } of toEntries(scope)) {
    const dp = [...path, 'default'];
    scope.known(conf, dp, ['connectionLimits', 'outlierDetection']);
    if (isRecord(conf.connectionLimits)) {
      const l = conf.connectionLimits;
      scope.known(l, [...dp, 'connectionLimits'], ['maxConnections', 'maxPendingRequests', 'maxRequests']);
      scope.ctx.addPolicy(clean({ kind: 'ConnectionLimits', target: service, maxConnections: num(l.maxConnections), maxPendingRequests: num(l.maxPendingRequests), maxRequests: num(l.maxRequests) }), scope, [...dp, 'connectionLimits']);
    }
    if (isRecord(conf.outlierDetection)) {
      const od = conf.outlierDetection;
      const op = [...dp, 'outlierDetection'];
      scope.known(od, op, ['disabled', 'interval', 'baseEjectionTime', 'maxEjectionPercent', 'detectors']);
      if (od.disabled === true) continue;
      const det = rec(od.detectors);
      scope.known(det, [...op, 'detectors'], ['totalFailures', 'gatewayFailures']);
      scope.ctx.addPolicy(
        clean({
          kind: 'CircuitBreaker',
          target: service,
          consecutiveErrors: num(rec(det.totalFailures).consecutive),
          consecutiveGatewayErrors: num(rec(det.gatewayFailures).consecutive),
          interval: toDuration(od.interval),
          ejectionTime: toDuration(od.baseEjectionTime),
          maxEjectionPercent: num(od.maxEjectionPercent),
        }),
        scope,
        op,
      );
    }
  }
}

function mapRateLimit(scope: ObjectScope): void {
  const { service, confs } = inbound(scope);
  if (!service) return void (scope.keepWhole = true);
  for (const { conf, path } of confs) {
    const http = rec(rec(conf.local).http);
    const rate = rec(http.requestRate);
    scope.known(conf, path, ['local']);
    scope.known(rec(conf.local), [...path, 'local'], ['http']);
    scope.known(http, [...path, 'local', 'http'], ['requestRate', 'onRateLimit']);
    const requests = num(rate.num);
    if (requests === undefined) continue;
    scope.ctx.addPolicy(clean({ kind: 'RateLimit', target: service, requests, interval: toDuration(rate.interval), status: num(rec(http.onRateLimit).status) }), scope, path);
  }
}

function mapTrafficPermission(scope: ObjectScope): void {
  const { service, confs } = inbound(scope);
  const target = service ? { target: service } : {};
  const byAction: Record<'allow' | 'deny', TRecord[]> = { allow: [], deny: [] };
  for (const { conf, path, from } of confs) {
    if (!from) {
      scope.unmapped(path.slice(0, -1));
      continue;
    }
    const action = str(conf.action);
    const fromKind = str(from.kind);
    const src: TRecord =
      fromKind === 'Mesh' ? { services: ['*'] } : fromKind === 'MeshService' && kumaService(scope, from) ? { services: [kumaService(scope, from)] } : {};
    if (!Object.keys(src).length) {
      scope.unmapped(path.slice(0, -1), `source ${fromKind ?? '?'}`);
      continue;
    }
    if (action === 'Allow') byAction.allow.push({ from: src });
    else if (action === 'Deny') byAction.deny.push({ from: src });
    else scope.unmapped([...path, 'action'], `action ${action ?? '?'}`);
  }
  for (const action of ['allow', 'deny'] as const)
    if (byAction[action].length) scope.ctx.addPolicy({ kind: 'Authorization', ...target, action, rules: byAction[action] }, scope);
}

function mapHealthCheck(scope: ObjectScope): void {
  for (const { service, conf, path } of toEntries(scope)) {
    const dp = [...path, 'default'];
    scope.known(conf, dp, ['interval', 'timeout', 'unhealthyThreshold', 'healthyThreshold', 'http']);
    const http = rec(conf.http);
    scope.known(http, [...dp, 'http'], ['path', 'expectedStatuses']);
    const active = clean({
      path: str(http.path),
      interval: toDuration(conf.interval),
      timeout: toDuration(conf.timeout),
      healthyThreshold: num(conf.healthyThreshold),
      unhealthyThreshold: num(conf.unhealthyThreshold),
      expectedStatuses: Array.isArray(http.expectedStatuses) ? http.expectedStatuses.map(Number) : undefined,
    });
    scope.ctx.addPolicy({ kind: 'HealthCheck', target: service, active }, scope, dp);
  }
}

function pct(v: unknown): number | undefined {
  return num(typeof v === 'string' ? v.replace(/%$/, '') : v);
}

function mapFaultInjection(scope: ObjectScope): void {
  const { service, confs } = inbound(scope);
  const entries = service ? confs.map((c) => ({ ...c, service })) : toEntries(scope).map((t) => ({ conf: t.conf, path: [...t.path, 'default'], service: t.service }));
  if (!entries.length) return void (scope.keepWhole = true);
  for (const { conf, path, service: target } of entries) {
    scope.known(conf, path, ['http']);
    arr(conf.http).forEach((h, i) => {
      const f = rec(h);
      const fp = [...path, 'http', i];
      scope.known(f, fp, ['abort', 'delay']);
      const abort = isRecord(f.abort) && num(f.abort.httpStatus) !== undefined ? { httpStatus: num(f.abort.httpStatus), percentage: pct(f.abort.percentage) ?? 100 } : undefined;
      const delay = isRecord(f.delay) && toDuration(f.delay.value) ? { fixedDelay: toDuration(f.delay.value), percentage: pct(f.delay.percentage) ?? 100 } : undefined;
      if (abort || delay) scope.ctx.addPolicy(clean({ kind: 'FaultInjection', target, abort, delay }), scope, fp);
    });
  }
}

const KUMA_LB: Record<string, string> = { RoundRobin: 'round-robin', LeastRequest: 'least-request', Random: 'random', RingHash: 'ring-hash', Maglev: 'maglev' };

function mapLoadBalancing(scope: ObjectScope): void {
  for (const { service, conf, path } of toEntries(scope)) {
    const dp = [...path, 'default'];
    scope.known(conf, dp, ['loadBalancer']);
    const lb = rec(conf.loadBalancer);
    const type = str(lb.type) ?? 'RoundRobin';
    if (!KUMA_LB[type]) {
      scope.unmapped([...dp, 'loadBalancer', 'type']);
      continue;
    }
    const policy: TRecord = { kind: 'LoadBalancing', target: service, algorithm: KUMA_LB[type] };
    const hashKey = type === 'RingHash' ? 'ringHash' : type === 'Maglev' ? 'maglev' : undefined;
    if (hashKey) {
      const hp = rec(arr(rec(lb[hashKey]).hashPolicies)[0]);
      const htype = str(hp.type);
      if (htype === 'Header' && str(rec(hp.header).name)) policy.sessionAffinity = { header: str(rec(hp.header).name) };
      else if (htype === 'Cookie' && str(rec(hp.cookie).name)) policy.sessionAffinity = { cookie: clean({ name: str(rec(hp.cookie).name)!, ttl: toDuration(rec(hp.cookie).ttl), path: str(rec(hp.cookie).path) }) };
      else if (htype === 'SourceIP') policy.sessionAffinity = { sourceIp: true };
      else if (htype === 'QueryParameter' && str(rec(hp.queryParameter).name)) policy.sessionAffinity = { queryParameter: str(rec(hp.queryParameter).name) };
    }
    scope.known(lb, [...dp, 'loadBalancer'], ['type', 'ringHash', 'maglev']);
    scope.ctx.addPolicy(policy, scope, dp);
  }
}
