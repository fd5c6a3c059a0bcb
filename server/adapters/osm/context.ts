/** Shared state of one Open Service Mesh render. */
import type { TFeature } from '@/patterns/language/features';
import type { TExternalService, TGateway, TPattern, TPolicy, TRoute, TService } from '@/patterns/language/schema';
import { jsonCopy } from '../shared/json-copy';
import { objectName } from '../shared/k8s';
import { PatternIndex } from '../shared/pattern-index';
import type { TAdapterDiagnostic, TManifest } from '../types';

export const SPLIT = 'split.smi-spec.io/v1alpha2';
export const ACCESS = 'access.smi-spec.io/v1alpha3';
export const SPECS = 'specs.smi-spec.io/v1alpha4';
export const POLICY = 'policy.openservicemesh.io/v1alpha1';
export const CONFIG = 'config.openservicemesh.io/v1alpha2';

export type TJson = Record<string, unknown>;
export type TPath = (string | number)[];

export class OsmContext {
  readonly services: Map<string, TService>;
  readonly gateways: Map<string, TGateway>;
  readonly externals: Map<string, TExternalService>;
  readonly routes: Map<string, TRoute>;
  readonly diagnostics: TAdapterDiagnostic[] = [];
  readonly manifests: TManifest[] = [];
  /** Fields of the mesh-wide MeshConfig osm-mesh-config this pattern needs. */
  readonly meshConfig: { traffic?: TJson; observability?: TJson; featureFlags?: TJson } = {};
  /** Per-version Services needed (key `<service>/<version>`). */
  readonly versionServices = new Set<string>();
  /** Callers, services per namespace, policies by kind: built once per render. */
  readonly index: PatternIndex;
  private serviceNames?: string[];

  constructor(readonly pattern: TPattern) {
    this.index = new PatternIndex(pattern);
    const { spec } = pattern;
    this.services = new Map(spec.services.map((s) => [s.name, s]));
    this.gateways = new Map(spec.gateways.map((g) => [g.name, g]));
    this.externals = new Map(spec.externalServices.map((e) => [e.name, e]));
    this.routes = new Map(spec.routes.map((r) => [routeName(r), r]));
  }

  get name(): string {
    return this.pattern.metadata.name;
  }

  namespaceOf(name: string): string {
    return this.services.get(name)?.namespace ?? this.externals.get(name)?.namespace ?? this.gateways.get(name)?.namespace ?? 'default';
  }

  callersOf(target: string): readonly TService[] {
    return this.index.callersOf(target);
  }

  /** The names of all the pattern's services, in order (shared: do not modify). */
  allServiceNames(): readonly string[] {
    return (this.serviceNames ??= this.pattern.spec.services.map((s) => s.name));
  }

  policyTarget(p: TPolicy): { name?: string; route?: TRoute } {
    if (p.route) {
      const route = this.routes.get(p.route);
      return { name: route?.service, route };
    }
    return { name: p.target };
  }

  /** The Kubernetes Service that selects one version (rendered by version-services.ts). */
  versionService(service: string, version: string): string {
    this.versionServices.add(`${service}/${version}`);
    return objectName(service, version);
  }

  feature(section: 'traffic' | 'observability' | 'featureFlags', fields: TJson) {
    this.meshConfig[section] = { ...this.meshConfig[section], ...fields };
  }

  diag(path: TPath, message: string, feature?: TFeature, severity: TAdapterDiagnostic['severity'] = 'warning') {
    this.diagnostics.push({ code: 'ML4006', severity, message, path, ...(feature ? { feature } : {}) });
  }

  add(apiVersion: string, kind: string, name: string, namespace: string, spec: TJson) {
    this.manifests.push({ apiVersion, kind, metadata: { name, namespace }, spec: jsonCopy(spec) });
  }
}

export function routeName(r: TRoute): string {
  return r.name ?? (r.gateway ? `${r.service}-${r.gateway}` : r.service);
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compact<T extends TJson>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
