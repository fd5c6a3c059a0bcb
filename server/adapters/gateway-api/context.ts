/** Lookups shared by the Gateway API renderers. Pure and deterministic. */
import type { TFeature } from '@/patterns/language/features';
import type { TExternalService, TGateway, TPattern, TPolicy, TRoute, TService } from '@/patterns/language/schema';
import type { TAdapterDiagnostic } from '../types';

export type TPath = (string | number)[];
export type TPolicyOf<K extends TPolicy['kind']> = Extract<TPolicy, { kind: K }>;

export const GATEWAY_API = 'gateway.networking.k8s.io/v1';
/** The GatewayClass gateways are rendered with; installations name their own (istio, eg, cilium…). */
export const DEFAULT_GATEWAY_CLASS = 'meshloom';

export class GatewayApiContext {
  readonly services = new Map<string, TService>();
  readonly gateways = new Map<string, TGateway>();
  readonly externals = new Map<string, TExternalService>();
  readonly routes = new Map<string, { route: TRoute; index: number }>();
  readonly diagnostics: TAdapterDiagnostic[] = [];
  /** Version Services the routes need: `${service}/${version}`. */
  readonly versionRefs = new Set<string>();
  /** Policies by kind, built on first use (once per render). */
  private readonly byKind = new Map<TPolicy['kind'], { policy: TPolicy; index: number; path: TPath }[]>();

  constructor(readonly pattern: TPattern) {
    for (const s of pattern.spec.services) this.services.set(s.name, s);
    for (const g of pattern.spec.gateways) this.gateways.set(g.name, g);
    for (const e of pattern.spec.externalServices) this.externals.set(e.name, e);
    pattern.spec.routes.forEach((route, index) => this.routes.set(routeName(route), { route, index }));
  }

  /** The policies of one kind, in pattern order (the list is shared: do not modify it). */
  policies<K extends TPolicy['kind']>(kind: K): readonly { policy: TPolicyOf<K>; index: number; path: TPath }[] {
    if (this.byKind.size === 0) {
      this.pattern.spec.policies.forEach((policy, index) => {
        const entry = { policy, index, path: ['spec', 'policies', index] };
        const list = this.byKind.get(policy.kind);
        if (list) list.push(entry);
        else this.byKind.set(policy.kind, [entry]);
      });
    }
    return (this.byKind.get(kind) ?? []) as { policy: TPolicyOf<K>; index: number; path: TPath }[];
  }

  warn(path: TPath, message: string, feature?: TFeature): void {
    this.diagnostics.push({ code: 'ML4006', severity: 'warning', message, path, ...(feature ? { feature } : {}) });
  }

  info(path: TPath, message: string, feature?: TFeature): void {
    this.diagnostics.push({ code: 'ML4006', severity: 'info', message, path, ...(feature ? { feature } : {}) });
  }

  namespaceOf(name: string): string {
    return this.services.get(name)?.namespace ?? this.gateways.get(name)?.namespace ?? this.externals.get(name)?.namespace ?? 'default';
  }

  protocolOf(service: string): TService['protocol'] | undefined {
    return this.services.get(service)?.protocol;
  }
}

export function routeName(route: TRoute): string {
  return route.name ?? (route.gateway ? `${route.service}-${route.gateway}` : route.service);
}

/** Escape a literal for a regular expression (RE2 and PCRE agree on these). */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
