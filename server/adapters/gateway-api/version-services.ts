/**
 * Gateway API splits traffic between Services, not pod subsets: each version a route sends to
 * (or mirrors to) gets its own Service `<service>-<version>`, selecting the service's pods with
 * that version's labels, with the same ports as the service's workload Service.
 */
import { objectName } from '../shared/k8s';
import { versionLabels } from '../shared/workloads';
import type { TManifest } from '../types';
import type { GatewayApiContext } from './context';

export function renderVersionServices(ctx: GatewayApiContext): TManifest[] {
  const out: TManifest[] = [];
  for (const s of ctx.pattern.spec.services)
    for (const v of s.versions) {
      if (!ctx.versionRefs.has(`${s.name}/${v.name}`)) continue;
      out.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: objectName(s.name, v.name), namespace: s.namespace, labels: { app: s.name, version: v.name } },
        spec: {
          selector: { app: s.name, ...versionLabels(s, v) },
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
      });
    }
  return out;
}
