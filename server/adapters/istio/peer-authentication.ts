/**
 * security.istio.io/v1 PeerAuthentication from MutualTLS policies: mesh-wide (`default` in the
 * root namespace), namespace-wide (`default` in the namespace) or per workload (selector).
 */
import type { TManifest } from '../types';
import { objectName } from '../shared/k8s';
import { type IstioContext, ROOT_NAMESPACE } from './context';

type TMode = 'strict' | 'permissive' | 'disabled';
const ISTIO_MODE: Record<TMode, string> = { strict: 'STRICT', permissive: 'PERMISSIVE', disabled: 'DISABLE' };

/** The mTLS mode that applies to a service's workloads: workload policy, else namespace, else mesh. */
export function effectiveMtlsMode(ctx: IstioContext, service: string, namespace: string): TMode | undefined {
  return ctx.mtlsModeOf(service, namespace);
}

export function renderPeerAuthentications(ctx: IstioContext): TManifest[] {
  const out: TManifest[] = [];
  const seen = new Set<string>();
  for (const { policy: p, path } of ctx.policies('MutualTLS')) {
    const mtls = { mode: ISTIO_MODE[p.mode] };
    let target = p.target;
    if (!target && p.route) {
      const r = ctx.routes.get(p.route);
      target = r?.route.service;
      ctx.info(path, `Istio: mTLS is a property of the receiving workload; applied to ${target ?? p.route}`);
    }
    if (!target) {
      const namespace = p.namespace ?? ROOT_NAMESPACE;
      const key = `ns:${namespace}`;
      if (seen.has(key)) {
        ctx.warn(path, `Istio: only one ${p.namespace ? 'namespace-wide' : 'mesh-wide'} PeerAuthentication takes effect in ${namespace}; this one is not rendered`);
        continue;
      }
      seen.add(key);
      out.push({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace }, spec: { mtls } });
      continue;
    }
    if (ctx.services.has(target)) {
      const namespace = ctx.namespaceOf(target);
      const key = `svc:${target}`;
      if (seen.has(key)) {
        ctx.warn(path, `Istio: ${target} already has a PeerAuthentication; this one is not rendered`);
        continue;
      }
      seen.add(key);
      out.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: objectName(target), namespace },
        spec: { selector: { matchLabels: { app: target } }, mtls },
      });
    } else if (ctx.gateways.has(target)) {
      ctx.warn(path, `Istio: PeerAuthentication does not apply to gateway listeners (their TLS is the Gateway server's tls); gateway ${target} is reached over mesh mTLS by default`, 'mtls');
    } else if (ctx.externals.has(target)) {
      ctx.warn(path, `Istio: ${target} is outside the mesh and cannot take part in mesh mTLS; not rendered (originate TLS with a DestinationRule instead)`, 'mtls');
    } else {
      ctx.warn(path, `Istio: unknown target ${target}`);
    }
  }
  return out;
}
