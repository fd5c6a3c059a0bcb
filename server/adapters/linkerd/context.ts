/**
 * What every Linkerd renderer shares: lookups into the pattern, the output being built, the
 * diagnostics, and the few Linkerd conventions (identities, ports, names).
 */
import type { TPolicy, TService } from '@/patterns/language/schema';
import { objectName } from '../shared/k8s';
import { MeshContext } from '../shared/mesh-context';
import type { TManifest } from '../types';

export { routeName, type TResolved } from '../shared/pattern-index';
export { versionServiceName } from '../shared/version-services';

export const POLICY_API = 'policy.linkerd.io';
export const GATEWAY_API = 'gateway.networking.k8s.io';
/** Linkerd's trust domain: workload identities are `<sa>.<ns>.serviceaccount.identity.linkerd.<domain>`. */
export const TRUST_DOMAIN = 'cluster.local';

/** One inbound port of a service, as Linkerd's Server sees it (the pod's port). */
export interface TServerPort {
  name: string;
  /** Pod (target) port. */
  port: number;
  /** Service ports that forward to it. */
  servicePorts: number[];
  protocol: TService['protocol'];
}

export class LinkerdContext extends MeshContext {
  readonly routes = this.index.routes;

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
