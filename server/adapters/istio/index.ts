/**
 * The Istio adapter: networking.istio.io (VirtualService, DestinationRule, Gateway, ServiceEntry,
 * EnvoyFilter for rate limits), security.istio.io (PeerAuthentication, AuthorizationPolicy) and
 * telemetry.istio.io (Telemetry), for sidecar-injected workloads.
 */
import type { TPattern } from '@/patterns/language/schema';
import type { TMeshAdapter, TRenderResult } from '../types';
import { renderAuthorizationPolicies } from './authorization-policy';
import { istioCapabilities } from './capabilities';
import { IstioContext } from './context';
import { renderDestinationRules } from './destination-rule';
import { renderRateLimits } from './envoy-filter';
import { renderGateways } from './gateway';
import { renderPeerAuthentications } from './peer-authentication';
import { renderServiceEntries } from './service-entry';
import { renderTelemetries } from './telemetry';
import { renderVirtualServices } from './virtual-service';

export function renderIstio(pattern: TPattern): TRenderResult {
  const ctx = new IstioContext(pattern);
  const manifests = [
    ...renderGateways(ctx),
    ...renderServiceEntries(ctx),
    ...renderVirtualServices(ctx),
    ...renderDestinationRules(ctx),
    ...renderPeerAuthentications(ctx),
    ...renderAuthorizationPolicies(ctx),
    ...renderTelemetries(ctx),
    ...renderRateLimits(ctx),
  ];
  // Plain data without shared references (so YAML output has no anchors/aliases).
  return { manifests, diagnostics: ctx.diagnostics };
}

export const istioAdapter: TMeshAdapter = {
  id: 'istio',
  title: 'Istio',
  targets: 'Istio 1.30',
  capabilities: istioCapabilities,
  render: renderIstio,
  workloadDecorations: { namespace: { labels: { 'istio-injection': 'enabled' } } },
};
