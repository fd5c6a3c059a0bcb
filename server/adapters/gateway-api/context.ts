/** Lookups shared by the Gateway API renderers. Pure and deterministic. */
import type { TPolicy, TService } from '@/patterns/language/schema';
import { MeshContext } from '../shared/mesh-context';
import type { TIndexedPolicy, TPolicyOf } from '../shared/pattern-index';

export type { TPath, TPolicyOf } from '../shared/pattern-index';
export { routeName } from '../shared/pattern-index';
export { escapeRegex } from '../shared/text';

export const GATEWAY_API = 'gateway.networking.k8s.io/v1';
/** The GatewayClass gateways are rendered with; installations name their own (istio, eg, cilium…). */
export const DEFAULT_GATEWAY_CLASS = 'meshloom';

export class GatewayApiContext extends MeshContext {
  /** Routes by name, with their position in spec.routes. */
  readonly routes = this.index.routeEntries;
  /** Version Services the routes need: `${service}/${version}`. */
  readonly versionRefs = new Set<string>();

  /** The policies of one kind, in pattern order (the list is shared: do not modify it). */
  policies<K extends TPolicy['kind']>(kind: K): readonly TIndexedPolicy<TPolicyOf<K>>[] {
    return this.index.policyEntries(kind);
  }

  namespaceOf(name: string): string {
    return this.services.get(name)?.namespace ?? this.gateways.get(name)?.namespace ?? this.externals.get(name)?.namespace ?? 'default';
  }

  protocolOf(service: string): TService['protocol'] | undefined {
    return this.services.get(service)?.protocol;
  }
}
