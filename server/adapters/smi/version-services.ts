/**
 * TrafficSplit backends are Services: every version a route sends traffic to gets its own
 * Service `<service>-<version>` selecting the service's pods of that version. The pattern's
 * service itself is the apex (root) service of the split.
 */
import type { TService } from '@/patterns/language/schema';
import { objectName } from '../shared/k8s';
import { versionLabels } from '../shared/workloads';
import type { SmiContext } from './context';

export function versionServiceName(service: string, version: string): string {
  return objectName(service, version);
}

export function renderVersionServices(ctx: SmiContext): void {
  const used = new Set<string>();
  for (const route of ctx.pattern.spec.routes) {
    if (route.gateway) continue;
    for (const rule of route.rules) for (const b of rule.backends) if (b.version) used.add(`${b.service ?? route.service}/${b.version}`);
  }
  for (const s of ctx.pattern.spec.services) {
    for (const v of s.versions) {
      if (!used.has(`${s.name}/${v.name}`)) continue;
      ctx.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: versionServiceName(s.name, v.name), namespace: s.namespace, labels: { app: s.name, version: v.name } },
        spec: {
          selector: { app: s.name, ...versionLabels(s, v) },
          ports: s.ports.map((p, i) => {
            const protocol: TService['protocol'] = p.protocol ?? s.protocol;
            return {
              name: p.name ?? `${protocol}-${i === 0 ? 'main' : p.port}`,
              port: p.port,
              targetPort: p.targetPort ?? 8080,
              protocol: 'TCP',
              appProtocol: protocol === 'http2' ? 'kubernetes.io/h2c' : protocol,
            };
          }),
        },
      });
    }
  }
}
