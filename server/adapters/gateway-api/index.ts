/**
 * The Gateway API adapter (GAMMA for the mesh): HTTPRoute / GRPCRoute / TCPRoute with the
 * Service as parent for east-west routes, Gateway + HTTPRoute / TLSRoute / TCPRoute at the edge,
 * one Service per routed version, and experimental XBackendTrafficPolicy for retry budgets and
 * session persistence. Output validates against the standard-channel CRDs (v1.6).
 */
import type { TPattern } from '@/patterns/language/schema';
import { renderVersionServices } from '../shared/version-services';
import type { TMeshAdapter, TRenderResult } from '../types';
import { renderBackendTrafficPolicies } from './backend-traffic-policy';
import { gatewayApiCapabilities } from './capabilities';
import { GatewayApiContext } from './context';
import { renderGateways } from './gateway';
import { renderReferenceGrants } from './reference-grant';
import { renderRoutes } from './routes';

export function renderGatewayApi(pattern: TPattern): TRenderResult {
  const ctx = new GatewayApiContext(pattern);
  const gateways = renderGateways(ctx);
  const routes = renderRoutes(ctx);
  const policies = renderBackendTrafficPolicies(ctx);
  // Version Services last: routes and policies record which versions they reference. Gateway API
  // splits traffic between Services, not pod subsets: one `<service>-<version>` per routed version.
  const manifests = [...renderVersionServices(pattern, ctx.versionRefs), ...gateways, ...routes, ...renderReferenceGrants(routes), ...policies];
  return { manifests, diagnostics: ctx.diagnostics };
}

export const gatewayApiAdapter: TMeshAdapter = {
  id: 'gateway-api',
  title: 'Gateway API (GAMMA)',
  targets: 'Gateway API v1.6 (standard channel)',
  capabilities: gatewayApiCapabilities,
  render: renderGatewayApi,
};
