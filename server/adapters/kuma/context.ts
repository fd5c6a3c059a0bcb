/**
 * What every Kuma renderer needs: lookups into the pattern, where a policy lives (Kuma's
 * namespace-scoped policy roles) and how it names its targets.
 *
 * Placement follows Kuma's policy roles (Kuma 2.9+):
 * - producer: `to` a MeshService (or MeshHTTPRoute) in the policy's own namespace, top-level
 *   targetRef Mesh: applies to every client of that service in the mesh;
 * - workload-owner: `rules` (inbound) or a single-item policy in the workload's namespace, top-level
 *   targetRef Dataplane with the workload's labels;
 * - system: in `kuma-system`, for mesh-wide policies and for anything about gateways and
 *   MeshExternalServices (those live in the system namespace).
 */
import type { TExternalService, TService } from '@/patterns/language/schema';
import { objectName } from '../shared/k8s';
import { MeshContext } from '../shared/mesh-context';
import { versionService, versionServiceName } from '../shared/version-services';
import type { TManifest } from '../types';

export { routeName, type TResolved } from '../shared/pattern-index';

export const KUMA_API = 'kuma.io/v1alpha1';
export const SYSTEM_NAMESPACE = 'kuma-system';
export const MESH = 'default';
export const MESH_LABEL = { 'kuma.io/mesh': MESH };

export type TTargetRef = {
  kind: 'Mesh' | 'MeshService' | 'MeshExternalService' | 'MeshGateway' | 'MeshHTTPRoute' | 'Dataplane' | 'MeshSubset';
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  tags?: Record<string, string>;
  sectionName?: string;
};

export class KumaContext extends MeshContext {
  readonly routes = this.index.routes;
  /** Versioned Services (`<svc>-<version>`) already emitted. */
  readonly versionServices = new Set<string>();
  /** Whether the mesh needs mTLS for something other than a MutualTLS policy (authorization). */
  needsMtlsForAuthorization = false;
  /** Route object (MeshHTTPRoute/MeshTCPRoute) names per pattern route name, with their namespace. */
  readonly routeObjects = new Map<string, { namespace: string; names: string[]; kind: 'MeshHTTPRoute' | 'MeshTCPRoute'; gateway?: string }>();
  /** Route object names per pattern route name and rule index: `${route}#${index}`. */
  readonly ruleRouteNames = new Map<string, string[]>();

  /** The per-version Service of `s` (`<service>-<version>`), rendered the first time it is asked for; its name. */
  versionService(s: TService, version: string): string {
    const name = versionServiceName(s.name, version);
    const key = `${s.namespace}/${name}`;
    if (!this.versionServices.has(key)) {
      this.versionServices.add(key);
      this.push(versionService(s, version));
    }
    return name;
  }

  /** A Kuma policy object with the mesh label and the pattern's name in its own name. */
  policy(kind: string, name: string, namespace: string, spec: Record<string, unknown>): TManifest {
    return { apiVersion: KUMA_API, kind, metadata: { name, namespace, labels: { ...MESH_LABEL } }, spec };
  }

  name(...parts: (string | number | undefined)[]): string {
    return objectName(this.patternName, ...parts);
  }
}

/** Port of a service that routes and policies address by default. */
export function mainPort(s: TService): number {
  return s.ports[0]?.port ?? 80;
}

/** The legacy `kuma.io/service` tag value Kuma gives a Kubernetes Service port: `<svc>_<ns>_svc_<port>`. */
export function kumaServiceTag(s: TService, port = mainPort(s)): string {
  return `${s.name}_${s.namespace}_svc_${port}`;
}

/** Pod labels selecting the proxies of a service (the sample workloads label pods `app: <service>`). */
export function workloadSelector(s: TService): TTargetRef {
  return { kind: 'Dataplane', labels: { app: s.name } };
}

/** A MeshService reference from a policy living in `fromNamespace`. */
export function meshServiceRef(name: string, namespace: string, fromNamespace: string): TTargetRef {
  return namespace === fromNamespace ? { kind: 'MeshService', name } : { kind: 'MeshService', name, namespace };
}

/** Name of the MeshExternalService for one port of an external service (one MES per port). */
export function externalServiceName(e: TExternalService, port: number): string {
  return e.ports.length > 1 ? objectName(e.name, port) : e.name;
}

/** Integer percentages as numbers, fractional ones as the decimal strings Kuma accepts. */
export function kumaPercentage(p: number): number | string {
  return Number.isInteger(p) ? p : String(p);
}

export function isHttpFamily(protocol: string): boolean {
  return protocol === 'http' || protocol === 'http2' || protocol === 'grpc';
}
