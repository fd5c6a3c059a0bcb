/**
 * Kubernetes Service and Deployment → pattern services with ports and versions. A Deployment
 * joins the Service whose selector its pod labels satisfy (else the one named by its `app`
 * label); its `version` label names the version.
 */
import { arr, isName, num, type ObjectScope, rec, slugify, str, strMap, type TManifest, type TRecord } from './core';

export function mapKubernetes(scope: ObjectScope): boolean {
  switch (scope.manifest.kind) {
    case 'Service':
      mapService(scope);
      return true;
    case 'Deployment':
    case 'StatefulSet':
      mapWorkload(scope, scope.manifest);
      return true;
    default:
      return false;
  }
}

const PROTOCOLS: Record<string, string> = { http: 'http', http2: 'http2', grpc: 'grpc', tcp: 'tcp', 'kubernetes.io/h2c': 'http2', h2c: 'http2' };

function mapService(scope: ObjectScope): void {
  const { spec } = scope.manifest;
  // a Kubernetes Service's plumbing (type, clusterIP…) is the renderer's business, not the pattern's
  scope.known(spec, ['spec'], ['ports', 'selector'], ['type', 'clusterIP', 'clusterIPs', 'sessionAffinity', 'ipFamilies', 'ipFamilyPolicy', 'internalTrafficPolicy']);
  const draft = scope.ctx.declareService(slugify(scope.manifest.name), scope.manifest.namespace);
  if (Object.keys(scope.manifest.labels).some((k) => !['app', 'service', 'version', 'app.kubernetes.io/name'].includes(k))) {
    const labels = { ...scope.manifest.labels };
    for (const k of ['app', 'service']) delete labels[k];
    if (Object.keys(labels).length) draft.labels = labels;
  }
  draft.selector = strMap(spec.selector);
  arr(spec.ports).forEach((p, i) => {
    const port = rec(p);
    const n = num(port.port);
    if (n === undefined) return;
    if (str(port.protocol) && str(port.protocol) !== 'TCP') scope.unmapped(['spec', 'ports', i, 'protocol'], `protocol ${str(port.protocol)}`);
    const out: { port: number; name?: string; protocol?: string; targetPort?: number } = { port: n };
    const name = str(port.name);
    if (name) out.name = name;
    const target = num(port.targetPort);
    if (target !== undefined && target !== n) out.targetPort = target;
    const app = PROTOCOLS[(str(port.appProtocol) ?? name?.split('-')[0] ?? '').toLowerCase()];
    if (app && app !== 'http') {
      if (arr(spec.ports).length === 1) draft.protocol = app;
      else out.protocol = app;
    }
    if (!draft.ports.some((x) => x.port === n)) draft.ports.push(out);
  });
}

/** Which service a workload's pod labels belong to. */
function serviceOfWorkload(scope: ObjectScope, labels: Record<string, string>, name: string): string {
  for (const m of scope.ctx.manifests) {
    if (m.kind !== 'Service' || meshless(m)) continue;
    const sel = strMap(m.spec.selector);
    if (sel && Object.keys(sel).length && Object.entries(sel).every(([k, v]) => labels[k] === v)) return slugify(m.name);
  }
  const app = labels.app ?? labels['app.kubernetes.io/name'] ?? labels['custom.app'];
  if (app) return slugify(app);
  const version = labels.version;
  return slugify(version && name.endsWith(`-${version}`) ? name.slice(0, -version.length - 1) : name);
}

function meshless(m: TManifest): boolean {
  return m.apiVersion !== 'v1';
}

/** Deployments (and Meshery Applications, via the same shape) → a version of their service. */
export function mapWorkload(scope: ObjectScope, m: TManifest, podSpecOverride?: TRecord): void {
  const spec = m.spec;
  const template = rec(spec.template);
  const labels = { ...m.labels, ...(strMap(rec(template.metadata).labels) ?? {}) };
  const podSpec = podSpecOverride ?? rec(template.spec);
  const service = serviceOfWorkload(scope, labels, m.name);
  const draft = scope.ctx.services.get(service) ?? scope.ctx.referService(service, undefined, m.namespace);
  if (!draft.declared) draft.declared = true; // a workload is a declaration of its own
  const sa = str(podSpec.serviceAccountName);
  if (sa) scope.ctx.serviceAccounts.set(sa, service);
  const containers = arr(podSpec.containers).map(rec);
  const image = str(containers[0]?.image);
  const containerPort = num(rec(arr(containers[0]?.ports)[0]).containerPort);
  if (containerPort !== undefined && draft.ports.length === 0) draft.ports.push({ port: containerPort });
  const version = labels.version;
  if (version !== undefined) {
    if (!isName(version)) {
      scope.diag('ML5006', `version label '${version}' is not a DNS-1123 label; imported as '${slugify(version)}'`);
    }
    const extra: { labels?: Record<string, string>; replicas?: number; image?: string } = {};
    if (image) extra.image = image;
    const replicas = num(spec.replicas);
    if (replicas !== undefined && replicas !== 1) extra.replicas = replicas;
    scope.ctx.addVersion(draft, slugify(version), extra);
  } else if (image) scope.diag('ML5006', `no version label: image ${image} is not kept (a pattern keeps images per version)`);
  if (containers.length > 1 || arr(podSpec.volumes).length || containers.some((c) => c.env !== undefined || c.resources !== undefined))
    scope.diag('ML5004', `pod details (extra containers, env, volumes, resources) are workload configuration, not part of a pattern: not imported`, ['spec', 'template', 'spec'], 'info');
}
