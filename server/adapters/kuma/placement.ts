/**
 * Where a policy lives and what it targets, from the pattern's attachment fields.
 */
import type { TFeature } from '@/patterns/language/features';
import type { TService } from '@/patterns/language/schema';
import { SYSTEM_NAMESPACE, externalServiceName, routeName, workloadSelector, type KumaContext, type TTargetRef } from './context';

export interface TAttach {
  target?: string;
  route?: string;
  namespace?: string;
}

export interface TOutbound {
  namespace: string;
  targetRef: TTargetRef;
  to: TTargetRef[];
  /** Name part identifying what the policy is about. */
  label: string;
  /** The destination service, when it is one. */
  service?: TService;
  /** The destination's protocol family. */
  protocol: string;
}

/**
 * Outbound (`to`) policies: on the clients of a service (producer policy in the service's
 * namespace), of an external service or on a gateway (system namespace). With `routeLevel`, a
 * `route:` attachment targets that route's MeshHTTPRoutes; otherwise it falls back to the route's
 * service with a diagnostic.
 */
export function outboundPlacement(ctx: KumaContext, p: TAttach, path: (string | number)[], opts: { routeLevel: boolean; feature?: TFeature; what: string }): TOutbound | undefined {
  if (p.route) {
    const route = ctx.routes.get(p.route);
    const obj = ctx.routeObjects.get(p.route);
    if (!route || !obj) {
      ctx.approx(`route ${p.route} was not rendered; the ${opts.what} policy is left out`, path, 'warning', opts.feature);
      return undefined;
    }
    const service = ctx.services.get(route.service);
    if (opts.routeLevel && obj.kind === 'MeshHTTPRoute') {
      return {
        namespace: obj.namespace,
        targetRef: obj.gateway ? { kind: 'MeshGateway', name: obj.gateway } : { kind: 'Mesh' },
        to: obj.names.map((name) => ({ kind: 'MeshHTTPRoute', name })),
        label: routeName(route),
        ...(service ? { service } : {}),
        protocol: service?.protocol ?? 'http',
      };
    }
    ctx.approx(`Kuma cannot attach a ${opts.what} policy to one route: it applies to all traffic to ${route.gateway ?? route.service}`, path, 'warning', opts.feature);
    return outboundPlacement(ctx, { target: route.gateway ?? route.service }, path, opts);
  }
  const t = ctx.resolve(p.target);
  switch (t.type) {
    case 'service':
      return { namespace: t.service.namespace, targetRef: { kind: 'Mesh' }, to: [{ kind: 'MeshService', name: t.service.name }], label: t.service.name, service: t.service, protocol: t.service.protocol };
    case 'gateway':
      if (t.gateway.type === 'egress') {
        ctx.approx(`Kuma's egress is the shared ZoneEgress, which ${opts.what} policies cannot target; the policy on ${t.gateway.name} is left out`, path, 'warning', opts.feature);
        return undefined;
      }
      return { namespace: SYSTEM_NAMESPACE, targetRef: { kind: 'MeshGateway', name: t.gateway.name }, to: [{ kind: 'Mesh' }], label: t.gateway.name, protocol: 'http' };
    case 'external':
      return {
        namespace: SYSTEM_NAMESPACE,
        targetRef: { kind: 'Mesh' },
        to: t.external.ports.map((port) => ({ kind: 'MeshExternalService', name: externalServiceName(t.external, port.port) })),
        label: t.external.name,
        protocol: t.external.ports[0]?.protocol === 'tcp' || t.external.ports[0]?.protocol === 'tls' ? 'tcp' : 'http',
      };
    default:
      ctx.approx(`the ${opts.what} policy has no target Kuma can address; left out`, path, 'warning', opts.feature);
      return undefined;
  }
}

export interface TInbound {
  namespace: string;
  targetRef: TTargetRef;
  label: string;
  service?: TService;
  /** A gateway takes the configuration as `to: Mesh` rather than inbound `rules`. */
  gateway: boolean;
}

/** Inbound policies (`rules`, or single-item policies) on the proxies of a service or on a gateway. */
export function inboundPlacement(ctx: KumaContext, p: TAttach, path: (string | number)[], opts: { feature?: TFeature; what: string }): TInbound | undefined {
  if (p.route) {
    const route = ctx.routes.get(p.route);
    if (!route) return undefined;
    ctx.approx(`Kuma applies ${opts.what} to whole workloads, not routes: it applies to all traffic ${route.gateway ?? route.service} receives`, path, 'warning', opts.feature);
    return inboundPlacement(ctx, { target: route.gateway ?? route.service }, path, opts);
  }
  const t = ctx.resolve(p.target);
  if (t.type === 'service') return { namespace: t.service.namespace, targetRef: workloadSelector(t.service), label: t.service.name, service: t.service, gateway: false };
  if (t.type === 'gateway' && t.gateway.type === 'ingress') return { namespace: SYSTEM_NAMESPACE, targetRef: { kind: 'MeshGateway', name: t.gateway.name }, label: t.gateway.name, gateway: true };
  ctx.approx(`Kuma cannot apply ${opts.what} to ${p.target ?? 'this target'} (only to mesh workloads and ingress gateways); left out`, path, 'warning', opts.feature);
  return undefined;
}

/** Mesh-wide kinds: a target or route as above; else one namespace (its proxies) or the whole mesh. */
export function meshWidePlacement(ctx: KumaContext, p: TAttach, path: (string | number)[], opts: { feature?: TFeature; what: string }): TInbound | undefined {
  if (p.target || p.route) return inboundPlacement(ctx, p, path, opts);
  if (p.namespace) return { namespace: p.namespace, targetRef: { kind: 'Mesh' }, label: p.namespace, gateway: false };
  return { namespace: SYSTEM_NAMESPACE, targetRef: { kind: 'Mesh' }, label: 'mesh', gateway: false };
}
