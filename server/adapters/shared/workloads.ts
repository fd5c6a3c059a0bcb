import type { TPattern, TService } from '@/patterns/language/schema';
import type { TManifest, TMeshAdapter } from '../types';
import { commonLabels, durationMs, objectName, serviceHost } from './k8s';

export const SAMPLE_APP_CONFIGMAP = 'meshloom-sample-app';
export const SAMPLE_APP_IMAGE = 'node:20-alpine';

/** Pod labels that select one version of a service. */
export function versionLabels(service: TService, version: TService['versions'][number]): Record<string, string> {
  return version.labels ?? { version: version.name };
}

/**
 * The Kubernetes objects the pattern's sample workloads need, on any mesh: per namespace a
 * Namespace and the sample app's ConfigMap; per service a ServiceAccount (the mesh identity) and
 * a Service; per version a Deployment running the sample app (or the version's own image).
 * Every object's `metadata.labels` is an object of its own that starts with the common labels
 * (renderWithAdapter relies on it and leaves these labels as they are).
 */
export function renderWorkloads(pattern: TPattern, opts: { sampleAppSource: string; decorations?: TMeshAdapter['workloadDecorations'] }): TManifest[] {
  const labels = commonLabels(pattern);
  const out: TManifest[] = [];
  const namespaces = [...new Set(pattern.spec.services.map((s) => s.namespace))];
  const portOf = new Map(pattern.spec.services.map((s) => [s.name, s.ports[0]?.port ?? 80]));
  const nsOf = new Map(pattern.spec.services.map((s) => [s.name, s.namespace]));
  for (const ns of namespaces) {
    const deco = opts.decorations?.namespace;
    out.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { ...labels, ...deco?.labels }, ...(deco?.annotations ? { annotations: deco.annotations } : {}) },
    });
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: SAMPLE_APP_CONFIGMAP, namespace: ns, labels: { ...labels } }, data: { 'sample-app.mjs': opts.sampleAppSource } });
  }
  for (const s of pattern.spec.services) {
    const app = { app: s.name };
    out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: s.name, namespace: s.namespace, labels: { ...labels, ...app } } });
    out.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, namespace: s.namespace, labels: { ...labels, ...app, ...s.labels } },
      spec: {
        selector: app,
        ports: s.ports.map((p, i) => ({
          name: p.name ?? `${appProtocolPrefix(p.protocol ?? s.protocol)}-${i === 0 ? 'main' : p.port}`,
          port: p.port,
          targetPort: p.targetPort ?? 8080,
          protocol: 'TCP',
          appProtocol: appProtocol(p.protocol ?? s.protocol),
        })),
      },
    });
    const versions = s.versions.length > 0 ? s.versions : [{ name: 'v1', replicas: 1 } as TService['versions'][number]];
    // The same for every version of the service: built once.
    const upstreams = JSON.stringify(Object.fromEntries(s.calls.map((c) => [c, `http://${serviceHost(c, nsOf.get(c) ?? s.namespace)}:${portOf.get(c) ?? 80}`])));
    for (const v of versions) {
      const podLabels = { ...app, ...versionLabels(s, v), ...opts.decorations?.pod?.labels };
      out.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: objectName(s.name, v.name), namespace: s.namespace, labels: { ...labels, ...app, version: v.name } },
        spec: {
          replicas: v.replicas,
          selector: { matchLabels: { ...app, ...versionLabels(s, v) } },
          template: {
            metadata: { labels: podLabels, ...(opts.decorations?.pod?.annotations ? { annotations: opts.decorations.pod.annotations } : {}) },
            spec: {
              serviceAccountName: s.name,
              containers: [
                v.image
                  ? { name: s.name, image: v.image, ports: [{ containerPort: s.ports[0]?.targetPort ?? 8080 }] }
                  : {
                      name: s.name,
                      image: SAMPLE_APP_IMAGE,
                      command: ['node', '/app/sample-app.mjs'],
                      env: [
                        { name: 'SERVICE', value: s.name },
                        { name: 'VERSION', value: v.name },
                        { name: 'PORT', value: '8080' },
                        { name: 'LATENCY_MS', value: String(v.latency ? durationMs(v.latency) : 0) },
                        { name: 'ERROR_RATE', value: String(v.errorRate ?? 0) },
                        { name: 'UPSTREAMS', value: upstreams },
                        { name: 'INSTANCE', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                      ],
                      ports: [{ containerPort: 8080, name: 'http' }],
                      readinessProbe: { httpGet: { path: '/health', port: 8080 }, periodSeconds: 5 },
                      resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
                      volumeMounts: [{ name: 'app', mountPath: '/app', readOnly: true }],
                    },
              ],
              ...(v.image ? {} : { volumes: [{ name: 'app', configMap: { name: SAMPLE_APP_CONFIGMAP } }] }),
            },
          },
        },
      });
    }
  }
  return out;
}

function appProtocol(p: string): string {
  return p === 'http2' ? 'kubernetes.io/h2c' : p === 'grpc' ? 'grpc' : p === 'tcp' ? 'tcp' : 'http';
}
function appProtocolPrefix(p: string): string {
  return p === 'http2' ? 'http2' : p;
}
