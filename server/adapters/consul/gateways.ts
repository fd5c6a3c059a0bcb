/**
 * Gateways and external services.
 * - Ingress gateway → IngressGateway (named like the gateway: the Helm chart deploys the gateway
 *   of that name) with one listener per pattern listener and a service entry per route.
 * - External service → ServiceDefaults with a `destination` (hosts and port; transparent proxy)
 *   linked to a TerminatingGateway: the pattern's egress gateway (viaGateway), or the Helm
 *   chart's default `terminating-gateway`.
 */
import type { TGateway } from '@/patterns/language/schema';
import { type ConsulContext, compact, type TJson, type TUpstreamOverride, API_VERSION, routeName } from './context';
import type { TManifest } from '../types';

type TPath = (string | number)[];

function upstreamFields(o: TUpstreamOverride | undefined): TJson {
  if (!o) return {};
  return compact({ ...o.limits, passiveHealthCheck: o.passiveHealthCheck });
}

export function renderIngressGateways(ctx: ConsulContext, gatewayTargets: Map<string, string>): TManifest[] {
  const out: TManifest[] = [];
  ctx.pattern.spec.gateways.forEach((g, gi) => {
    if (g.type !== 'ingress') return;
    const path: TPath = ['spec', 'gateways', gi];
    const routes = ctx.pattern.spec.routes.filter((r) => r.gateway === g.name && gatewayTargets.has(routeName(r)));
    const settings = ctx.entries.get(`gateway:${g.name}`)?.upstreams;
    const listeners: TJson[] = [];
    // Consul allows one listener per port: pattern listeners sharing a port (virtual hosts) merge.
    const ports = [...new Set(g.listeners.map((l) => l.port))];
    for (const port of ports) {
      const group = g.listeners.map((l, li) => ({ l, li })).filter(({ l }) => l.port === port);
      const { l, li } = group[0] as (typeof group)[number];
      const lpath = [...path, 'listeners', li];
      const passthrough = group.some(({ l }) => l.tls?.mode === 'passthrough');
      const protocol = group.some(({ l }) => l.protocol === 'tcp' || l.protocol === 'tls') ? 'tcp' : l.protocol === 'grpc' ? 'grpc' : 'http';
      const listenerHosts = group.flatMap(({ l }) => l.hosts);
      const attached = routes.filter((r) => !r.hosts?.length || listenerHosts.includes('*') || r.hosts.some((h) => listenerHosts.includes(h)));
      const entries = attached.map((r) => ({ route: r, service: gatewayTargets.get(routeName(r)) as string }));
      let services: TJson[];
      if (protocol === 'tcp') {
        const first = entries[0];
        if (entries.length > 1 || (first && first.route.hosts?.length)) {
          ctx.diag(lpath, `Consul TCP listeners forward to exactly one service and cannot route by SNI host: listener ${port} of ${g.name} forwards to ${first?.service ?? 'nothing'} only`, passthrough ? 'tls-passthrough' : 'ingress-gateway');
        }
        services = first ? [{ name: first.service, ...upstreamFields(settings?.get(first.route.service)) }] : [];
      } else {
        const byName = new Map<string, { route: (typeof entries)[number]['route']; hosts: string[] }>();
        for (const { route, service } of entries) {
          const e = byName.get(service) ?? { route, hosts: [] };
          for (const h of route.hosts?.length ? route.hosts : listenerHosts) if (!e.hosts.includes(h)) e.hosts.push(h);
          byName.set(service, e);
        }
        const many = byName.size > 1;
        services = [...byName].map(([service, { route, hosts: all }]) => {
          let hosts = all;
          if (hosts.includes('*') && many) {
            ctx.diag(lpath, `Consul allows the host "*" only on a listener with one service: ${service} on listener ${port} keeps Consul's default host (${service}.ingress.*)`, 'ingress-gateway');
            hosts = hosts.filter((h) => h !== '*');
          }
          return compact({ name: service, hosts: hosts.length ? [...hosts] : undefined, ...(service === route.service ? upstreamFields(settings?.get(route.service)) : {}) });
        });
      }
      if (services.length === 0) {
        ctx.diag(lpath, `no route attaches to listener ${port} of ${g.name}: Consul needs at least one service per listener, so it is not rendered`, 'ingress-gateway', 'info');
        continue;
      }
      const tls = !passthrough && protocol !== 'tcp' && group.some(({ l }) => l.protocol === 'https' || l.tls !== undefined);
      group.forEach(({ l, li }) => {
        if (tls && l.tls?.credentialName) ctx.diag([...path, 'listeners', li, 'tls', 'credentialName'], `Consul ingress gateways serve certificates from Consul's CA (or an SDS server), not Kubernetes secrets: ${l.tls.credentialName} is not used`, 'tls-termination');
        if (l.tls?.mode === 'mutual') ctx.diag([...path, 'listeners', li, 'tls', 'mode'], 'Consul ingress gateways do not verify client certificates: mutual TLS is rendered as simple TLS', 'tls-termination');
      });
      listeners.push(compact({ port, protocol, tls: tls ? { enabled: true } : undefined, services }));
    }
    if (listeners.length === 0) return;
    out.push({
      apiVersion: API_VERSION,
      kind: 'IngressGateway',
      metadata: { name: g.name, namespace: g.namespace },
      spec: compact({ defaults: defaultsOf(settings?.get('*')), listeners }),
    });
  });
  return out;
}

function defaultsOf(o: TUpstreamOverride | undefined): TJson | undefined {
  if (!o) return undefined;
  const d = upstreamFields(o);
  return Object.keys(d).length ? d : undefined;
}

/** ServiceDefaults `destination` of each external service, and the TerminatingGateways that carry them. */
export function renderExternal(ctx: ConsulContext): TManifest[] {
  const linked = new Map<string, { gateway?: TGateway; namespace: string; services: string[] }>();
  ctx.pattern.spec.externalServices.forEach((e, ei) => {
    const path: TPath = ['spec', 'externalServices', ei];
    const [port] = e.ports;
    const entry = ctx.entry(e.name, e.namespace);
    entry.protocol = port?.protocol === 'http' ? 'http' : port?.protocol === 'grpc' ? 'grpc' : 'tcp';
    if (e.ports.length > 1) ctx.diag([...path, 'ports'], `a Consul destination has one port: ${e.name} is rendered for port ${port?.port} only`, 'external-services');
    if (e.resolution === 'none') ctx.diag([...path, 'resolution'], 'Consul destinations are resolved by DNS or given as addresses: resolution none is rendered as DNS', 'external-services', 'info');
    const addresses = [...e.hosts, ...(e.resolution === 'static' ? (e.addresses ?? []) : [])];
    entry.defaults.destination = { addresses, port: port?.port ?? 443 };
    const gw = e.viaGateway ? ctx.gateways.get(e.viaGateway) : undefined;
    const key = gw?.name ?? 'terminating-gateway';
    const l = linked.get(key) ?? { gateway: gw, namespace: gw?.namespace ?? e.namespace, services: [] };
    l.services.push(e.name);
    linked.set(key, l);
    if (!gw) ctx.diag(path, `Consul reaches destinations through a terminating gateway: ${e.name} is linked to the Helm chart's default gateway "terminating-gateway"`, 'external-services', 'info');
  });
  const out: TManifest[] = [];
  for (const [name, l] of linked) {
    out.push({ apiVersion: API_VERSION, kind: 'TerminatingGateway', metadata: { name, namespace: l.namespace }, spec: { services: l.services.map((s) => ({ name: s })) } });
  }
  ctx.pattern.spec.gateways.forEach((g, gi) => {
    if (g.type === 'egress' && !linked.has(g.name)) ctx.diag(['spec', 'gateways', gi], `no external service goes through egress gateway ${g.name}: no TerminatingGateway is rendered`, 'egress-gateway', 'info');
  });
  return out;
}
