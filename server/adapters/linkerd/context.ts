/**
 * What every Linkerd renderer shares: lookups into the pattern, the output being built, the
 * diagnostics, and the few Linkerd conventions (identities, ports, names).
 */
import type { TFeature } from '@/patterns/language/features';
import type { TExternalService, TGateway, TPattern, TPolicy, TRoute, TService } from '@/patterns/language/schema';
import { objectName } from '../shared/k8s';
import { PatternIndex } from '../shared/pattern-index';
import type { TAdapterDiagnostic, TManifest } from '../types';

export const POLICY_API = 'policy.linkerd.io';
export const GATEWAY_API = 'gateway.networking.k8s.io';
/** Linkerd's trust domain: workload identities are `<sa>.<ns>.serviceaccount.identity.linkerd.<domain>`. */
export const TRUST_DOMAIN = 'cluster.local';

export type TResolved =
  | { type: 'service'; service: TService }
  | { type: 'gateway'; gateway: TGateway }
  | { type: 'external'; external: TExternalService }
  | { type: 'none' };

/** One inbound port of a service, as Linkerd's Server sees it (the pod's port). */
export interface TServerPort {
  name: string;
  /** Pod (target) port. */
  port: number;
  /** Service ports that forward to it. */
  servicePorts: number[];
  protocol: TService['protocol'];
}

export class LinkerdContext {
  readonly manifests: TManifest[] = [];
  readonly diagnostics: TAdapterDiagnostic[] = [];
  readonly services = new Map<string, TService>();
  readonly gateways = new Map<string, TGateway>();
  readonly externals = new Map<string, TExternalService>();
  readonly routes = new Map<string, TRoute>();
  /** Policies by kind and attachment, callers, routes per service: built once per render. */
  readonly index: PatternIndex;

  constructor(readonly pattern: TPattern) {
    this.index = new PatternIndex(pattern);
    for (const s of pattern.spec.services) this.services.set(s.name, s);
    for (const g of pattern.spec.gateways) this.gateways.set(g.name, g);
    for (const e of pattern.spec.externalServices) this.externals.set(e.name, e);
    for (const r of pattern.spec.routes) this.routes.set(routeName(r), r);
  }

  get patternName(): string {
    return this.pattern.metadata.name;
  }

  push(...ms: TManifest[]): void {
    this.manifests.push(...ms);
  }

  approx(message: string, path: (string | number)[], severity: 'warning' | 'info' = 'warning', feature?: TFeature): void {
    this.diagnostics.push({ code: 'ML4006', severity, message, path, ...(feature ? { feature } : {}) });
  }

  resolve(name: string | undefined): TResolved {
    if (!name) return { type: 'none' };
    const service = this.services.get(name);
    if (service) return { type: 'service', service };
    const gateway = this.gateways.get(name);
    if (gateway) return { type: 'gateway', gateway };
    const external = this.externals.get(name);
    if (external) return { type: 'external', external };
    return { type: 'none' };
  }

  /** The service a policy applies to: its target, or the service of its route. */
  policyService(p: TPolicy): TService | undefined {
    if (p.target) return this.services.get(p.target);
    if (p.route) {
      const r = this.routes.get(p.route);
      return r && !r.gateway ? this.services.get(r.service) : undefined;
    }
    return undefined;
  }

  /** Namespace of a service known to the pattern, or `fallback`. */
  namespaceOf(name: string, fallback: string): string {
    return this.services.get(name)?.namespace ?? fallback;
  }
}

export function routeName(r: TRoute): string {
  return r.name ?? (r.gateway ? `${r.service}-${r.gateway}` : r.service);
}

/** Name of the per-version Service Linkerd splits traffic across. */
export function versionServiceName(service: string, version: string): string {
  return objectName(service, version);
}

/** The pod ports of a service (what a Server selects), one per distinct target port. */
export function serverPorts(s: TService): TServerPort[] {
  const byPort = new Map<number, TServerPort>();
  for (const p of s.ports) {
    const target = p.targetPort ?? 8080;
    const existing = byPort.get(target);
    if (existing) existing.servicePorts.push(p.port);
    else byPort.set(target, { name: serverName(s.name, target), port: target, servicePorts: [p.port], protocol: p.protocol ?? s.protocol });
  }
  return [...byPort.values()];
}

export function serverName(service: string, targetPort: number): string {
  return objectName(service, String(targetPort));
}

/** Linkerd's mTLS identity of a service's workloads (the sample workloads run as the service's ServiceAccount). */
export function identityOf(service: string, namespace: string): string {
  return `${service}.${namespace}.serviceaccount.identity.linkerd.${TRUST_DOMAIN}`;
}

/** Every identity in a namespace. */
export function namespaceIdentity(namespace: string): string {
  return `*.${namespace}.serviceaccount.identity.linkerd.${TRUST_DOMAIN}`;
}

export function isHttpFamily(protocol: TService['protocol']): boolean {
  return protocol !== 'tcp';
}

export function meta(name: string, namespace: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): TManifest['metadata'] {
  return {
    name,
    namespace,
    ...(extra.labels && Object.keys(extra.labels).length ? { labels: extra.labels } : {}),
    ...(extra.annotations && Object.keys(extra.annotations).length ? { annotations: extra.annotations } : {}),
  };
}
