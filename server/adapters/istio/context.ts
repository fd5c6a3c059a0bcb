/**
 * What every Istio renderer needs to know about a pattern: lookups by name, hosts, selectors and
 * the policies that apply to each scope. Pure and deterministic.
 */
import type { TGateway, TPolicy, TRoute } from '@/patterns/language/schema';
import { objectName, serviceHost } from '../shared/k8s';
import { MeshContext } from '../shared/mesh-context';
import type { TIndexedPolicy, TPolicyOf, TRouteEntry } from '../shared/pattern-index';

export type { TIndexedPolicy, TPath, TPolicyOf } from '../shared/pattern-index';
export { routeName } from '../shared/pattern-index';
export { escapeRegex } from '../shared/text';

export const ROOT_NAMESPACE = 'istio-system';
export const TRUST_DOMAIN = 'cluster.local';

export class IstioContext extends MeshContext {
  /** Routes by name, with their position in spec.routes. */
  readonly routes = this.index.routeEntries;
  /** Built on first use, once per render (the pattern does not change during one). */
  private routesByService?: Map<string, TRouteEntry[]>;
  private routesByGateway?: Map<string, TRouteEntry[]>;
  private mtls?: { own: Map<string, TPolicyOf<'MutualTLS'>['mode']>; ns: Map<string, TPolicyOf<'MutualTLS'>['mode']>; mesh?: TPolicyOf<'MutualTLS'>['mode'] };

  /** The policies of one kind, in pattern order (the list is shared: do not modify it). */
  policies<K extends TPolicy['kind']>(kind: K): readonly TIndexedPolicy<TPolicyOf<K>>[] {
    return this.index.policyEntries(kind);
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
  meshRoutesOf(service: string): TRouteEntry[] {
    if (!this.routesByService) {
      this.routesByService = new Map();
      for (const r of this.routes.values()) if (!r.route.gateway) pushTo(this.routesByService, r.route.service, r);
    }
    return [...(this.routesByService.get(service) ?? [])];
  }

  gatewayRoutesOf(gateway: string): TRouteEntry[] {
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
