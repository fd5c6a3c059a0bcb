/**
 * One Kubernetes Service per routed version (`<service>-<version>`), selecting the version's pods.
 * Kuma turns each into a MeshService, which is how Kuma addresses subsets since MeshService
 * replaced `MeshServiceSubset` (MADR "Subsets of Dataplanes per MeshService").
 */
import type { TService } from '@/patterns/language/schema';
import { objectName } from '../shared/k8s';
import { versionLabels } from '../shared/workloads';
import type { KumaContext } from './context';

export function versionServiceName(service: string, version: string): string {
  return objectName(service, version);
}

export function ensureVersionService(ctx: KumaContext, s: TService, versionName: string): string {
  const name = versionServiceName(s.name, versionName);
  const key = `${s.namespace}/${name}`;
  if (ctx.versionServices.has(key)) return name;
  const version = s.versions.find((v) => v.name === versionName);
  const selector = { app: s.name, ...(version ? versionLabels(s, version) : { version: versionName }) };
  ctx.versionServices.add(key);
  ctx.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: s.namespace, labels: { app: s.name, version: versionName } },
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
  });
  return name;
}
