/**
 * The edge: ingress gateways (MeshGatewayInstance + MeshGateway), egress through Kuma's
 * ZoneEgress, and MeshExternalService.
 */
import type { TExternalService, TGateway } from '@/patterns/language/schema';
import { objectName } from '../shared/k8s';
import { KUMA_API, MESH, MESH_LABEL, SYSTEM_NAMESPACE, externalServiceName, type KumaContext } from './context';

/** Whether traffic must leave through Kuma's zone egress. */
export function usesZoneEgress(ctx: KumaContext): boolean {
  return ctx.pattern.spec.gateways.some((g) => g.type === 'egress') || ctx.pattern.spec.externalServices.some((e) => e.viaGateway);
}

export function renderGateways(ctx: KumaContext): void {
  ctx.pattern.spec.gateways.forEach((g, gi) => {
    const path = ['spec', 'gateways', gi];
    if (g.type === 'egress') {
      ctx.approx(
        `Kuma's egress is the zone egress installed with the control plane: the mesh routes external traffic through it (Mesh routing.zoneEgress); gateway ${g.name}'s own listeners are not rendered`,
        path,
        'info',
        'egress-gateway',
      );
      return;
    }
    renderIngress(ctx, g, path);
  });
}

function renderIngress(ctx: KumaContext, g: TGateway, path: (string | number)[]): void {
  ctx.push({
    apiVersion: KUMA_API,
    kind: 'MeshGatewayInstance',
    metadata: { name: g.name, namespace: g.namespace, labels: { ...MESH_LABEL } },
    spec: { replicas: 1, serviceType: 'LoadBalancer' },
  });
  const listeners: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  g.listeners.forEach((l, li) => {
    const lpath = [...path, 'listeners', li];
    let protocol: string;
    switch (l.protocol) {
      case 'https':
        protocol = 'HTTPS';
        break;
      case 'tls':
        protocol = 'TLS';
        break;
      case 'tcp':
        protocol = 'TCP';
        break;
      case 'grpc':
        ctx.approx('Kuma gateway listeners have no gRPC protocol: an HTTP listener (HTTP/2 capable) is used', lpath, 'info', 'grpc');
        protocol = 'HTTP';
        break;
      default:
        protocol = l.tls && l.tls.mode !== 'passthrough' ? 'HTTPS' : 'HTTP';
    }
    let tls: Record<string, unknown> | undefined;
    if (protocol === 'HTTPS' || protocol === 'TLS') {
      if (l.tls?.mode === 'passthrough') {
        if (protocol === 'HTTPS') protocol = 'TLS';
        tls = { mode: 'PASSTHROUGH' };
      } else {
        if (l.tls?.mode === 'mutual') ctx.approx('Kuma gateway listeners cannot verify client certificates: mutual TLS rendered as TLS termination', [...lpath, 'tls'], 'warning', 'tls-termination');
        const secret = l.tls?.credentialName ?? objectName(g.name, l.port, 'tls');
        if (!l.tls?.credentialName) ctx.approx(`no credentialName: the listener expects a certificate secret named ${secret}`, [...lpath, 'tls'], 'info', 'tls-termination');
        tls = { mode: 'TERMINATE', certificates: [{ secret }] };
      }
    }
    const hosts = l.hosts.filter((h) => h !== '*');
    for (const hostname of hosts.length ? hosts : [undefined]) {
      const key = `${l.port}|${hostname ?? '*'}`;
      if (seen.has(key)) continue;
      seen.add(key);
      listeners.push({ port: l.port, protocol, ...(hostname ? { hostname } : {}), ...(tls ? { tls } : {}), tags: { port: `${l.protocol}-${l.port}` } });
    }
  });
  if (listeners.some((l) => l.tls && (l.tls as { certificates?: unknown }).certificates)) {
    ctx.approx('Kuma reads gateway certificates from secrets of type system.kuma.io/secret in kuma-system', [...path, 'listeners'], 'info', 'tls-termination');
  }
  ctx.push({
    apiVersion: KUMA_API,
    kind: 'MeshGateway',
    mesh: MESH,
    metadata: { name: g.name, labels: { ...MESH_LABEL } },
    spec: {
      selectors: [{ match: { 'kuma.io/service': `${g.name}_${g.namespace}_svc` } }],
      conf: { listeners },
    },
  });
}

export function renderExternalServices(ctx: KumaContext): void {
  ctx.pattern.spec.externalServices.forEach((e, ei) => renderExternal(ctx, e, ['spec', 'externalServices', ei]));
}

function renderExternal(ctx: KumaContext, e: TExternalService, path: (string | number)[]): void {
  if (e.hosts.length > 1) ctx.approx(`MeshExternalService ${e.name}: the hosts become endpoints of one destination; TLS verification uses ${e.hosts[0] ?? ''}`, [...path, 'hosts'], 'info', 'external-services');
  if (e.resolution === 'none') ctx.approx('Kuma needs endpoints: resolution none rendered with the hosts as DNS endpoints', [...path, 'resolution'], 'info', 'external-services');
  for (const port of e.ports) {
    const protocol = port.protocol === 'http' ? 'http' : port.protocol === 'https' ? 'http' : port.protocol === 'grpc' ? 'grpc' : 'tcp';
    const addresses = e.resolution === 'static' && e.addresses?.length ? e.addresses : e.hosts;
    const spec: Record<string, unknown> = {
      match: { type: 'HostnameGenerator', port: port.port, protocol },
      endpoints: addresses.map((address) => ({ address, port: port.port })),
    };
    if (port.protocol === 'https') {
      // The sidecar originates TLS: callers speak HTTP to the MeshExternalService's hostname.
      spec.tls = { enabled: true, verification: { mode: 'Secured', serverName: e.hosts[0] ?? e.name } };
      ctx.approx(`${e.name}:${port.port}: the sidecar originates TLS, so callers send plain HTTP to ${externalServiceName(e, port.port)}.extsvc.mesh.local`, path, 'info', 'external-services');
    }
    ctx.push({
      apiVersion: KUMA_API,
      kind: 'MeshExternalService',
      metadata: { name: externalServiceName(e, port.port), namespace: SYSTEM_NAMESPACE, labels: { ...MESH_LABEL } },
      spec,
    });
  }
}
