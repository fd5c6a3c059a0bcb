/**
 * The Linkerd adapter (Linkerd 2.18, edge-25.x APIs): Servers, AuthorizationPolicies and
 * authentications for inbound policy; Gateway API routes on Services for routing, timeouts and
 * (through Linkerd's annotations) retries; per-version Services to split across; a ServiceProfile
 * where a retry budget is asked for; HTTPLocalRateLimitPolicy; EgressNetwork for external services;
 * failure-accrual annotations on Services and access-log annotations on Namespaces (merged into
 * the workload objects by renderPattern).
 */
import type { TPattern } from '@/patterns/language/schema';
import { renderVersionServices, routedVersions } from '../shared/version-services';
import type { TMeshAdapter, TRenderResult } from '../types';
import { linkerdCapabilities } from './capabilities';
import { renderAnnotations } from './annotations';
import { LinkerdContext } from './context';
import { renderEgress } from './egress';
import { renderObservability } from './observability';
import { renderRateLimits } from './rate-limit';
import { renderRoutes } from './routes';
import { renderSecurity } from './security';
import { renderServiceProfiles } from './service-profile';

export function renderLinkerd(pattern: TPattern): TRenderResult {
  const ctx = new LinkerdContext(pattern);
  // Linkerd splits traffic across Services, not subsets: one `<service>-<version>` per routed version.
  ctx.push(...renderVersionServices(pattern, routedVersions(pattern)));
  renderSecurity(ctx);
  renderRateLimits(ctx);
  const profiled = renderServiceProfiles(ctx);
  renderRoutes(ctx, profiled);
  renderEgress(ctx);
  renderObservability(ctx);
  renderAnnotations(ctx);
  // Cloned: rendered objects share no arrays with each other or with the pattern.
  return { manifests: ctx.manifests, diagnostics: ctx.diagnostics };
}

export const linkerdAdapter: TMeshAdapter = {
  id: 'linkerd',
  title: 'Linkerd',
  targets: 'Linkerd 2.18',
  capabilities: linkerdCapabilities,
  render: renderLinkerd,
  workloadDecorations: {
    pod: { annotations: { 'linkerd.io/inject': 'enabled' } },
  },
};
