/**
 * Every mesh's declared capability per pattern feature, and mesh compatibility computed from
 * them. Exhaustive: adding a mesh id without a declaration is a type error.
 */
import { MESH_IDS, type TMeshId } from '@/patterns/language';
import { FEATURES, type TFeature } from '@/patterns/language/features';
import type { TCapabilities, TCapabilityLevel } from './capability';
import { consulCapabilities } from './consul/capabilities';
import { gatewayApiCapabilities } from './gateway-api/capabilities';
import { haproxyCapabilities } from './haproxy/capabilities';
import { istioCapabilities } from './istio/capabilities';
import { kumaCapabilities } from './kuma/capabilities';
import { linkerdCapabilities } from './linkerd/capabilities';
import { osmCapabilities } from './osm/capabilities';
import { smiCapabilities } from './smi/capabilities';

export const MESH_CAPABILITIES: Record<TMeshId, TCapabilities> = {
  istio: istioCapabilities,
  linkerd: linkerdCapabilities,
  consul: consulCapabilities,
  kuma: kumaCapabilities,
  osm: osmCapabilities,
  smi: smiCapabilities,
  'gateway-api': gatewayApiCapabilities,
  haproxy: haproxyCapabilities,
};

export { MESH_TITLES } from '@/patterns/language/meshes';

export interface TMeshCompatibility {
  mesh: TMeshId;
  /** none of the used features is unsupported or partial → full; any none → none; else partial */
  level: TCapabilityLevel;
  partial: TFeature[];
  missing: TFeature[];
}

/** How well each mesh can express a pattern that uses `features`. */
export function compatibilityOf(features: readonly TFeature[]): TMeshCompatibility[] {
  return MESH_IDS.map((mesh) => {
    const caps = MESH_CAPABILITIES[mesh];
    const partialFeatures = features.filter((f) => caps[f].level === 'partial');
    const missing = features.filter((f) => caps[f].level === 'none');
    const level: TCapabilityLevel = missing.length ? 'none' : partialFeatures.length ? 'partial' : 'full';
    return { mesh, level, partial: partialFeatures, missing };
  });
}

/** Meshes that express every used feature at least partially (what the catalog filter means by "works on"). */
export function compatibleMeshes(features: readonly TFeature[]): TMeshId[] {
  return compatibilityOf(features)
    .filter((c) => c.level !== 'none')
    .map((c) => c.mesh);
}

export { FEATURES };
