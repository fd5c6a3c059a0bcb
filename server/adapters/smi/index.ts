/**
 * The SMI adapter: the Service Mesh Interface as smi-sdk-go v0.5.0 serves it —
 * split.smi-spec.io/v1alpha4 TrafficSplit, specs.smi-spec.io/v1alpha4 HTTPRouteGroup/TCPRoute,
 * access.smi-spec.io/v1alpha3 TrafficTarget. SMI is a specification implemented by a mesh (OSM,
 * Linkerd's SMI extension…): it expresses traffic splits, matches and access control only.
 */
import type { TPattern } from '@/patterns/language/schema';
import { renderVersionServices, routedVersions } from '../shared/version-services';
import type { TMeshAdapter, TRenderResult } from '../types';
import { renderAccess } from './access';
import { smiCapabilities } from './capabilities';
import { SmiContext } from './context';
import { renderTrafficSplits } from './traffic-split';

export function renderSmi(pattern: TPattern): TRenderResult {
  const ctx = new SmiContext(pattern);
  // TrafficSplit backends are Services: one `<service>-<version>` per routed version (the
  // pattern's service itself is the apex of the split).
  ctx.push(...renderVersionServices(pattern, routedVersions(pattern)));
  renderTrafficSplits(ctx);
  renderAccess(ctx);
  // Cloned: rendered objects share no arrays with each other or with the pattern.
  return { manifests: ctx.manifests, diagnostics: ctx.diagnostics };
}

export const smiAdapter: TMeshAdapter = {
  id: 'smi',
  title: 'SMI',
  targets: 'SMI v1alpha4 (split, specs) / v1alpha3 (access)',
  capabilities: smiCapabilities,
  render: renderSmi,
};
