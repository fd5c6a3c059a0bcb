/**
 * networking.istio.io/v1 ServiceEntry for each external service (MESH_EXTERNAL), and, for those
 * that leave through an egress gateway, Istio's standard VirtualService pair in one object:
 * sidecars (gateway `mesh`) send the host to the egress gateway, the gateway sends it out.
 */
import type { TExternalService } from '@/patterns/language/schema';
import type { TManifest } from '../types';
import { objectName } from '../shared/k8s';
import type { IstioContext } from './context';

type TObj = Record<string, unknown>;
type TPort = TExternalService['ports'][number];

const PROTOCOL: Record<TPort['protocol'], string> = { http: 'HTTP', https: 'HTTPS', tls: 'TLS', tcp: 'TCP', grpc: 'GRPC' };

export function renderServiceEntries(ctx: IstioContext): TManifest[] {
  const out: TManifest[] = [];
  ctx.pattern.spec.externalServices.forEach((e, ei) => {
    const path = ['spec', 'externalServices', ei];
    const spec: TObj = {
      hosts: [...e.hosts],
      location: 'MESH_EXTERNAL',
      ports: e.ports.map((p) => ({ number: p.port, name: p.name ?? `${p.protocol}-${p.port}`, protocol: PROTOCOL[p.protocol] })),
      resolution: e.resolution === 'static' ? 'STATIC' : e.resolution === 'none' ? 'NONE' : 'DNS',
    };
    if (e.addresses?.length) {
      // STATIC: the addresses are the endpoints; otherwise they are the service's addresses (VIPs/CIDRs).
      if (e.resolution === 'static') spec.endpoints = e.addresses.map((address) => ({ address }));
      else spec.addresses = [...e.addresses];
    } else if (e.resolution === 'static') {
      ctx.warn([...path, 'addresses'], 'Istio: static resolution needs addresses (the endpoints); none given');
    }
    out.push({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: objectName(e.name), namespace: e.namespace }, spec });

    if (!e.viaGateway) return;
    const gw = ctx.gateways.get(e.viaGateway);
    if (!gw) {
      ctx.warn([...path, 'viaGateway'], `Istio: unknown gateway ${e.viaGateway}`);
      return;
    }
    if (gw.type !== 'egress') ctx.info([...path, 'viaGateway'], `Istio: ${gw.name} is not declared as an egress gateway; used as one`);
    const gwRef = `${gw.namespace}/${gw.name}`;
    const gwHost = ctx.gatewayHost(gw);
    const http: TObj[] = [];
    const tls: TObj[] = [];
    const tcp: TObj[] = [];
    for (const p of e.ports) {
      // The gateway listener that carries this port: same protocol family and a matching host.
      const l =
        gw.listeners.find((x) => (x.hosts.includes('*') || e.hosts.some((h) => x.hosts.includes(h))) && family(x.protocol, x.tls?.mode) === family(p.protocol)) ??
        gw.listeners.find((x) => family(x.protocol, x.tls?.mode) === family(p.protocol));
      if (!l) {
        ctx.warn([...path, 'ports'], `Istio: egress gateway ${gw.name} has no ${p.protocol} listener for port ${p.port}; that port is not routed through it`, 'egress-gateway');
        continue;
      }
      const kind = family(p.protocol);
      for (const host of e.hosts) {
        const toGateway = { destination: { host: gwHost, port: { number: l.port } } };
        const toExternal = { destination: { host, port: { number: p.port } } };
        const suffix = e.hosts.length > 1 ? objectName(host) : '';
        if (kind === 'tls') {
          tls.push({ match: [{ gateways: ['mesh'], port: p.port, sniHosts: [host] }], route: [toGateway] });
          tls.push({ match: [{ gateways: [gwRef], port: l.port, sniHosts: [host] }], route: [toExternal] });
        } else if (kind === 'http') {
          const authority = e.hosts.length > 1 ? { authority: { exact: host } } : {};
          http.push({ name: objectName('mesh-to-gateway', p.port, suffix), match: [{ gateways: ['mesh'], port: p.port, ...authority }], route: [toGateway] });
          http.push({ name: objectName('gateway-to-external', p.port, suffix), match: [{ gateways: [gwRef], port: l.port, ...authority }], route: [toExternal] });
        } else {
          tcp.push({ match: [{ gateways: ['mesh'], port: p.port }], route: [toGateway] });
          tcp.push({ match: [{ gateways: [gwRef], port: l.port }], route: [toExternal] });
          if (e.hosts.length > 1) ctx.warn([...path, 'hosts'], 'Istio: TCP traffic carries no host name; only the first host is routed through the egress gateway');
          break;
        }
      }
    }
    out.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: objectName(e.name, 'egress'), namespace: e.namespace },
      spec: {
        hosts: [...e.hosts],
        gateways: ['mesh', gwRef],
        ...(http.length > 0 ? { http } : {}),
        ...(tls.length > 0 ? { tls } : {}),
        ...(tcp.length > 0 ? { tcp } : {}),
      },
    });
  });
  return out;
}

function family(protocol: string, tlsMode?: string): 'http' | 'tls' | 'tcp' {
  if (tlsMode === 'passthrough') return 'tls';
  if (protocol === 'http' || protocol === 'grpc') return 'http';
  if (protocol === 'https' || protocol === 'tls') return 'tls';
  return 'tcp';
}
