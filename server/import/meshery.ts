/**
 * Meshery designs, both formats, expanded into the Kubernetes-style objects they describe so
 * that the same mappers read them:
 * - the older pattern file: `services:` is a map of name → {type, namespace, settings, traits…},
 *   where `type` is a kind, optionally suffixed with the model (`VirtualService.Istio`,
 *   `Service.K8s`), or Meshery's own `Application`;
 * - the newer design (`schemaVersion: designs.meshery.io/v1beta1`): `components[]`, each
 *   `{component: {kind, version}, model: {name}, configuration: {metadata, spec…}}`.
 */
import { isRecord, rec, slugify, str, strMap, type TManifest, type TRecord } from './core';

/** API versions to assume for kinds a design names without a group. */
const KIND_API: Record<string, string> = {
  VirtualService: 'networking.istio.io/v1beta1',
  DestinationRule: 'networking.istio.io/v1beta1',
  Gateway: 'networking.istio.io/v1beta1',
  ServiceEntry: 'networking.istio.io/v1beta1',
  Sidecar: 'networking.istio.io/v1beta1',
  EnvoyFilter: 'networking.istio.io/v1alpha3',
  WorkloadEntry: 'networking.istio.io/v1beta1',
  PeerAuthentication: 'security.istio.io/v1beta1',
  AuthorizationPolicy: 'security.istio.io/v1beta1',
  RequestAuthentication: 'security.istio.io/v1beta1',
  Telemetry: 'telemetry.istio.io/v1alpha1',
  TrafficSplit: 'split.smi-spec.io/v1alpha4',
  TrafficTarget: 'access.smi-spec.io/v1alpha3',
  HTTPRouteGroup: 'specs.smi-spec.io/v1alpha4',
  TCPRoute: 'specs.smi-spec.io/v1alpha4',
  ServiceProfile: 'linkerd.io/v1alpha2',
  Server: 'policy.linkerd.io/v1beta3',
  ServiceRouter: 'consul.hashicorp.com/v1alpha1',
  ServiceSplitter: 'consul.hashicorp.com/v1alpha1',
  ServiceResolver: 'consul.hashicorp.com/v1alpha1',
  ServiceDefaults: 'consul.hashicorp.com/v1alpha1',
  ServiceIntentions: 'consul.hashicorp.com/v1alpha1',
  ProxyDefaults: 'consul.hashicorp.com/v1alpha1',
  Service: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Namespace: 'v1',
  ServiceAccount: 'v1',
};

const MODEL_API: Record<string, string> = { istio: 'networking.istio.io/v1beta1', linkerd: 'policy.linkerd.io/v1beta3', consul: 'consul.hashicorp.com/v1alpha1', kuma: 'kuma.io/v1alpha1', k8s: 'v1', kubernetes: 'v1' };

/** True when a parsed document is a Meshery design (either format). */
export function isMesheryDesign(doc: unknown): doc is TRecord {
  if (!isRecord(doc) || doc.apiVersion !== undefined || doc.kind !== undefined) return false;
  return (isRecord(doc.services) && Object.values(doc.services).some((s) => isRecord(s) && typeof s.type === 'string')) || Array.isArray(doc.components) || (typeof doc.schemaVersion === 'string' && doc.schemaVersion.startsWith('designs.meshery.io'));
}

export interface TMesheryExpansion {
  manifests: TManifest[];
  /** Entries that are no Kubernetes object at all (annotations, mesh installs…). */
  skipped: { name: string; type: string; why: string }[];
  name?: string;
}

function apiFor(kind: string, model: string | undefined, given: string | undefined): string {
  if (given && given.includes('/')) return given;
  if (given === 'v1' && (kind === 'Service' || kind === 'ConfigMap' || kind === 'Secret' || kind === 'Namespace' || kind === 'ServiceAccount')) return 'v1';
  const m = model?.toLowerCase();
  if (m?.startsWith('kuma')) return 'kuma.io/v1alpha1';
  if (kind === 'HTTPRoute' || kind === 'GRPCRoute') return m?.startsWith('linkerd') ? 'policy.linkerd.io/v1beta3' : 'gateway.networking.k8s.io/v1';
  if (kind === 'Gateway' && m && !m.startsWith('istio')) return 'gateway.networking.k8s.io/v1';
  if (kind === 'AuthorizationPolicy' && m?.startsWith('linkerd')) return 'policy.linkerd.io/v1alpha1';
  return KIND_API[kind] ?? (m ? Object.entries(MODEL_API).find(([k]) => m.startsWith(k))?.[1] : undefined) ?? 'meshery.io/v1alpha1';
}

function manifest(file: string, apiVersion: string, kind: string, name: string, namespace: string | undefined, labels: Record<string, string>, spec: TRecord, extra: TRecord = {}): TManifest {
  const metadata: TRecord = { name };
  if (namespace) metadata.namespace = namespace;
  if (Object.keys(labels).length) metadata.labels = labels;
  const m: TManifest = { apiVersion, kind, name, labels, spec, raw: { apiVersion, kind, metadata, spec, ...extra }, file, via: 'meshery' };
  if (namespace) m.namespace = namespace;
  return m;
}

/** A Meshery `Application`: a workload with containers, replicas and labels (plus, unless told not to, a Service). */
function application(file: string, key: string, entry: TRecord, settings: TRecord): TManifest[] {
  const name = str(settings.name) ?? key;
  const ns = str(settings.namespace) ?? str(entry.namespace);
  const advanced = rec(settings.advanced);
  const labels = { ...(strMap(advanced.labels) ?? {}) };
  const app = labels.app ?? labels['custom.app'] ?? (labels.version && name.endsWith(`-${labels.version}`) ? name.slice(0, -labels.version.length - 1) : name);
  if (!labels.app && !labels['custom.app']) labels.app = app;
  const podSpec: TRecord = { containers: settings.containers ?? [] };
  const out: TManifest[] = [manifest(file, 'apps/v1', 'Deployment', name, ns, labels, { replicas: settings.replicas ?? 1, template: { metadata: { labels }, spec: podSpec } })];
  const skip = advanced.skip_service === true || advanced.create_service === false;
  if (!skip) {
    const ports = (Array.isArray(settings.containers) ? settings.containers : [])
      .flatMap((c) => (Array.isArray(rec(c).ports) ? (rec(c).ports as unknown[]) : []))
      .map((p) => ({ port: rec(p).containerPort, name: rec(p).name }))
      .filter((p) => typeof p.port === 'number');
    out.push(manifest(file, 'v1', 'Service', slugify(app), ns, { app }, { ports, selector: labels['custom.app'] ? { 'custom.app': app } : { app } }));
  }
  return out;
}

/** Expands a Meshery design into manifests. */
export function expandMesheryDesign(doc: TRecord, file: string): TMesheryExpansion {
  const out: TMesheryExpansion = { manifests: [], skipped: [] };
  if (typeof doc.name === 'string') out.name = doc.name;
  if (isRecord(doc.services)) {
    for (const [key, value] of Object.entries(doc.services)) {
      const entry = rec(value);
      const type = str(entry.type) ?? '';
      const settings = { ...rec(entry.settings) };
      const [kindPart, modelPart] = type.includes('.') ? [type.slice(0, type.indexOf('.')), type.slice(type.indexOf('.') + 1)] : [type.replace(/(Istio|K8s|Linkerd|Consul|Kuma)$/, ''), /(Istio|K8s|Linkerd|Consul|Kuma)$/.exec(type)?.[1]];
      if (kindPart === 'Application') {
        out.manifests.push(...application(file, key, entry, settings));
        continue;
      }
      if (!kindPart || /Mesh$/.test(kindPart) || kindPart === 'Comment' || kindPart === 'Annotation') {
        out.skipped.push({ name: key, type, why: /Mesh$/.test(kindPart ?? '') ? 'a mesh installation' : 'not a Kubernetes object' });
        continue;
      }
      const name = str(settings.name) ?? key;
      const ns = str(settings.namespace) ?? str(entry.namespace);
      const labels = strMap(settings.labels) ?? {};
      delete settings.name;
      delete settings.namespace;
      if (kindPart === 'Service' || kindPart === 'Deployment') delete settings.labels;
      const model = modelPart ?? str(entry.model);
      const apiVersion = apiFor(kindPart, model, str(entry.apiVersion));
      // Kubernetes kinds whose settings are the whole object body (Deployment: spec fields)
      out.manifests.push(manifest(file, apiVersion, kindPart, slugify(name) === name ? name : name, ns, labels, settings));
    }
  }
  if (Array.isArray(doc.components)) {
    for (const c of doc.components) {
      const comp = rec(c);
      const def = rec(comp.component);
      const kind = str(def.kind) ?? str(comp.type);
      const model = str(rec(comp.model).name);
      const metaAnn = rec(comp.metadata);
      const display = str(comp.displayName) ?? str(comp.name) ?? kind ?? 'component';
      if (!kind || metaAnn.isAnnotation === true || model === 'meshery-core' || model === 'annotations') {
        out.skipped.push({ name: display, type: kind ?? '?', why: 'an annotation or Meshery-internal component' });
        continue;
      }
      const conf = rec(comp.configuration);
      const metadata = rec(conf.metadata);
      const name = str(metadata.name) ?? display;
      const ns = str(metadata.namespace);
      const labels = strMap(metadata.labels) ?? {};
      const apiVersion = apiFor(kind, model, str(def.version));
      const body: TRecord = { ...conf };
      delete body.metadata;
      delete body.apiVersion;
      delete body.kind;
      const spec = isRecord(body.spec) ? body.spec : body;
      const m = manifest(file, apiVersion, kind, name, ns, labels, spec);
      if (isRecord(body.spec)) m.raw = { apiVersion, kind, metadata: { ...rec(m.raw.metadata) }, ...body };
      out.manifests.push(m);
    }
  }
  return out;
}
