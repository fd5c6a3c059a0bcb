/**
 * External services: Linkerd 2.17+ describes traffic leaving the cluster with an EgressNetwork
 * (the networks outside the cluster, per client namespace) and routes attached to it whose
 * hostnames (HTTP Host, TLS SNI) name the destinations. The network's policy is `Allow`, so
 * declaring an external service never cuts other egress; the routes make each destination
 * visible (metrics, route policy) and carry its timeouts and retries.
 */
import type { TExternalService } from '@/patterns/language/schema';
import { durationMs, goDuration, objectName } from '../shared/k8s';
import { GATEWAY_API, type LinkerdContext, meta, POLICY_API } from './context';
import { retryAnnotations, retryPolicyFor, timeoutPolicyFor } from './retries';

export function egressNetworkName(ctx: LinkerdContext): string {
  return objectName(ctx.patternName, 'egress');
}

export function egressNetworkRef(ctx: LinkerdContext): Record<string, string> {
  return { group: POLICY_API, kind: 'EgressNetwork', name: egressNetworkName(ctx) };
}

export function renderEgress(ctx: LinkerdContext): void {
  const externals = ctx.pattern.spec.externalServices;
  if (externals.length === 0) return;
  for (const ns of [...new Set(externals.map((e) => e.namespace))]) {
    ctx.push({
      apiVersion: `${POLICY_API}/v1alpha1`,
      kind: 'EgressNetwork',
      metadata: meta(egressNetworkName(ctx), ns),
      spec: { trafficPolicy: 'Allow' },
    });
  }
  const routed = new Set(ctx.pattern.spec.routes.filter((r) => !r.gateway).map((r) => r.service));
  externals.forEach((e, i) => {
    const path = ['spec', 'externalServices', i];
    if (e.viaGateway) {
      ctx.approx(
        `Linkerd has no egress gateway: traffic to ${e.name} leaves from each client's proxy under the EgressNetwork of its namespace`,
        [...path, 'viaGateway'],
        'info',
        'egress-gateway',
      );
    }
    if (e.resolution === 'static' || e.addresses?.length) {
      ctx.approx(`Linkerd matches egress traffic by destination network and host name: addresses/resolution of ${e.name} are not used`, path, 'info', 'external-services');
    }
    if (routed.has(e.name)) return; // its own route (routes.ts) describes it
    e.ports.forEach((p, pi) => renderDestination(ctx, e, p, e.ports.length === 1 ? objectName(e.name) : objectName(e.name, p.port), pi === 0));
  });
}

function renderDestination(ctx: LinkerdContext, e: TExternalService, p: TExternalService['ports'][number], name: string, first: boolean): void {
  const parentRef = { ...egressNetworkRef(ctx), port: p.port };
  const backendRefs = [{ ...egressNetworkRef(ctx), port: p.port }];
  if (p.protocol === 'http' || p.protocol === 'grpc') {
    const retry = first ? retryPolicyFor(ctx, e.name) : undefined;
    const timeout = first ? timeoutPolicyFor(ctx, e.name) : undefined;
    const grpc = p.protocol === 'grpc';
    const annotations: Record<string, string> = {
      ...(retry ? retryAnnotations(ctx, retry.retry, grpc ? 'grpc-route' : 'http', retry.path) : {}),
      ...(timeout?.idle ? { 'timeout.linkerd.io/idle': goDuration(durationMs(timeout.idle)) } : {}),
      ...(grpc && timeout?.request ? { 'timeout.linkerd.io/request': goDuration(durationMs(timeout.request)) } : {}),
    };
    ctx.push({
      apiVersion: `${GATEWAY_API}/v1`,
      kind: grpc ? 'GRPCRoute' : 'HTTPRoute',
      metadata: meta(name, e.namespace, { annotations }),
      spec: {
        parentRefs: [parentRef],
        hostnames: e.hosts,
        rules: [{ backendRefs, ...(!grpc && timeout?.request ? { timeouts: { request: goDuration(durationMs(timeout.request)) } } : {}) }],
      },
    });
    return;
  }
  const tls = p.protocol === 'https' || p.protocol === 'tls';
  ctx.push({
    apiVersion: `${GATEWAY_API}/v1alpha2`,
    kind: tls ? 'TLSRoute' : 'TCPRoute',
    metadata: meta(name, e.namespace),
    spec: { parentRefs: [parentRef], ...(tls ? { hostnames: e.hosts } : {}), rules: [{ backendRefs }] },
  });
}
