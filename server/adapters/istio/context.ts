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

  constructor(readonly pattern: TPattern) {
    for (const s of pattern.spec.services) this.services.set(s.name, s);
    for (const g of pattern.spec.gateways) this.gateways.set(g.name, g);
    for (const e of pattern.spec.externalServices) this.externals.set(e.name, e);
    pattern.spec.routes.forEach((route, index) => this.routes.set(routeName(route), { route, index }));
  }

  policies<K extends TPolicy['kind']>(kind: K): TIndexedPolicy<TPolicyOf<K>>[] {
    const out: TIndexedPolicy<TPolicyOf<K>>[] = [];
    this.pattern.spec.policies.forEach((policy, index) => {
      if (policy.kind === kind) out.push({ policy: policy as TPolicyOf<K>, index, path: ['spec', 'policies', index] });
    });
    return out;
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
    return [...this.routes.values()].filter((r) => r.route.service === service && !r.route.gateway);
  }

  gatewayRoutesOf(gateway: string): { route: TRoute; index: number }[] {
    return [...this.routes.values()].filter((r) => r.route.gateway === gateway);
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
