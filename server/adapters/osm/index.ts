/**
 * Open Service Mesh 1.2 (SMI split v1alpha2, access v1alpha3, specs v1alpha4 and the
 * policy.openservicemesh.io v1alpha1 policies). Mesh-wide switches the pattern needs
 * (SMI mode, egress policy mode, retry policies, tracing) are set by patching the MeshConfig
 * `osm-mesh-config` in `osm-system`.
 */
import type { TPattern } from '@/patterns/language/schema';
import type { TMeshAdapter, TRenderResult } from '../types';
import { renderAccess } from './access';
import { osmCapabilities } from './capabilities';
import { CONFIG, OsmContext } from './context';
import { renderEgress, renderIngress } from './edge';
import { renderObservability, renderOtherPolicies } from './policies';
import { renderRetry, renderSplits, renderUpstreamSettings, renderVersionServices } from './traffic';

export function renderOsm(pattern: TPattern): TRenderResult {
  const ctx = new OsmContext(pattern);
  renderSplits(ctx);
  renderIngress(ctx);
  const timeouts = requestTimeouts(ctx);
  pattern.spec.policies.forEach((p, i) => {
    if (p.kind !== 'Retry') return;
    const { name } = ctx.policyTarget(p);
    if (p.route) ctx.diag(['spec', 'policies', i], `OSM retries apply to the whole destination Service ${name}, not only route ${p.route}`, 'retries', 'info');
    if (name) renderRetry(ctx, name, p, ['spec', 'policies', i], timeouts.get(name));
  });
  renderUpstreamSettings(ctx);
  renderAccess(ctx);
  renderEgress(ctx);
  renderObservability(ctx);
  renderOtherPolicies(ctx);
  renderVersionServices(ctx);
  if (Object.keys(ctx.meshConfig).length) {
    ctx.add(CONFIG, 'MeshConfig', 'osm-mesh-config', 'osm-system', ctx.meshConfig);
    ctx.diag(['spec'], `the pattern patches OSM's mesh-wide MeshConfig osm-mesh-config (${Object.keys(ctx.meshConfig).join(', ')}): apply it with a merge, it affects every namespace`, undefined, 'info');
  }
  return { manifests: ctx.manifests, diagnostics: ctx.diagnostics };
}

/** Per service, the request timeout the first Timeout policy with one sets on it: the default per-try timeout. */
function requestTimeouts(ctx: OsmContext): Map<string, string> {
  const out = new Map<string, string>();
  for (const { p } of ctx.index.policiesOf('Timeout')) if (p.target !== undefined && p.request && !out.has(p.target)) out.set(p.target, p.request);
  return out;
}

export const osmAdapter: TMeshAdapter = {
  id: 'osm',
  title: 'Open Service Mesh',
  targets: 'OSM 1.2',
  capabilities: osmCapabilities,
  render: renderOsm,
  workloadDecorations: {
    namespace: {
      labels: { 'openservicemesh.io/monitored-by': 'osm' },
      annotations: { 'openservicemesh.io/sidecar-injection': 'enabled', 'openservicemesh.io/metrics': 'enabled' },
    },
  },
};
