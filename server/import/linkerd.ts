/**
 * Linkerd: policy.linkerd.io HTTPRoute, Server, AuthorizationPolicy, MeshTLSAuthentication,
 * NetworkAuthentication, HTTPLocalRateLimitPolicy; linkerd.io ServiceProfile.
 */
import { HTTP_METHODS } from '../../patterns/language/index';
import { arr, isRecord, num, type ObjectScope, quantity, rec, slugify, str, strMap, toDuration, toPercentages, type TManifest, type TPath, type TRecord } from './core';
import { backendFor, mapRouteObject, type TParent } from './gateway-api';

export function mapLinkerd(scope: ObjectScope): boolean {
  switch (scope.manifest.kind) {
    case 'HTTPRoute':
    case 'GRPCRoute':
      mapRouteObject(scope, (ref) => linkerdParent(scope, ref));
      return true;
    case 'Server':
      mapServer(scope);
      return true;
    case 'AuthorizationPolicy':
      mapAuthorizationPolicy(scope);
      return true;
    case 'MeshTLSAuthentication':
    case 'NetworkAuthentication':
      if (!scope.ctx.manifests.some((m) => m.kind === 'AuthorizationPolicy' && arr(m.spec.requiredAuthenticationRefs).some((r) => str(rec(r).name) === scope.manifest.name))) {
        scope.diag('ML5003', `${scope.manifest.kind} referenced by no AuthorizationPolicy; kept under spec.overrides.linkerd`);
        scope.keepWhole = true;
      }
      return true;
    case 'HTTPLocalRateLimitPolicy':
      mapRateLimit(scope);
      return true;
    case 'ServiceProfile':
      mapServiceProfile(scope);
      return true;
    default:
      return false;
  }
}

function serverService(scope: ObjectScope, server: TManifest | undefined): string | undefined {
  if (!server) return undefined;
  const labels = strMap(rec(server.spec.podSelector).matchLabels) ?? {};
  const app = labels.app ?? labels['app.kubernetes.io/name'];
  return app ? scope.ctx.hostToService(app, scope, server.namespace)?.name : undefined;
}

function findServer(scope: ObjectScope, name: string | undefined): TManifest | undefined {
  return scope.ctx.manifests.find((m) => m.kind === 'Server' && m.apiVersion.startsWith('policy.linkerd.io') && m.name === name);
}

function linkerdParent(scope: ObjectScope, ref: TRecord): TParent {
  const kind = str(ref.kind) ?? 'Server';
  const name = str(ref.name);
  if (!name) return undefined;
  if (kind === 'Service') {
    const svc = scope.ctx.hostToService(name, scope, str(ref.namespace) ?? scope.manifest.namespace);
    return svc ? { kind: 'service', service: svc.name } : undefined;
  }
  if (kind === 'Server') {
    const svc = serverService(scope, findServer(scope, name));
    return svc ? { kind: 'service', service: svc } : undefined;
  }
  if (kind === 'Gateway') return { kind: 'gateway', gateway: slugify(name) };
  return undefined;
}

const PROXY_PROTOCOLS: Record<string, string> = { 'HTTP/1': 'http', 'HTTP/2': 'http2', gRPC: 'grpc', opaque: 'tcp' };

function mapServer(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['podSelector', 'port', 'proxyProtocol']);
  const svc = serverService(scope, scope.manifest);
  if (!svc) {
    scope.unmapped(['spec', 'podSelector'], 'only app labels select a service');
    return;
  }
  const draft = scope.ctx.referService(svc, scope);
  const port = num(spec.port);
  if (port !== undefined && !draft.ports.some((p) => p.port === port)) draft.ports.push({ port });
  else if (port === undefined && spec.port !== undefined) scope.unmapped(['spec', 'port'], 'named port');
  const proto = PROXY_PROTOCOLS[str(spec.proxyProtocol) ?? ''];
  if (proto && proto !== 'http' && !draft.protocol) draft.protocol = proto;
}

/** A Linkerd identity `sa.ns.serviceaccount.identity.linkerd.cluster.local` → service name. */
function identityService(scope: ObjectScope, id: string, path: TPath): string | undefined {
  if (id === '*') return '*';
  const m = /^([^.]+)\.([^.]+)\.serviceaccount\.identity\./.exec(id);
  if (!m) {
    scope.unmapped(path, `identity '${id}'`);
    return undefined;
  }
  return scope.ctx.serviceAccounts.get(m[1]!) ?? m[1]!;
}

function mapAuthorizationPolicy(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['targetRef', 'requiredAuthenticationRefs']);
  const ref = rec(spec.targetRef);
  const where: TRecord = {};
  const kind = str(ref.kind);
  if (kind === 'Server') {
    const svc = serverService(scope, findServer(scope, str(ref.name)));
    if (!svc) return void (scope.keepWhole = true);
    where.target = svc;
  } else if (kind === 'HTTPRoute') {
    const route = scope.ctx.manifests.find((m) => m.kind === 'HTTPRoute' && m.name === str(ref.name));
    const parent = route ? linkerdParent(scope, rec(arr(route.spec.parentRefs)[0])) : undefined;
    if (!parent || parent.kind !== 'service') return void (scope.keepWhole = true);
    where.target = parent.service;
    scope.diag('ML5006', `policy on HTTPRoute '${String(ref.name)}' applied to its service '${parent.service}' (the pattern has no per-route authorization)`, ['spec', 'targetRef']);
  } else if (kind === 'Namespace') {
    if (str(ref.name)) where.namespace = slugify(str(ref.name)!);
  } else return void (scope.keepWhole = true);
  const from: TRecord = {};
  arr(spec.requiredAuthenticationRefs).forEach((r, i) => {
    const a = rec(r);
    const p: TPath = ['spec', 'requiredAuthenticationRefs', i];
    const akind = str(a.kind);
    if (akind === 'ServiceAccount') {
      const name = str(a.name);
      if (name) from.services = [...((from.services as string[]) ?? []), scope.ctx.serviceAccounts.get(name) ?? name];
      return;
    }
    const auth = scope.ctx.manifests.find((m) => m.kind === akind && m.name === str(a.name));
    if (!auth) return scope.unmapped(p, `${akind ?? '?'} '${str(a.name) ?? '?'}' is not among the inputs`);
    if (akind === 'MeshTLSAuthentication') {
      const services = arr(auth.spec.identities).map((x, k) => identityService(scope, String(x), [...p, 'identities', k]));
      for (const ir of arr(auth.spec.identityRefs)) {
        const r2 = rec(ir);
        if (str(r2.kind) === 'ServiceAccount' && str(r2.name)) services.push(scope.ctx.serviceAccounts.get(str(r2.name)!) ?? str(r2.name));
        else if (str(r2.kind) === 'Namespace' && str(r2.name)) from.namespaces = [...((from.namespaces as string[]) ?? []), str(r2.name)!];
      }
      const list = services.filter((x): x is string => !!x);
      if (list.includes('*')) from.authenticated = true;
      else if (list.length) from.services = [...new Set([...((from.services as string[]) ?? []), ...list])];
    } else if (akind === 'NetworkAuthentication') {
      const cidrs = arr(auth.spec.networks).map((n) => str(rec(n).cidr)).filter((x): x is string => !!x);
      if (cidrs.length) from.ipBlocks = cidrs;
      if (arr(auth.spec.networks).some((n) => rec(n).except !== undefined)) scope.unmapped(p, 'network exceptions');
    } else scope.unmapped(p);
  });
  scope.ctx.addPolicy({ kind: 'Authorization', ...where, action: 'allow', rules: [Object.keys(from).length ? { from } : {}] }, scope);
}

function mapRateLimit(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['targetRef', 'total']);
  const ref = rec(spec.targetRef);
  const svc = str(ref.kind) === 'Server' ? serverService(scope, findServer(scope, str(ref.name))) : undefined;
  const rps = num(rec(spec.total).requestsPerSecond);
  if (!svc || rps === undefined) return void (scope.keepWhole = true);
  scope.ctx.addPolicy({ kind: 'RateLimit', target: svc, requests: rps, interval: '1s' }, scope);
}

function mapServiceProfile(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['routes', 'retryBudget', 'dstOverrides']);
  const svc = scope.ctx.hostToService(scope.manifest.name, scope, scope.manifest.namespace);
  if (!svc) return void (scope.keepWhole = true);
  const service = svc.name;
  if (isRecord(spec.retryBudget)) {
    const rb = spec.retryBudget;
    scope.ctx.addPolicy(
      { kind: 'RetryBudget', target: service, retryRatio: num(rb.retryRatio), minRetriesPerSecond: num(rb.minRetriesPerSecond), ttl: toDuration(rb.ttl) },
      scope,
      ['spec', 'retryBudget'],
    );
  }
  const overrides = arr(spec.dstOverrides).map((d) => rec(d));
  const percents = toPercentages(overrides.map((d) => quantity(d.weight)), 0);
  const catchAll = overrides.length
    ? overrides.map((d, i) => {
        const b = backendFor(scope, String(d.authority ?? service), service, ['spec', 'dstOverrides', i], scope.manifest.namespace);
        if (overrides.length > 1) b.weight = percents[i];
        return b;
      })
    : [{}];
  const rules: TRecord[] = [];
  arr(spec.routes).forEach((r, i) => {
    const route = rec(r);
    const p: TPath = ['spec', 'routes', i];
    scope.known(route, p, ['name', 'condition', 'isRetryable', 'timeout']);
    const cond = rec(route.condition);
    scope.known(cond, [...p, 'condition'], ['method', 'pathRegex']);
    const match: TRecord = {};
    const method = str(cond.method)?.toUpperCase();
    if (method && (HTTP_METHODS as readonly string[]).includes(method)) match.method = method;
    else if (method) scope.unmapped([...p, 'condition', 'method']);
    const re = str(cond.pathRegex);
    if (re) match.path = /^\/[A-Za-z0-9/_.-]*$/.test(re) && !re.includes('.') ? { exact: re } : { regex: re };
    const rule: TRecord = { backends: catchAll };
    if (Object.keys(match).length) rule.match = match;
    const timeout = toDuration(route.timeout);
    if (timeout) rule.timeout = timeout;
    if (route.isRetryable === true) {
      rule.retries = { attempts: 3 };
      scope.diag('ML5006', 'isRetryable: Linkerd bounds retries by the retry budget, not a count; imported as 3 attempts', [...p, 'isRetryable']);
    }
    if (rule.match || rule.timeout || rule.retries) rules.push(rule);
  });
  if (rules.length || overrides.length) {
    rules.push({ backends: catchAll });
    scope.ctx.addRoute({ service, rules }, scope);
  } else scope.ctx.referService(service, scope);
}
