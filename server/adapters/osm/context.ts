/** Shared state of one Open Service Mesh render. */
import type { TFeature } from '@/patterns/language/features';
import type { TPolicy, TRoute, TService } from '@/patterns/language/schema';
import { MeshContext } from '../shared/mesh-context';
import type { TPath } from '../shared/pattern-index';
import { versionKey, versionServiceName } from '../shared/version-services';
import type { TAdapterDiagnostic } from '../types';

export type { TPath } from '../shared/pattern-index';
export { routeName } from '../shared/pattern-index';
export { compact, escapeRegex } from '../shared/text';

export const SPLIT = 'split.smi-spec.io/v1alpha2';
export const ACCESS = 'access.smi-spec.io/v1alpha3';
export const SPECS = 'specs.smi-spec.io/v1alpha4';
export const POLICY = 'policy.openservicemesh.io/v1alpha1';
export const CONFIG = 'config.openservicemesh.io/v1alpha2';

export type TJson = Record<string, unknown>;

export class OsmContext extends MeshContext {
  readonly routes = this.index.routes;
  /** Fields of the mesh-wide MeshConfig osm-mesh-config this pattern needs. */
  readonly meshConfig: { traffic?: TJson; observability?: TJson; featureFlags?: TJson } = {};
  /** Per-version Services needed (key `<service>/<version>`). */
  readonly versionServices = new Set<string>();
  private serviceNames?: string[];

  /** The pattern's name (patternName). */
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
    return this.index.policyTarget(p);
  }

  /** The Kubernetes Service that selects one version (rendered by renderVersionServices in traffic.ts). */
  versionService(service: string, version: string): string {
    this.versionServices.add(versionKey(service, version));
    return versionServiceName(service, version);
  }

  feature(section: 'traffic' | 'observability' | 'featureFlags', fields: TJson) {
    this.meshConfig[section] = { ...this.meshConfig[section], ...fields };
  }

  diag(path: TPath, message: string, feature?: TFeature, severity: TAdapterDiagnostic['severity'] = 'warning') {
    this.approx(message, path, severity, feature);
  }

  add(apiVersion: string, kind: string, name: string, namespace: string, spec: TJson) {
    this.manifests.push({ apiVersion, kind, metadata: { name, namespace }, spec });
  }
}

