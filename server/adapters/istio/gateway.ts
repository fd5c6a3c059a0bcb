/**
 * networking.istio.io/v1 Gateway: one per pattern gateway, a server per listener. The selector
 * is the Helm gateway chart's pod label (`istio: <release name>`): install the gateway with the
 * pattern gateway's name in its namespace.
 */
import type { TGateway } from '@/patterns/language/schema';
import type { TManifest } from '../types';
import { objectName } from '../shared/k8s';
import type { IstioContext } from './context';

type TObj = Record<string, unknown>;
type TListener = TGateway['listeners'][number];

const PROTOCOL: Record<TListener['protocol'], string> = { http: 'HTTP', https: 'HTTPS', tls: 'TLS', tcp: 'TCP', grpc: 'GRPC' };

export function renderGateways(ctx: IstioContext): TManifest[] {
  return [...ctx.gateways.values()].map((g) => {
    const gi = ctx.pattern.spec.gateways.indexOf(g);
    const counts = new Map<string, number>();
    for (const l of g.listeners) counts.set(`${l.protocol}-${l.port}`, (counts.get(`${l.protocol}-${l.port}`) ?? 0) + 1);
    const seen = new Map<string, number>();
    const servers = g.listeners.map((l, li) => {
      const key = `${l.protocol}-${l.port}`;
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      const name = (counts.get(key) ?? 0) > 1 ? objectName(key, n) : key;
      const server: TObj = { port: { number: l.port, name, protocol: protocolOf(l) }, hosts: [...l.hosts] };
      const tls = tlsOf(l);
      if (tls) server.tls = tls;
      if ((l.protocol === 'https' || (l.tls && l.tls.mode !== 'passthrough')) && !l.tls?.credentialName)
        ctx.warn(['spec', 'gateways', gi, 'listeners', li, 'tls'], `Istio: a ${l.tls?.mode ?? 'terminating'} TLS server needs tls.credentialName (the Secret with the certificate); none given`, 'tls-termination');
      return server;
    });
    return {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: objectName(g.name), namespace: g.namespace },
      spec: { selector: ctx.gatewaySelector(g), servers },
    };
  });
}

function protocolOf(l: TListener): string {
  if (l.tls?.mode === 'passthrough') return 'TLS';
  if (l.tls && l.protocol === 'http') return 'HTTPS';
  return PROTOCOL[l.protocol];
}

function tlsOf(l: TListener): TObj | undefined {
  if (l.tls?.mode === 'passthrough' || (l.protocol === 'tls' && !l.tls)) return { mode: 'PASSTHROUGH' };
  if (!l.tls && l.protocol !== 'https') return undefined;
  const mode = l.tls?.mode === 'mutual' ? 'MUTUAL' : 'SIMPLE';
  return { mode, ...(l.tls?.credentialName ? { credentialName: l.tls.credentialName } : {}) };
}
