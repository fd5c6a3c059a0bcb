import { createDiagnostic, suggestionHint, type TDiagnostic } from './diagnostics';
import { MESH_WIDE_POLICY_KINDS, type TPattern, type TRoute } from './schema';

type TPath = (string | number)[];

/** The name a route is known by: its `name`, else `<service>` or `<service>-<gateway>`. */
export function routeName(route: Pick<TRoute, 'name' | 'service' | 'gateway'>): string {
  return route.name ?? (route.gateway ? `${route.service}-${route.gateway}` : route.service);
}

/** How many items of each list are the pattern's own (the rest came from includes). */
export interface TOwnCounts {
  services: number;
  gateways: number;
  externalServices: number;
  routes: number;
  policies: number;
}

/**
 * Cross-reference checks on a schema-valid pattern (ML3xxx). Names from included items count
 * as declared, but only the pattern's own items (per `own`) are checked: included patterns were
 * checked on their own.
 */
export function checkReferences(p: TPattern, own?: TOwnCounts): TDiagnostic[] {
  const out: TDiagnostic[] = [];
  const s = p.spec;
  const n = own ?? {
    services: s.services.length,
    gateways: s.gateways.length,
    externalServices: s.externalServices.length,
    routes: s.routes.length,
    policies: s.policies.length,
  };
  const err = (code: Parameters<typeof createDiagnostic>[0], message: string, path: TPath, hint?: string) =>
    out.push({ ...createDiagnostic(code, message, path), ...(hint ? { hint } : {}) });

  // one namespace for services, gateways and external services
  const nodes = new Map<string, string>();
  const declare = (kind: string, list: { name: string }[], count: number) =>
    list.forEach((item, i) => {
      const first = nodes.get(item.name);
      if (first && i < count) err('ML3009', `duplicate name '${item.name}': already used by ${first}`, ['spec', kind, i, 'name']);
      else if (!first) nodes.set(item.name, `${kind.replace(/s$/, '')} ${i + 1}`);
    });
  declare('services', s.services, n.services);
  declare('gateways', s.gateways, n.gateways);
  declare('externalServices', s.externalServices, n.externalServices);

  const services = new Map(s.services.map((svc) => [svc.name, svc]));
  const externals = new Set(s.externalServices.map((e) => e.name));
  const gateways = new Set(s.gateways.map((g) => g.name));
  const serviceNames = [...services.keys(), ...externals];
  const paramNames = new Set<string>();
  p.spec.parameters.forEach((param, i) => {
    if (paramNames.has(param.name)) err('ML3009', `duplicate parameter '${param.name}'`, ['spec', 'parameters', i, 'name']);
    paramNames.add(param.name);
  });

  const checkService = (name: string, path: TPath, what: string) => {
    if (services.has(name) || externals.has(name)) return true;
    err('ML3001', `unknown service '${name}' in ${what}`, path, suggestionHint(name, serviceNames, 'services'));
    return false;
  };
  const checkVersion = (service: string, version: string, path: TPath) => {
    const svc = services.get(service);
    const versions = svc?.versions.map((v) => v.name) ?? [];
    if (versions.includes(version)) return;
    err(
      'ML3002',
      `unknown version '${version}' of service '${service}'`,
      path,
      versions.length ? `versions: ${versions.join(', ')}` : `declare versions: [${version}] on service '${service}'`,
    );
  };

  s.services.slice(0, n.services).forEach((svc, i) => {
    const seen = new Set<string>();
    svc.versions.forEach((v, j) => {
      if (seen.has(v.name)) err('ML3009', `duplicate version '${v.name}' in service '${svc.name}'`, ['spec', 'services', i, 'versions', j]);
      seen.add(v.name);
    });
    svc.calls.forEach((c, j) => checkService(c, ['spec', 'services', i, 'calls', j], `calls of '${svc.name}'`));
  });
  s.externalServices.slice(0, n.externalServices).forEach((e, i) => {
    if (e.viaGateway && !gateways.has(e.viaGateway))
      err('ML3010', `unknown gateway '${e.viaGateway}'`, ['spec', 'externalServices', i, 'viaGateway'], suggestionHint(e.viaGateway, [...gateways], 'gateways'));
  });

  const routeNames = new Map<string, number>();
  s.routes.forEach((route, i) => {
    const name = routeName(route);
    const first = routeNames.get(name);
    if (first !== undefined && i < n.routes)
      err('ML3009', `duplicate route name '${name}' (route ${first + 1} has it too)`, ['spec', 'routes', i, ...(route.name ? ['name'] : [])], 'give one of them a distinct name');
    if (first === undefined) routeNames.set(name, i);
  });

  s.routes.slice(0, n.routes).forEach((route, i) => {
    const base: TPath = ['spec', 'routes', i];
    const routeOk = checkService(route.service, [...base, 'service'], 'route');
    if (route.gateway && !gateways.has(route.gateway))
      err('ML3010', `unknown gateway '${route.gateway}' in route`, [...base, 'gateway'], suggestionHint(route.gateway, [...gateways], 'gateways'));
    route.rules.forEach((rule, r) => {
      const rp: TPath = [...base, 'rules', r];
      if (rule.backends.length === 0 && !rule.redirect) err('ML3013', 'a rule needs backends or a redirect', rp);
      rule.match.forEach((m, k) =>
        m.from?.forEach((f, j) => checkService(f, [...rp, 'match', k, 'from', j], 'match.from')),
      );
      rule.backends.forEach((b, j) => {
        const bp: TPath = [...rp, 'backends', j];
        const svc = b.service ?? route.service;
        const ok = b.service ? checkService(b.service, [...bp, 'service'], 'backend') : routeOk;
        if (ok && b.version) checkVersion(svc, b.version, [...bp, 'version']);
      });
      const weighted = rule.backends.filter((b) => b.weight !== undefined);
      if (weighted.length > 0) {
        const sum = weighted.reduce((a, b) => a + (b.weight ?? 0), 0);
        if (weighted.length < rule.backends.length)
          err('ML3003', `${rule.backends.length - weighted.length} of ${rule.backends.length} backends have no weight`, [...rp, 'backends'], 'give every backend a weight, or none');
        else if (sum !== 100)
          err('ML3003', `backend weights sum to ${sum}, not 100 (${weighted.map((b) => b.weight).join(' + ')})`, [...rp, 'backends'], 'make the weights add up to 100');
      }
      if (rule.mirror) {
        const svc = rule.mirror.service ?? route.service;
        const ok = rule.mirror.service ? checkService(rule.mirror.service, [...rp, 'mirror', 'service'], 'mirror') : routeOk;
        if (ok && rule.mirror.version) checkVersion(svc, rule.mirror.version, [...rp, 'mirror', 'version']);
      }
    });
  });

  const targets = [...serviceNames, ...gateways];
  s.policies.slice(0, n.policies).forEach((policy, i) => {
    const pp: TPath = ['spec', 'policies', i];
    if (policy.target !== undefined && !nodes.has(policy.target))
      err('ML3001', `unknown service '${policy.target}' as ${policy.kind} target`, [...pp, 'target'], suggestionHint(policy.target, targets, 'targets'));
    if (policy.route !== undefined && !routeNames.has(policy.route))
      err('ML3011', `unknown route '${policy.route}' in ${policy.kind}`, [...pp, 'route'], suggestionHint(policy.route, [...routeNames.keys()], 'routes'));
    if (policy.target === undefined && policy.route === undefined && !MESH_WIDE_POLICY_KINDS.includes(policy.kind))
      err('ML3012', `${policy.kind} needs a target or a route`, pp, `only ${MESH_WIDE_POLICY_KINDS.join(', ')} may apply mesh-wide`);
  });

  if (p.layout) {
    for (const key of Object.keys(p.layout)) {
      if (nodes.has(key) || routeNames.has(key)) continue;
      out.push({
        ...createDiagnostic('ML3014', `layout entry '${key}' names no service, gateway or external service`, ['layout', key], {
          severity: 'warning',
        }),
        hint: suggestionHint(key, [...nodes.keys()], 'nodes'),
      });
    }
  }
  return out;
}
