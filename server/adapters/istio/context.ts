/**
 * What every Istio renderer needs to know about a pattern: lookups by name, hosts, selectors and
 * the policies that apply to each scope. Pure and deterministic.
 */
import type { TFeature } from '@/patterns/language/features';
import type { TExternalService, TGateway, TPattern, TPolicy, TRoute, TService } from '@/patterns/language/schema';
import { objectName, serviceHost } from '../shared/k8s';
import type { TAdapterDiagnostic } from '../types';

export const ROOT_NAMESPACE = 'istio-system';
export const TRUST_DOMAIN = 'cluster.local';

export type TPath = (string | number)[];

/** A policy with its position in spec.policies. */
export interface TIndexedPolicy<P extends TPolicy = TPolicy> {
  policy: P;
  index: number;
  path: TPath;
}

export type TPolicyOf<K extends TPolicy['kind']> = Extract<TPolicy, { kind: K }>;

export class IstioContext {
  readonly services = new Map<string, TService>();
  readonly gateways = new Map<string, TGateway>();
  readonly externals = new Map<string, TExternalService>();
  readonly routes = new Map<string, { route: TRoute; index: number }>();
  readonly diagnostics: TAdapterDiagnostic[] = [];
  /** Built on first use, once per render (the pattern does not change during one). */
  private readonly byKind = new Map<TPolicy['kind'], TIndexedPolicy[]>();
  private routesByService?: Map<string, { route: TRoute; index: number }[]>;
  private routesByGateway?: Map<string, { route: TRoute; index: number }[]>;
  private mtls?: { own: Map<string, TPolicyOf<'MutualTLS'>['mode']>; ns: Map<string, TPolicyOf<'MutualTLS'>['mode']>; mesh?: TPolicyOf<'MutualTLS'>['mode'] };

  constructor(readonly pattern: TPattern) {
    for (const s of pattern.spec.services) this.services.set(s.name, s);
    for (const g of pattern.spec.gateways) this.gateways.set(g.name, g);
    for (const e of pattern.spec.externalServices) this.externals.set(e.name, e);
    pattern.spec.routes.forEach((route, index) => this.routes.set(routeName(route), { route, index }));
  }

  /** The policies of one kind, in pattern order (the list is shared: do not modify it). */
  policies<K extends TPolicy['kind']>(kind: K): readonly TIndexedPolicy<TPolicyOf<K>>[] {
    if (this.byKind.size === 0) {
      this.pattern.spec.policies.forEach((policy, index) => {
        const entry: TIndexedPolicy = { policy, index, path: ['spec', 'policies', index] };
        const list = this.byKind.get(policy.kind);
        if (list) list.push(entry);
        else this.byKind.set(policy.kind, [entry]);
      });
    }
    return (this.byKind.get(kind) ?? []) as TIndexedPolicy<TPolicyOf<K>>[];
  }

  /**
   * The mTLS mode of a service's workloads: the first MutualTLS policy on the service (by target
   * or route), else the first on its namespace, else the first mesh-wide one.
   */
  mtlsModeOf(service: string, namespace: string): TPolicyOf<'MutualTLS'>['mode'] | undefined {
    if (!this.mtls) {
      const m: NonNullable<IstioContext['mtls']> = { own: new Map(), ns: new Map() };
      for (const { policy: p } of this.policies('MutualTLS')) {
        const target = p.target ?? (p.route ? this.routes.get(p.route)?.route.service : undefined);
        if (target !== undefined && !m.own.has(target)) m.own.set(target, p.mode);
        if (!p.target && !p.route) {
          if (p.namespace) {
            if (!m.ns.has(p.namespace)) m.ns.set(p.namespace, p.mode);
          } else m.mesh ??= p.mode;
        }
      }
      this.mtls = m;
    }
    return this.mtls.own.get(service) ?? this.mtls.ns.get(namespace) ?? this.mtls.mesh;
  }

  warn(path: TPath, message: string, feature?: TFeature): void {
    this.diagnostics.push({ code: 'ML4006', severity: 'warning', message, path, ...(feature ? { feature } : {}) });
  }

  info(path: TPath, message: string, feature?: TFeature): void {
    this.diagnostics.push({ code: 'ML4006', severity: 'info', message, path, ...(feature ? { feature } : {}) });
  }

  /** Namespace of a service, gateway or external service (default when unknown). */
  namespaceOf(name: string): string {
    return this.services.get(name)?.namespace ?? this.gateways.get(name)?.namespace ?? this.externals.get(name)?.namespace ?? 'default';
  }

  /** The in-cluster host of a service, or the first host of an external service. */
  hostOf(name: string): string {
    const ext = this.externals.get(name);
    if (ext && !this.services.has(name)) return ext.hosts[0] ?? name;
    return serviceHost(name, this.namespaceOf(name));
  }

  /** Service identity (SPIFFE principal without the scheme) Istio uses in AuthorizationPolicy. */
  principalOf(service: string): string {
    return `${TRUST_DOMAIN}/ns/${this.namespaceOf(service)}/sa/${service}`;
  }

  /** Labels that select a gateway's pods: the Helm gateway chart labels them `istio: <release name>`. */
  gatewaySelector(gateway: TGateway): Record<string, string> {
    return { istio: gateway.name };
  }

  /** The Kubernetes Service of a gateway deployment (the Helm chart names it after the release). */
  gatewayHost(gateway: TGateway): string {
    return serviceHost(gateway.name, gateway.namespace);
  }

  /** Routes of the service (mesh routes only, or only those attached to a gateway). */
  meshRoutesOf(service: string): { route: TRoute; index: number }[] {
    if (!this.routesByService) {
      this.routesByService = new Map();
      for (const r of this.routes.values()) if (!r.route.gateway) pushTo(this.routesByService, r.route.service, r);
    }
    return [...(this.routesByService.get(service) ?? [])];
  }

  gatewayRoutesOf(gateway: string): { route: TRoute; index: number }[] {
    if (!this.routesByGateway) {
      this.routesByGateway = new Map();
      for (const r of this.routes.values()) if (r.route.gateway !== undefined) pushTo(this.routesByGateway, r.route.gateway, r);
    }
    return [...(this.routesByGateway.get(gateway) ?? [])];
  }

  isTcp(service: string): boolean {
    const s = this.services.get(service);
    return !!s && s.protocol === 'tcp' && s.ports.every((p) => (p.protocol ?? s.protocol) === 'tcp');
  }

  /** Backends (service names) a route sends to, in order, without duplicates. */
  backendServicesOf(route: TRoute): string[] {
    const out: string[] = [];
    for (const rule of route.rules) for (const b of rule.backends) if (!out.includes(b.service ?? route.service)) out.push(b.service ?? route.service);
    return out;
  }
}

function pushTo<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The name a route is referred to by (policies' `route:`): explicit, or service[-gateway]. */
export function routeName(route: TRoute): string {
  return route.name ?? (route.gateway ? `${route.service}-${route.gateway}` : route.service);
}

/** Escape a literal for an RE2 regular expression. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Deterministic, de-duplicated names: the second `x` becomes `x-2`. */
export class NameAllocator {
  private readonly used = new Set<string>();
  take(name: string): string {
    let candidate = name;
    for (let i = 2; this.used.has(candidate); i++) candidate = objectName(name, i);
    this.used.add(candidate);
    return candidate;
  }
}
