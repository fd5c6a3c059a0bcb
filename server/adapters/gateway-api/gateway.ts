/**
 * gateway.networking.k8s.io/v1 Gateway for each ingress gateway: one listener per pattern
 * listener and host (Gateway API listeners carry a single hostname). Routes live in the services'
 * namespaces, so listeners admit routes from all namespaces.
 */
import type { TGateway } from '@/patterns/language/schema';
import { objectName } from '../shared/k8s';
import type { TManifest } from '../types';
import { DEFAULT_GATEWAY_CLASS, GATEWAY_API, type GatewayApiContext } from './context';

type TObj = Record<string, unknown>;
type TListener = TGateway['listeners'][number];

export function renderGateways(ctx: GatewayApiContext): TManifest[] {
  const out: TManifest[] = [];
  ctx.pattern.spec.gateways.forEach((g, gi) => {
    const path = ['spec', 'gateways', gi];
    if (g.type === 'egress') {
      ctx.warn(path, 'Gateway API has no egress gateway; not rendered', 'egress-gateway');
      return;
    }
    const entries = g.listeners.flatMap((l, li) => (l.hosts.includes('*') ? [undefined] : l.hosts).map((host) => ({ l, li, host, key: `${l.protocol}-${l.port}` })));
    const counts = new Map<string, number>();
    for (const e of entries) counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
    const seen = new Map<string, number>();
    const listeners: TObj[] = entries.map(({ l, li, host, key }) => {
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      return {
        name: (counts.get(key) ?? 0) > 1 ? objectName(key, n) : key,
        ...(host ? { hostname: host } : {}),
        port: l.port,
        protocol: protocolOf(l),
        ...tlsOf(ctx, l, [...path, 'listeners', li]),
        allowedRoutes: { namespaces: { from: 'All' } },
      };
    });
    ctx.info(path, `Gateway API: gatewayClassName is ${DEFAULT_GATEWAY_CLASS}; set it to your implementation's GatewayClass (istio, eg, cilium, …) with an override`, 'ingress-gateway');
    out.push({ apiVersion: GATEWAY_API, kind: 'Gateway', metadata: { name: objectName(g.name), namespace: g.namespace }, spec: { gatewayClassName: DEFAULT_GATEWAY_CLASS, listeners } });
  });
  return out;
}

function protocolOf(l: TListener): string {
  if (l.tls?.mode === 'passthrough' || (l.protocol === 'tls' && !l.tls)) return 'TLS';
  if (l.protocol === 'tls') return 'TLS';
  if (l.protocol === 'tcp') return 'TCP';
  if (l.protocol === 'https' || l.tls) return 'HTTPS';
  return 'HTTP';
}

function tlsOf(ctx: GatewayApiContext, l: TListener, path: (string | number)[]): TObj {
  if (l.tls?.mode === 'passthrough' || (l.protocol === 'tls' && !l.tls)) return { tls: { mode: 'Passthrough' } };
  if (!l.tls && l.protocol !== 'https') return {};
  if (l.tls?.mode === 'mutual')
    ctx.warn([...path, 'tls', 'mode'], 'Gateway API: client-certificate validation (Gateway spec.tls.frontend) applies per port to every HTTPS listener and needs a CA bundle reference; rendered as plain TLS termination', 'tls-termination');
  if (!l.tls?.credentialName) {
    ctx.warn([...path, 'tls'], 'Gateway API: a terminating listener needs a certificate Secret (tls.credentialName); none given', 'tls-termination');
    return { tls: { mode: 'Terminate' } };
  }
  return { tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: l.tls.credentialName }] } };
}
