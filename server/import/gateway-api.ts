/**
 * Gateway API (gateway.networking.k8s.io) HTTPRoute, GRPCRoute and Gateway → routes and
 * gateways. A route whose parentRef is a Service is a GAMMA (mesh) route; one whose parentRef
 * is a Gateway is a gateway route. The rule mapper is shared with Linkerd and Kuma routes.
 */
import { HTTP_METHODS } from '../../patterns/language/index';
import { arr, clean, isName, isRecord, num, type ObjectScope, rec, slugify, str, toDuration, toPercentages, type TPath, type TRecord } from './core';

/** Maps one Gateway API object; false when the kind has no mapping. */
export function mapGatewayApi(scope: ObjectScope): boolean {
  switch (scope.manifest.kind) {
    case 'HTTPRoute':
    case 'GRPCRoute':
      mapRouteObject(scope, (ref) => gatewayApiParent(scope, ref));
      return true;
    case 'Gateway':
      mapGatewayApiGateway(scope);
      return true;
    default:
      return false;
  }
}

export type TParent = { kind: 'service'; service: string } | { kind: 'gateway'; gateway: string } | undefined;

function gatewayApiParent(scope: ObjectScope, ref: TRecord): TParent {
  const kind = str(ref.kind) ?? 'Gateway';
  const name = str(ref.name);
  if (!name) return undefined;
  if (kind === 'Service') {
    const svc = scope.ctx.hostToService(name, scope, str(ref.namespace) ?? scope.manifest.namespace);
    return svc ? { kind: 'service', service: svc.name } : undefined;
  }
  if (kind === 'Gateway') return { kind: 'gateway', gateway: slugify(name) };
  return undefined;
}

/**
 * A backend named `<apex>-<version>` (`reviews-v2`) is read as a version of the apex service;
 * any other name is another service.
 */
export function backendFor(scope: ObjectScope, name: string, apex: string, path: TPath, namespace?: string): TRecord {
  const svc = scope.ctx.hostToService(name, undefined, namespace);
  if (!svc) return {};
  if (svc.name === apex) return {};
  if (svc.name.startsWith(`${apex}-`)) {
    const version = svc.name.slice(apex.length + 1);
    if (isName(version) && (/^v\d+/.test(version) || version.length <= 20)) {
      const draft = scope.ctx.referService(apex, scope);
      if (!draft.versions.has(version)) scope.ctx.addVersion(draft, version);
      scope.diag('ML5006', `backend '${svc.name}' read as version '${version}' of '${apex}' (its name is <service>-<version>)`, path);
      return { version };
    }
  }
  if (!svc.external) scope.ctx.referService(svc.name, scope, svc.namespace);
  return { service: svc.name };
}

/** Maps HTTPRoute/GRPCRoute-shaped objects (also Linkerd's policy.linkerd.io HTTPRoute). */
export function mapRouteObject(scope: ObjectScope, parentOf: (ref: TRecord) => TParent): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['parentRefs', 'hostnames', 'rules']);
  const grpc = scope.manifest.kind === 'GRPCRoute';
  const parents = arr(spec.parentRefs).map((r, i) => ({ parent: parentOf(rec(r)), i }));
  if (parents.length === 0 || parents.every((p) => !p.parent)) {
    scope.diag('ML5004', 'no parentRef names a Service or Gateway', ['spec', 'parentRefs']);
    scope.keepWhole = true;
    return;
  }
  const rules = arr(spec.rules).map((r) => rec(r));
  const firstBackend = str(rec(arr(rules[0]?.backendRefs)[0]).name);
  for (const { parent, i } of parents) {
    if (!parent) {
      scope.unmapped(['spec', 'parentRefs', i], 'parent kind');
      continue;
    }
    const service =
      parent.kind === 'service' ? parent.service : firstBackend ? scope.ctx.hostToService(firstBackend, scope, scope.manifest.namespace)?.name : undefined;
    if (!service) {
      scope.diag('ML5004', 'a gateway route without backends has no service', ['spec', 'rules']);
      scope.keepWhole = true;
      return;
    }
    if (grpc) {
      const draft = scope.ctx.referService(service, scope);
      if (!draft.protocol) draft.protocol = 'grpc';
    }
    const route: TRecord = {
      service,
      rules: rules.length ? rules.map((r, j) => mapRouteRule(scope, r, ['spec', 'rules', j], service, grpc)) : [{ backends: [{}] }],
    };
    if (parent.kind === 'gateway') {
      route.gateway = parent.gateway;
      if (Array.isArray(spec.hostnames) && spec.hostnames.length) route.hosts = spec.hostnames.map(String);
    }
    if (!scope.ctx.addRoute(route, scope)) return;
  }
}

const MATCH_TYPES: Record<string, 'exact' | 'prefix' | 'regex' | 'present'> = {
  Exact: 'exact',
  PathPrefix: 'prefix',
  Prefix: 'prefix',
  RegularExpression: 'regex',
  Present: 'present',
};

function stringMatches(scope: ObjectScope, list: unknown, path: TPath): TRecord | undefined {
  const out: TRecord = {};
  arr(list).forEach((x, i) => {
    const m = rec(x);
    const name = str(m.name);
    const type = MATCH_TYPES[str(m.type) ?? 'Exact'];
    if (!name || !type) return scope.unmapped([...path, i]);
    if (type === 'present') out[name] = { present: true };
    else if (type === 'exact') out[name] = str(m.value) ?? '';
    else out[name] = { [type]: str(m.value) ?? '' };
  });
  return Object.keys(out).length ? out : undefined;
}

/** One HTTPRouteMatch (Gateway API or Kuma shape) → a pattern match (`{}` matches everything). */
export function mapRouteMatch(scope: ObjectScope, m: TRecord, path: TPath, grpc = false): TRecord {
  scope.known(m, path, ['path', 'method', 'headers', 'queryParams']);
  const out: TRecord = {};
  if (isRecord(m.path)) {
    const type = MATCH_TYPES[str(m.path.type) ?? 'PathPrefix'];
    const value = str(m.path.value) ?? '/';
    if (type === 'prefix') {
      if (value !== '/') out.path = value.startsWith('/') ? value : { prefix: value };
    } else if (type === 'exact' || type === 'regex') out.path = { [type]: value };
    else scope.unmapped([...path, 'path']);
  }
  if (grpc && isRecord(m.method)) {
    const svc = str(m.method.service);
    const meth = str(m.method.method);
    if (str(m.method.type) === 'RegularExpression') scope.unmapped([...path, 'method']);
    else if (svc && meth) out.path = { exact: `/${svc}/${meth}` };
    else if (svc) out.path = `/${svc}/`;
    else if (meth) scope.unmapped([...path, 'method'], 'a method without a service');
  } else if (m.method !== undefined) {
    const meth = str(m.method)?.toUpperCase();
    if (meth && (HTTP_METHODS as readonly string[]).includes(meth)) out.method = meth;
    else scope.unmapped([...path, 'method']);
  }
  const headers = stringMatches(scope, m.headers, [...path, 'headers']);
  if (headers) out.headers = headers;
  const query = stringMatches(scope, m.queryParams, [...path, 'queryParams']);
  if (query) out.query = query;
  return out;
}

function headerOps(v: unknown): TRecord | undefined {
  const h = rec(v);
  const pairs = (list: unknown) => {
    const out: Record<string, string> = {};
    for (const x of arr(list)) {
      const n = str(rec(x).name);
      if (n) out[n] = str(rec(x).value) ?? '';
    }
    return Object.keys(out).length ? out : undefined;
  };
  const ops = clean({ set: pairs(h.set), add: pairs(h.add), remove: Array.isArray(h.remove) && h.remove.length ? h.remove.map(String) : undefined });
  return Object.keys(ops).length ? ops : undefined;
}

/** Filters of a rule (Gateway API `type: RequestRedirect` + `requestRedirect: {…}` shape, also Kuma's). */
export function mapFilters(scope: ObjectScope, filters: unknown, path: TPath, rule: TRecord, service: string, matches: TRecord[]): void {
  arr(filters).forEach((f, i) => {
    const filter = rec(f);
    const fp = [...path, i];
    const type = str(filter.type) ?? '';
    const key = type.charAt(0).toLowerCase() + type.slice(1);
    const body = rec(filter[key]);
    switch (type) {
      case 'RequestHeaderModifier':
      case 'ResponseHeaderModifier': {
        const ops = headerOps(body);
        if (ops) rule.headers = { ...rec(rule.headers), [type === 'RequestHeaderModifier' ? 'request' : 'response']: ops };
        break;
      }
      case 'RequestRedirect': {
        const r: TRecord = {};
        const scheme = str(body.scheme);
        if (scheme === 'http' || scheme === 'https') r.scheme = scheme;
        if (str(body.hostname)) r.host = str(body.hostname);
        if (num(body.port) !== undefined) r.port = num(body.port);
        const code = num(body.statusCode);
        if (code !== undefined && [301, 302, 303, 307, 308].includes(code)) r.statusCode = code;
        else if (code !== undefined) scope.unmapped([...fp, key, 'statusCode']);
        const p = rec(body.path);
        if (str(p.type) === 'ReplaceFullPath') r.path = str(p.replaceFullPath);
        else if (p.type !== undefined) scope.unmapped([...fp, key, 'path'], 'prefix redirects');
        rule.redirect = clean(r);
        break;
      }
      case 'URLRewrite': {
        const r: TRecord = {};
        if (str(body.hostname)) r.host = str(body.hostname);
        const p = rec(body.path);
        if (str(p.type) === 'ReplaceFullPath') r.path = str(p.replaceFullPath);
        else if (str(p.type) === 'ReplacePrefixMatch') {
          r.prefix = str(p.replacePrefixMatch);
          if (!matches.some((m) => m.path !== undefined)) scope.diag('ML5006', 'prefix rewrite without a path match', [...fp, key]);
        } else if (p.type !== undefined) scope.unmapped([...fp, key, 'path']);
        rule.rewrite = clean(r);
        break;
      }
      case 'RequestMirror': {
        const ref = rec(body.backendRef);
        const name = str(ref.name);
        const mirror: TRecord = name ? backendFor(scope, name, service, [...fp, key, 'backendRef'], str(ref.namespace)) : {};
        const tagsVersion = str(rec(ref.tags).version);
        if (tagsVersion) mirror.version = tagsVersion;
        const frac = rec(body.fraction);
        const pct = num(body.percent ?? body.percentage) ?? (num(frac.numerator) !== undefined ? ((num(frac.numerator) ?? 0) * 100) / (num(frac.denominator) ?? 100) : undefined);
        if (pct !== undefined) mirror.percentage = pct;
        rule.mirror = mirror;
        break;
      }
      default:
        scope.unmapped(fp, `filter ${type || '?'}`);
    }
  });
}

/** One rule of an HTTPRoute/GRPCRoute → a pattern rule. */
export function mapRouteRule(scope: ObjectScope, r: TRecord, path: TPath, service: string, grpc = false): TRecord {
  scope.known(r, path, ['name', 'matches', 'backendRefs', 'filters', 'timeouts', 'retry']);
  const rule: TRecord = {};
  if (isName(str(r.name))) rule.name = str(r.name);
  const matches = arr(r.matches).map((m, i) => mapRouteMatch(scope, rec(m), [...path, 'matches', i], grpc));
  if (matches.length && !matches.some((m) => Object.keys(m).length === 0)) rule.match = matches;
  const refs = arr(r.backendRefs).map((b) => rec(b));
  const percents = refs.length > 1 ? toPercentages(refs.map((b) => num(b.weight)), 1) : [];
  rule.backends = refs.map((b, i) => {
    const bp = [...path, 'backendRefs', i];
    scope.known(b, bp, ['name', 'port', 'weight', 'kind', 'group', 'namespace']);
    if (b.kind !== undefined && b.kind !== 'Service') scope.unmapped([...bp, 'kind']);
    const backend = backendFor(scope, str(b.name) ?? service, service, bp, str(b.namespace));
    if (num(b.port) !== undefined) backend.port = num(b.port);
    if (percents.length) backend.weight = percents[i];
    return backend;
  });
  if (refs.length === 0 && !arr(r.filters).some((f) => str(rec(f).type) === 'RequestRedirect')) rule.backends = [{}];
  mapFilters(scope, r.filters, [...path, 'filters'], rule, service, matches);
  if (isRecord(r.timeouts)) {
    scope.known(r.timeouts, [...path, 'timeouts'], ['request']);
    const t = toDuration(r.timeouts.request);
    if (t && t !== '0s') rule.timeout = t;
  }
  if (isRecord(r.retry)) {
    const rt = r.retry;
    scope.known(rt, [...path, 'retry'], ['attempts', 'backoff', 'codes']);
    const retries: TRecord = { attempts: num(rt.attempts) ?? 1 };
    const backoff = toDuration(rt.backoff);
    if (backoff) retries.backoff = { base: backoff };
    if (Array.isArray(rt.codes) && rt.codes.length) {
      retries.on = ['retriable-status-codes'];
      retries.statusCodes = rt.codes.map(Number);
    }
    rule.retries = retries;
  }
  return rule;
}

const GW_PROTOCOLS: Record<string, string> = { HTTP: 'http', HTTPS: 'https', TLS: 'tls', TCP: 'tcp', GRPC: 'grpc' };

function mapGatewayApiGateway(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['listeners']);
  const listeners = arr(spec.listeners).map((l, i) => {
    const ls = rec(l);
    const p: TPath = ['spec', 'listeners', i];
    scope.known(ls, p, ['name', 'port', 'protocol', 'hostname', 'tls']);
    const proto = str(ls.protocol)?.toUpperCase() ?? 'HTTP';
    const out: TRecord = { port: num(ls.port) ?? 80, protocol: GW_PROTOCOLS[proto] ?? 'tcp' };
    if (!GW_PROTOCOLS[proto]) scope.unmapped([...p, 'protocol'], `protocol ${proto}`);
    if (str(ls.hostname)) out.hosts = [str(ls.hostname)];
    if (isRecord(ls.tls)) {
      scope.known(ls.tls, [...p, 'tls'], ['mode', 'certificateRefs']);
      const tls: TRecord = {};
      if (str(ls.tls.mode) === 'Passthrough') tls.mode = 'passthrough';
      const cert = str(rec(arr(ls.tls.certificateRefs)[0]).name);
      if (cert) tls.credentialName = cert;
      out.tls = tls;
    }
    return out;
  });
  const gw: TRecord = { name: scope.ctx.uniqueNodeName(slugify(scope.manifest.name)) };
  if (scope.manifest.namespace && scope.manifest.namespace !== 'default' && isName(scope.manifest.namespace)) gw.namespace = scope.manifest.namespace;
  if (listeners.length) gw.listeners = listeners;
  scope.ctx.gateways.push({ item: gw, origin: scope.origin() });
}
