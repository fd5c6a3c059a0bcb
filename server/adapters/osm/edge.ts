/**
 * The edge. OSM has no gateway of its own:
 * - ingress: a Kubernetes Ingress (for the cluster's ingress controller, class named after the
 *   pattern gateway) carrying the route's hosts and paths, plus an IngressBackend that lets the
 *   controller's Service reach the backends through their sidecars;
 * - egress: an Egress policy per external service, for the ServiceAccounts that call it (or that
 *   an Authorization allows); the MeshConfig turns global egress off so only these pass.
 */
import type { TGateway, TService } from '@/patterns/language/schema';
import { objectName } from '../shared/k8s';
import { compact, type OsmContext, POLICY, routeName, type TJson, type TPath } from './context';

export function renderIngress(ctx: OsmContext) {
  ctx.pattern.spec.routes.forEach((route, ri) => {
    if (!route.gateway) return;
    const path: TPath = ['spec', 'routes', ri];
    const gateway = ctx.gateways.get(route.gateway) as TGateway;
    const ns = ctx.namespaceOf(route.service);
    const name = objectName(ctx.name, routeName(route));
    const listeners = gateway.listeners;
    const hosts = route.hosts?.length ? route.hosts : [...new Set(listeners.flatMap((l) => l.hosts))];
    const backends = new Map<string, TService>();
    const httpPaths: TJson[] = [];
    route.rules.forEach((rule, i) => {
      const rpath = [...path, 'rules', i];
      if (rule.backends.length === 0) return; // redirect: none
      if (rule.backends.length > 1) ctx.diag([...rpath, 'backends'], 'an Ingress path has one backend: the weighted split at the gateway is rendered to the first backend only', 'traffic-split');
      const b = rule.backends[0];
      if (!b) return;
      const svcName = b.service ?? route.service;
      const svc = ctx.services.get(svcName);
      if (!svc || svc.namespace !== ns) {
        ctx.diag(rpath, `an Ingress reaches Services of its own namespace (${ns}): backend ${svcName} is not rendered`, 'cross-service-routing');
        return;
      }
      const backendName = b.version ? ctx.versionService(svcName, b.version) : svcName;
      backends.set(backendName, svc);
      const port = b.port ?? svc.ports[0]?.port ?? 80;
      const matchPaths = rule.match.length ? rule.match.map((m) => m.path) : [undefined];
      if (rule.match.some((m) => m.headers || m.method || m.query || m.from)) ctx.diag(rpath, 'a Kubernetes Ingress matches hosts and paths only: header, method, query and source conditions are not rendered', 'header-match');
      for (const p of matchPaths) {
        const [pathType, value] =
          p === undefined ? ['Prefix', '/'] : typeof p === 'string' ? ['Prefix', p] : p.exact !== undefined ? ['Exact', p.exact] : p.prefix !== undefined ? ['Prefix', p.prefix] : ['ImplementationSpecific', p.regex as string];
        httpPaths.push({ path: value, pathType, backend: { service: { name: backendName, port: { number: port } } } });
      }
      if (rule.timeout || rule.retries || rule.rewrite || rule.headers || rule.mirror || rule.fault) {
        ctx.diag(rpath, 'the ingress controller owns timeouts, retries, rewrites and header operations at the edge: they are not rendered in the Ingress', 'ingress-gateway');
      }
    });
    if (httpPaths.length === 0) return;
    const passthrough = listeners.some((l) => l.tls?.mode === 'passthrough');
    if (passthrough) ctx.diag(path, 'a Kubernetes Ingress cannot pass TLS through by SNI: the route is rendered as HTTP routing', 'tls-passthrough');
    const tls = listeners
      .filter((l) => l.tls?.credentialName && l.tls.mode !== 'passthrough')
      .map((l) => ({ hosts: hosts.filter((h) => h !== '*' && (l.hosts.includes('*') || l.hosts.includes(h))), secretName: l.tls?.credentialName as string }))
      .filter((t) => t.hosts.length > 0 || hosts.includes('*'));
    if (listeners.some((l) => l.tls?.mode === 'mutual')) ctx.diag(path, 'client-certificate verification at the edge is configured on the ingress controller, not in the Ingress: not rendered', 'tls-termination');
    if (tls.length && gateway.namespace !== ns) ctx.diag(path, `an Ingress reads TLS secrets from its own namespace (${ns}), not the gateway's (${gateway.namespace})`, 'tls-termination', 'info');
    const rules = (hosts.includes('*') ? [undefined] : hosts).map((h) => compact({ host: h, http: { paths: httpPaths } }));
    ctx.manifests.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, namespace: ns },
      spec: compact({ ingressClassName: gateway.name, tls: tls.length ? tls : undefined, rules }) as TJson,
    });
    ctx.add(POLICY, 'IngressBackend', name, ns, {
      backends: [...backends].map(([b, svc]) => ({ name: b, port: { number: svc.ports[0]?.targetPort ?? 8080, protocol: portProtocol(svc) } })),
      sources: [{ kind: 'Service', name: gateway.name, namespace: gateway.namespace }],
    });
  });
}

function portProtocol(s: TService): string {
  return s.protocol === 'grpc' ? 'grpc' : 'http';
}

export function renderEgress(ctx: OsmContext) {
  // Sources allowed by Authorization policies: an external service's own policies, else those of
  // its egress gateway (both checkpoints must pass; the service's own is the stricter one).
  const allowedBy = new Map<string, Set<string>>();
  const collect = (own: boolean) => {
    for (const p of ctx.pattern.spec.policies) {
      if (p.kind !== 'Authorization' || p.action !== 'allow' || !p.target) continue;
      const targets = own ? (ctx.externals.has(p.target) ? [p.target] : []) : ctx.gateways.get(p.target)?.type === 'egress' ? ctx.pattern.spec.externalServices.filter((e) => e.viaGateway === p.target && !ownPolicy.has(e.name)).map((e) => e.name) : [];
      for (const t of targets) {
        const set = allowedBy.get(t) ?? new Set<string>();
        for (const r of p.rules) {
          for (const s of r.from?.services ?? []) if (ctx.services.has(s)) set.add(s);
          for (const ns of r.from?.namespaces ?? []) for (const s of ctx.index.servicesIn(ns)) set.add(s.name);
        }
        allowedBy.set(t, set);
      }
    }
  };
  const ownPolicy = new Set(ctx.pattern.spec.policies.flatMap((p) => (p.kind === 'Authorization' && p.target && ctx.externals.has(p.target) ? [p.target] : [])));
  collect(true);
  collect(false);
  ctx.pattern.spec.externalServices.forEach((e, ei) => {
    const path: TPath = ['spec', 'externalServices', ei];
    let sources = allowedBy.get(e.name) ? [...(allowedBy.get(e.name) as Set<string>)] : ctx.callersOf(e.name).map((s) => s.name);
    if (!allowedBy.has(e.name) && sources.length === 0) {
      sources = ctx.pattern.spec.services.map((s) => s.name);
      ctx.diag(path, `no service declares a call to ${e.name}: the Egress policy allows every service of the pattern`, 'external-services', 'info');
    }
    if (sources.length === 0) return;
    const tcp = e.ports.some((p) => p.protocol === 'tcp');
    if (tcp && e.resolution !== 'static') ctx.diag(path, `OSM matches TCP egress by IP range, not host name: ${e.name} has no static addresses, so its TCP port is open to any address`, 'external-services');
    if (e.ports.some((p) => p.protocol === 'grpc')) ctx.diag([...path, 'ports'], 'OSM egress has no gRPC protocol: gRPC ports are rendered as http', 'external-services', 'info');
    const ipAddresses = e.resolution === 'static' ? (e.addresses ?? []).map((a) => (a.includes('/') ? a : `${a}/32`)) : [];
    ctx.add(POLICY, 'Egress', objectName(ctx.name, e.name), e.namespace, compact({
      sources: sources.map((s) => ({ kind: 'ServiceAccount', name: s, namespace: ctx.namespaceOf(s) })),
      hosts: [...e.hosts],
      ipAddresses: ipAddresses.length ? ipAddresses : undefined,
      ports: e.ports.map((p) => ({ number: p.port, protocol: p.protocol === 'tls' || p.protocol === 'https' ? 'https' : p.protocol === 'tcp' ? 'tcp' : 'http' })),
    }));
  });
  if (ctx.pattern.spec.externalServices.length) {
    ctx.feature('traffic', { enableEgress: false });
    ctx.feature('featureFlags', { enableEgressPolicy: true });
  }
  ctx.pattern.spec.gateways.forEach((g, gi) => {
    if (g.type === 'egress') ctx.diag(['spec', 'gateways', gi], `OSM has no egress gateway: traffic to external services leaves from each sidecar under Egress policies; ${g.name} is not rendered`, 'egress-gateway');
  });
}

