/**
 * Linkerd splits traffic across Services, not subsets: every version a route sends traffic to
 * gets its own Service `<service>-<version>` selecting the service's pods of that version.
 */
import type { TService } from '@/patterns/language/schema';
import { versionLabels } from '../shared/workloads';
import type { TManifest } from '../types';
import { type LinkerdContext, versionServiceName } from './context';

/** The (service, version) pairs that route backends point at, in the order the pattern declares them. */
export function referencedVersions(ctx: LinkerdContext): { service: TService; version: TService['versions'][number] }[] {
  const used = new Set<string>();
  for (const route of ctx.pattern.spec.routes) {
    if (route.gateway) continue;
    for (const rule of route.rules) for (const b of rule.backends) if (b.version) used.add(`${b.service ?? route.service}/${b.version}`);
  }
  return ctx.pattern.spec.services.flatMap((service) =>
    service.versions.filter((v) => used.has(`${service.name}/${v.name}`)).map((version) => ({ service, version })),
  );
}

export function renderVersionServices(ctx: LinkerdContext): void {
  for (const { service, version } of referencedVersions(ctx)) {
    ctx.push(versionService(service, version));
  }
}

function versionService(s: TService, v: TService['versions'][number]): TManifest {
  const selector = { app: s.name, ...versionLabels(s, v) };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: versionServiceName(s.name, v.name), namespace: s.namespace, labels: { app: s.name, version: v.name } },
    spec: {
      selector,
      ports: s.ports.map((p, i) => {
        const protocol = p.protocol ?? s.protocol;
        return {
          name: p.name ?? `${protocol}-${i === 0 ? 'main' : p.port}`,
          port: p.port,
          targetPort: p.targetPort ?? 8080,
          protocol: 'TCP',
          appProtocol: protocol === 'http2' ? 'kubernetes.io/h2c' : protocol,
        };
      }),
    },
  };
}
