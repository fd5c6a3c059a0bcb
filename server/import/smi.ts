/**
 * SMI (split/access/specs.smi-spec.io, any version): TrafficSplit → a weighted route;
 * TrafficTarget (+ HTTPRouteGroup, TCPRoute) → Authorization allow rules.
 */
import { HTTP_METHODS } from '../../patterns/language/index';
import { arr, type ObjectScope, quantity, rec, str, toPercentages, type TPath, type TRecord } from './core';
import { backendFor } from './gateway-api';

export function mapSmi(scope: ObjectScope): boolean {
  switch (scope.manifest.kind) {
    case 'TrafficSplit':
      mapTrafficSplit(scope);
      return true;
    case 'TrafficTarget':
      mapTrafficTarget(scope);
      return true;
    case 'HTTPRouteGroup':
    case 'TCPRoute':
      // consumed by the TrafficTargets that reference them; alone they select nothing
      if (!referencedByTarget(scope)) {
        scope.diag('ML5003', `${scope.manifest.kind} referenced by no TrafficTarget; kept under spec.overrides.smi`);
        scope.keepWhole = true;
      }
      return true;
    default:
      return false;
  }
}

function referencedByTarget(scope: ObjectScope): boolean {
  return scope.ctx.manifests.some(
    (m) => m.kind === 'TrafficTarget' && arr(m.spec.rules).some((r) => str(rec(r).kind) === scope.manifest.kind && str(rec(r).name) === scope.manifest.name),
  );
}

function mapTrafficSplit(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['service', 'backends']);
  const apexHost = str(spec.service);
  const apex = apexHost ? scope.ctx.hostToService(apexHost, scope, scope.manifest.namespace) : undefined;
  const backends = arr(spec.backends).map((b) => rec(b));
  if (!apex || backends.length === 0) {
    scope.diag('ML5004', 'TrafficSplit without a service or backends', ['spec']);
    scope.keepWhole = true;
    return;
  }
  const percents = toPercentages(backends.map((b) => quantity(b.weight)), 0);
  const out = backends.map((b, i) => {
    const bp: TPath = ['spec', 'backends', i];
    scope.known(b, bp, ['service', 'weight']);
    const backend = backendFor(scope, str(b.service) ?? apex.name, apex.name, bp, scope.manifest.namespace);
    if (backends.length > 1) backend.weight = percents[i];
    return backend;
  });
  scope.ctx.addRoute({ service: apex.name, rules: [{ backends: out }] }, scope);
}

function routeGroupTo(scope: ObjectScope, rule: TRecord, path: TPath): TRecord[] {
  const kind = str(rule.kind);
  const name = str(rule.name);
  const group = scope.ctx.manifests.find((m) => m.kind === kind && m.name === name);
  if (!group) {
    scope.unmapped(path, `${kind ?? '?'} '${name ?? '?'}' is not among the inputs`);
    return [];
  }
  if (kind === 'TCPRoute') {
    const ports = arr(rec(group.spec.matches).ports).map(Number).filter((p) => p >= 1 && p <= 65535);
    return [ports.length ? { ports } : {}];
  }
  const wanted = Array.isArray(rule.matches) ? rule.matches.map(String) : undefined;
  const out: TRecord[] = [];
  arr(group.spec.matches).forEach((m) => {
    const match = rec(m);
    if (wanted && !wanted.includes(String(match.name))) return;
    const to: TRecord = {};
    const re = str(match.pathRegex);
    if (re !== undefined) {
      if (/^\/[A-Za-z0-9/_-]*$/.test(re)) to.paths = [re];
      else if (/^\/[A-Za-z0-9/_-]*(\.\*|\*)$/.test(re)) to.paths = [`${re.replace(/\.?\*$/, '')}*`];
      else if (re === '.*' || re === '/.*') {
        /* any path */
      } else scope.unmapped(path, `pathRegex '${re}' of ${group.kind} ${group.name}`);
    }
    const methods = arr(match.methods).map((x) => String(x).toUpperCase());
    if (methods.length && !methods.includes('*')) {
      if (methods.every((x) => (HTTP_METHODS as readonly string[]).includes(x))) to.methods = methods;
      else scope.unmapped(path, `methods of ${group.kind} ${group.name}`);
    }
    if (match.headers !== undefined) scope.unmapped(path, `header matches of ${group.kind} ${group.name}`);
    out.push(to);
  });
  return out;
}

function mapTrafficTarget(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  scope.known(spec, ['spec'], ['destination', 'sources', 'rules']);
  const dest = rec(spec.destination);
  const destName = str(dest.name);
  if (!destName) {
    scope.keepWhole = true;
    return;
  }
  const target = scope.ctx.serviceAccounts.get(destName) ?? destName;
  scope.ctx.referService(target, scope);
  const services = arr(spec.sources)
    .map((s) => str(rec(s).name))
    .filter((s): s is string => !!s)
    .map((sa) => scope.ctx.serviceAccounts.get(sa) ?? sa);
  const tos = arr(spec.rules).flatMap((r, i) => routeGroupTo(scope, rec(r), ['spec', 'rules', i]));
  const from = services.length ? { services: [...new Set(services)] } : undefined;
  const rules = (tos.length ? tos : [{}]).map((to) => {
    const rule: TRecord = {};
    if (from) rule.from = from;
    if (Object.keys(to).length) rule.to = to;
    return rule;
  });
  scope.ctx.addPolicy({ kind: 'Authorization', target, action: 'allow', rules }, scope);
}
