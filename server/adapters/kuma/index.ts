/**
 * The Kuma adapter: a pattern rendered as Kuma 2.14 targetRef policies (kuma.io/v1alpha1).
 *
 * Emitted per pattern feature:
 * - the `Mesh` (default): MeshService generation (Exclusive), the built-in CA for mTLS, zone egress;
 * - routes: MeshHTTPRoute / MeshTCPRoute, with one Kubernetes Service per routed version
 *   (`<svc>-<version>`, which Kuma turns into a MeshService) for weighted subsets;
 * - rule timeouts/retries and Timeout/Retry policies: MeshTimeout / MeshRetry;
 * - CircuitBreaker, ConnectionLimits, passive HealthCheck: MeshCircuitBreaker; active HealthCheck:
 *   MeshHealthCheck; LoadBalancing and LocalityFailover: MeshLoadBalancingStrategy;
 * - FaultInjection and rule faults: MeshFaultInjection; RateLimit: MeshRateLimit;
 * - MutualTLS: Mesh mTLS + MeshTLS; Authorization: MeshTrafficPermission;
 * - AccessLog: MeshAccessLog; Tracing: MeshTrace; Metrics: MeshMetric;
 * - ingress gateways: MeshGatewayInstance + MeshGateway; external services: MeshExternalService.
 */
import type { TPattern } from '@/patterns/language/schema';
import type { TManifest, TMeshAdapter, TRenderResult } from '../types';
import { kumaCapabilities } from './capabilities';
import { KumaContext } from './context';
import { renderExternalServices, renderGateways, usesZoneEgress } from './edge';
import { renderRoutes } from './http-route';
import { renderAccessLog, renderMetrics, renderTracing } from './observability';
import {
  renderCircuitBreaker,
  renderConnectionLimits,
  renderFaultInjection,
  renderHealthCheck,
  renderLoadBalancing,
  renderLocalityFailover,
  renderRateLimit,
  renderRetry,
  renderRulePolicies,
  renderTimeout,
} from './resilience';
import { authorizationNeedsMtls, renderAuthorization, renderMesh } from './security';

export function renderKuma(pattern: TPattern): TRenderResult {
  const ctx = new KumaContext(pattern);
  ctx.needsMtlsForAuthorization = authorizationNeedsMtls(ctx);
  renderMesh(ctx, usesZoneEgress(ctx));
  renderGateways(ctx);
  renderExternalServices(ctx);
  renderRoutes(ctx);
  renderRulePolicies(ctx);
  pattern.spec.policies.forEach((p, i) => {
    const path = ['spec', 'policies', i];
    switch (p.kind) {
      case 'CircuitBreaker':
        return renderCircuitBreaker(ctx, p, path);
      case 'ConnectionLimits':
        return renderConnectionLimits(ctx, p, path);
      case 'RateLimit':
        return renderRateLimit(ctx, p, path);
      case 'RetryBudget':
        return; // declared none
      case 'Retry':
        return renderRetry(ctx, p, path);
      case 'Timeout':
        return renderTimeout(ctx, p, path);
      case 'MutualTLS':
        return; // rendered with the Mesh
      case 'Authorization':
        return renderAuthorization(ctx, p, path);
      case 'HealthCheck':
        return renderHealthCheck(ctx, p, path);
      case 'LoadBalancing':
        return renderLoadBalancing(ctx, p, path);
      case 'FaultInjection':
        return renderFaultInjection(ctx, p, path);
      case 'LocalityFailover':
        return renderLocalityFailover(ctx, p, path);
      case 'AccessLog':
        return renderAccessLog(ctx, p, path);
      case 'Tracing':
        return renderTracing(ctx, p, path);
      case 'Metrics':
        return renderMetrics(ctx, p, path);
      default: {
        const exhaustive: never = p;
        return exhaustive;
      }
    }
  });
  return { manifests: uniqueNames(ctx.manifests), diagnostics: ctx.diagnostics };
}

/** Two policies of one kind on one target would share a name: number the later ones. */
function uniqueNames(manifests: TManifest[]): TManifest[] {
  const seen = new Set<string>();
  return manifests.map((m) => {
    const key = (name: string) => `${m.apiVersion}|${m.kind}|${m.metadata.namespace ?? ''}|${name}`;
    let name = m.metadata.name;
    for (let n = 2; seen.has(key(name)); n++) name = `${m.metadata.name.slice(0, 60)}-${n}`;
    seen.add(key(name));
    return name === m.metadata.name ? m : { ...m, metadata: { ...m.metadata, name } };
  });
}

export const kumaAdapter: TMeshAdapter = {
  id: 'kuma',
  title: 'Kuma',
  targets: 'Kuma 2.14',
  capabilities: kumaCapabilities,
  render: renderKuma,
  workloadDecorations: { namespace: { labels: { 'kuma.io/sidecar-injection': 'enabled' } } },
};
