import type { TPattern, TService } from '@/patterns/language/schema';
import type { TManifest, TMeshAdapter } from '../types';
import { commonLabels, durationMs, objectName, serviceHost } from './k8s';

export const SAMPLE_APP_CONFIGMAP = 'meshloom-sample-app';
export const SAMPLE_APP_IMAGE = 'node:20-alpine';

/**
 * The ports of a Service selecting a service's pods (its workload Service, or a per-version one):
 * named `<protocol>-main` for the first and `<protocol>-<port>` for the others unless named,
 * targeting 8080 (the sample app) unless told, with the protocol as appProtocol (`http2` as h2c).
 */
export function servicePorts(s: TService): { name: string; port: number; targetPort: number; protocol: 'TCP'; appProtocol: string }[] {
  return s.ports.map((p, i) => ({
    name: p.name ?? `${appProtocolPrefix(p.protocol ?? s.protocol)}-${i === 0 ? 'main' : p.port}`,
    port: p.port,
    targetPort: p.targetPort ?? 8080,
    protocol: 'TCP',
    appProtocol: appProtocol(p.protocol ?? s.protocol),
  }));
}

/** Pod labels that select one version of a service. */
export function versionLabels(service: TService, version: TService['versions'][number]): Record<string, string> {
  return version.labels ?? { version: version.name };
}

type TDeploymentBase = { metadata: TManifest['metadata']; replicas: number; selector: object; podLabels: Record<string, string>; podSpec: object };
type TWorkloadBase = { namespaces: { name: string; configMap: TManifest }[]; services: { objects: TManifest[]; deployments: TDeploymentBase[] }[] };

/** Built once per pattern (and sample-app text), shared by every mesh's render, never mutated. */
const bases = new WeakMap<TPattern, Map<string, TWorkloadBase>>();

/**
 * Under test the shared objects are deep-frozen, so any adapter that mutates one fails loudly;
 * elsewhere freezing would cost ~10% of a big render for a check the tests already make.
 */
const FREEZE_SHARED = typeof process !== 'undefined' && !!process.env.VITEST;

function deepFreeze<T>(value: T): T {
  if (FREEZE_SHARED && value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function workloadBase(pattern: TPattern, sampleAppSource: string): TWorkloadBase {
  let byText = bases.get(pattern);
  if (!byText) bases.set(pattern, (byText = new Map()));
  const cached = byText.get(sampleAppSource);
  if (cached) return cached;
  const labels = commonLabels(pattern);
  const portOf = new Map(pattern.spec.services.map((s) => [s.name, s.ports[0]?.port ?? 80]));
  const nsOf = new Map(pattern.spec.services.map((s) => [s.name, s.namespace]));
  const namespaces = [...new Set(pattern.spec.services.map((s) => s.namespace))].map((ns) => ({
    name: ns,
    configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: SAMPLE_APP_CONFIGMAP, namespace: ns, labels: { ...labels } }, data: { 'sample-app.mjs': sampleAppSource } } as TManifest,
  }));
  const services = pattern.spec.services.map((s) => {
    const app = { app: s.name };
    const objects: TManifest[] = [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: s.name, namespace: s.namespace, labels: { ...labels, ...app } } },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: s.name, namespace: s.namespace, labels: { ...labels, ...app, ...s.labels } },
        spec: {
          selector: app,
          ports: servicePorts(s),
        },
      },
    ];
    const versions = s.versions.length > 0 ? s.versions : [{ name: 'v1', replicas: 1 } as TService['versions'][number]];
    // The same for every version of the service: built once.
    const upstreams = JSON.stringify(Object.fromEntries(s.calls.map((c) => [c, `http://${serviceHost(c, nsOf.get(c) ?? s.namespace)}:${portOf.get(c) ?? 80}`])));
    const deployments = versions.map((v) => ({
      metadata: { name: objectName(s.name, v.name), namespace: s.namespace, labels: { ...labels, ...app, version: v.name } },
      replicas: v.replicas,
      selector: { matchLabels: { ...app, ...versionLabels(s, v) } },
      podLabels: { ...app, ...versionLabels(s, v) },
      podSpec: {
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
    }));
    return { objects, deployments };
  });
  const base = deepFreeze({ namespaces, services });
  byText.set(sampleAppSource, base);
  return base;
}

/**
 * The Kubernetes objects the pattern's sample workloads need, on any mesh: per namespace a
 * Namespace and the sample app's ConfigMap; per service a ServiceAccount (the mesh identity) and
 * a Service; per version a Deployment running the sample app (or the version's own image).
 * Every object's `metadata.labels` starts with the common labels (renderWithAdapter relies on it).
 * What does not depend on the mesh is built once per pattern and shared, never mutated (frozen under test): callers
 * derive new objects (merge patches) instead of changing these.
 */
export function renderWorkloads(pattern: TPattern, opts: { sampleAppSource: string; decorations?: TMeshAdapter['workloadDecorations'] }): TManifest[] {
  const base = workloadBase(pattern, opts.sampleAppSource);
  const labels = commonLabels(pattern);
  const nsDeco = opts.decorations?.namespace;
  const podDeco = opts.decorations?.pod;
  const out: TManifest[] = [];
  for (const ns of base.namespaces) {
    out.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns.name, labels: { ...labels, ...nsDeco?.labels }, ...(nsDeco?.annotations ? { annotations: nsDeco.annotations } : {}) },
    });
    out.push(ns.configMap);
  }
  for (const s of base.services) {
    for (const o of s.objects) out.push(o);
    for (const d of s.deployments) {
      out.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: d.metadata,
        spec: {
          replicas: d.replicas,
          selector: d.selector,
          template: {
            metadata: { labels: podDeco?.labels ? { ...d.podLabels, ...podDeco.labels } : d.podLabels, ...(podDeco?.annotations ? { annotations: podDeco.annotations } : {}) },
            spec: d.podSpec,
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
