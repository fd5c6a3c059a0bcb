/**
 * Shared state of one Consul render: lookups into the pattern, the diagnostics, and the config
 * entries that several pattern features contribute to. Consul keys most config entries by the
 * service name (one ServiceDefaults, ServiceResolver, ServiceRouter, ServiceSplitter and
 * ServiceIntentions per service), so features merge into these instead of emitting their own.
 */
import type { TFeature } from '@/patterns/language/features';
import type { TGateway, TPattern, TPolicy, TRoute, TService } from '@/patterns/language/schema';
import { objectName } from '../shared/k8s';
import { MeshContext } from '../shared/mesh-context';
import { escapeRegex } from '../shared/text';
import type { TAdapterDiagnostic } from '../types';

export { routeName } from '../shared/pattern-index';
export { compact, escapeRegex } from '../shared/text';

export const API_VERSION = 'consul.hashicorp.com/v1alpha1';

export type TJson = Record<string, unknown>;

/** An entry of ServiceDefaults.upstreamConfig.overrides: how a caller treats one upstream. */
export interface TUpstreamOverride {
  name: string;
  connectTimeoutMs?: number;
  limits?: { maxConnections?: number; maxPendingRequests?: number; maxConcurrentRequests?: number };
  passiveHealthCheck?: { interval?: string; maxFailures?: number; enforcingConsecutive5xx?: number; baseEjectionTime?: string; maxEjectionPercent?: number };
}

/** Per Consul service name: the pieces of its config entries. */
export interface TEntries {
  namespace: string;
  protocol?: string;
  defaults: TJson;
  upstreams: Map<string, TUpstreamOverride>;
  resolver: TJson;
  /** ServiceRouter routes, in evaluation order. */
  routes: TJson[];
  splits?: TJson[];
}

/** The Consul protocol of a pattern service. */
export function consulProtocol(p: string): string {
  return p === 'http2' ? 'http2' : p === 'grpc' ? 'grpc' : p === 'tcp' ? 'tcp' : 'http';
}

export const isL7 = (protocol: string | undefined) => protocol === 'http' || protocol === 'http2' || protocol === 'grpc';

export class ConsulContext extends MeshContext {
  readonly routes = this.index.routes;
  readonly entries = new Map<string, TEntries>();
  /** ProxyDefaults `global`, built by mesh-wide policies. */
  readonly proxyDefaults: TJson = {};
  /** The Consul service that holds each gateway route's rules (a virtual service, or the service). */
  readonly gatewayRouteOwners = new Map<string, string>();
  /** Mesh singleton fields. */
  readonly mesh: TJson = {};
  private gatewaysByBackend?: Map<string, Set<string>>;

  constructor(pattern: TPattern) {
    super(pattern);
    for (const s of pattern.spec.services) this.entry(s.name, s.namespace).protocol = consulProtocol(s.protocol);
  }

  /** The config entries of a Consul service (a pattern service, external service or virtual service). */
  entry(name: string, namespace?: string): TEntries {
    let e = this.entries.get(name);
    if (!e) {
      e = { namespace: namespace ?? this.namespaceOf(name), defaults: {}, upstreams: new Map(), resolver: {}, routes: [] };
      this.entries.set(name, e);
    }
    return e;
  }

  namespaceOf(name: string): string {
    return this.services.get(name)?.namespace ?? this.externals.get(name)?.namespace ?? this.gateways.get(name)?.namespace ?? 'default';
  }

  /** Services that declare a call to `target`. */
  callersOf(target: string): readonly TService[] {
    return this.index.callersOf(target);
  }

  /** Ingress gateways with a route to `service` (in the order of their first such route). */
  gatewaysRoutingTo(service: string): TGateway[] {
    if (!this.gatewaysByBackend) {
      this.gatewaysByBackend = new Map();
      for (const r of this.pattern.spec.routes) {
        if (!r.gateway) continue;
        for (const rule of r.rules) {
          for (const b of rule.backends) {
            const backend = b.service ?? r.service;
            let names = this.gatewaysByBackend.get(backend);
            if (!names) this.gatewaysByBackend.set(backend, (names = new Set()));
            names.add(r.gateway);
          }
        }
      }
    }
    const names = this.gatewaysByBackend.get(service);
    return names ? [...names].map((n) => this.gateways.get(n)).filter((g): g is TGateway => g !== undefined) : [];
  }

  /** The service a policy's `target` or `route` points at, and the route when it is route-attached. */
  policyTarget(p: TPolicy): { name?: string; route?: TRoute } {
    return this.index.policyTarget(p);
  }

  diag(path: (string | number)[], message: string, feature?: TFeature, severity: TAdapterDiagnostic['severity'] = 'warning') {
    this.approx(message, path, severity, feature);
  }
}

/**
 * The Consul filter selecting one version's instances. Consul on Kubernetes registers pods with
 * the meta `pod-name`; pods of the sample workloads are named `<deployment>-<hash>-<suffix>` with
 * the deployment `<service>-<version>`. `Service.Meta.version` also matches workloads annotated
 * `consul.hashicorp.com/service-meta-version: <version>`.
 */
export function subsetFilter(service: string, version: string): string {
  const deployment = escapeRegex(objectName(service, version));
  return `Service.Meta.version == "${version}" or Service.Meta["pod-name"] matches "^${deployment}-[a-z0-9]+-[a-z0-9]+$"`;
}

