import { featuresOf, FEATURES } from '@/patterns/language/features';
import type { TPattern } from '@/patterns/language/schema';
import { commonLabels, sortManifests } from './shared/k8s';
import { mergePatch } from './shared/merge-patch';
import { renderWorkloads } from './shared/workloads';
import type { TAdapterDiagnostic, TManifest, TMeshAdapter, TRenderResult } from './types';

export interface TRenderWithOptions {
  /** Render the sample workloads' Services/Deployments too (default true). */
  workloads?: boolean;
  /** The sample workload program, mounted into its pods from a ConfigMap. */
  sampleAppSource?: string;
}

/**
 * Everything one mesh needs for a pattern: the adapter's own objects, the sample workloads,
 * the pattern's overrides for that mesh merged in, common labels on every object, and a
 * diagnostic for each used feature the mesh cannot (or can only partly) express.
 */
export function renderWithAdapter(adapter: TMeshAdapter, pattern: TPattern, options: TRenderWithOptions = {}): TRenderResult {
  const diagnostics: TAdapterDiagnostic[] = capabilityDiagnostics(adapter, pattern);
  const own = adapter.render(pattern);
  for (const d of own.diagnostics) diagnostics.push(d);
  const workloads =
    options.workloads !== false && adapter.id !== 'haproxy'
      ? renderWorkloads(pattern, { sampleAppSource: options.sampleAppSource ?? '', decorations: adapter.workloadDecorations })
      : [];
  const labels = commonLabels(pattern);
  const manifests = applyOverrides(mergeInto(workloads, own.manifests), pattern, adapter, diagnostics);
  if (options.workloads !== false && adapter.id !== 'haproxy') addMissingNamespaces(manifests, labels);
  manifests.forEach((m, i) => {
    // A workload object nothing was merged into has its own labels, common labels first already.
    if (i < workloads.length && m === workloads[i]) return;
    m.metadata.labels = withLabels(labels, m.metadata.labels);
  });
  return { manifests: sortManifests(manifests), diagnostics };
}

/** Namespaces that exist in every cluster or belong to a mesh's installation: never rendered by a pattern. */
const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', 'istio-system', 'linkerd', 'consul', 'kuma-system', 'osm-system']);

/**
 * A Namespace for every namespace an object is rendered into (a gateway's `ingress`, say) that
 * no service brought along, so a cluster can take the output as it is.
 */
function addMissingNamespaces(manifests: TManifest[], labels: Record<string, string>): void {
  const have = new Set<string>();
  for (const m of manifests) if (m.kind === 'Namespace' && m.apiVersion === 'v1') have.add(m.metadata.name);
  for (const m of manifests) {
    const ns = m.metadata.namespace;
    if (ns === undefined || have.has(ns) || SYSTEM_NAMESPACES.has(ns)) continue;
    have.add(ns);
    manifests.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { ...labels } } });
  }
}

/** `{ ...common, ...own }`, built faster (Object.assign) unless a key would set the prototype. */
function withLabels(common: Record<string, string>, own: Record<string, string> | undefined): Record<string, string> {
  if (own === undefined || own === null) return { ...common };
  return Object.hasOwn(own, '__proto__') ? { ...common, ...own } : Object.assign({}, common, own);
}

function capabilityDiagnostics(adapter: TMeshAdapter, pattern: TPattern): TAdapterDiagnostic[] {
  const out: TAdapterDiagnostic[] = [];
  for (const feature of featuresOf(pattern)) {
    const cap = adapter.capabilities[feature];
    if (cap.level === 'full') continue;
    const title = FEATURES[feature].title;
    out.push(
      cap.level === 'none'
        ? { code: 'ML4001', severity: 'warning', feature, message: `${adapter.title} cannot express ${title.toLowerCase()}: not rendered (${cap.note})` }
        : { code: 'ML4002', severity: 'info', feature, message: `${adapter.title} expresses ${title.toLowerCase()} only partly: ${cap.note}` },
    );
  }
  return out;
}

/**
 * An adapter object of the same group, kind, namespace and name as a workload object (say a
 * Service carrying mesh annotations) is merged into it rather than emitted twice.
 */
function mergeInto(base: TManifest[], extra: TManifest[]): TManifest[] {
  const out = [...base];
  if (extra.length === 0) return out;
  // Only objects of a kind the adapter emits can match: index just those (the last one wins).
  const kinds = new Set<string>();
  for (const m of extra) kinds.add(m.kind);
  const index = new Map<string, number>();
  const indexed = new Set<string>();
  out.forEach((m, i) => {
    if (!kinds.has(m.kind)) return;
    index.set(keyOf(m), i);
    indexed.add(m.kind);
  });
  for (const m of extra) {
    const at = indexed.has(m.kind) ? index.get(keyOf(m)) : undefined;
    if (at === undefined) out.push(m);
    else out[at] = mergePatch(out[at], m) as TManifest;
  }
  return out;
}

function keyOf(m: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${groupOf(m.apiVersion)}|${m.kind}|${m.metadata.namespace ?? ''}|${m.metadata.name}`;
}

/** What `apiVersion.split('/')[0]` is, without the array. */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(0, slash);
}

/** Each override object is merged (JSON merge patch) into the rendered object of the same group, kind, namespace and name, or added. */
function applyOverrides(manifests: TManifest[], pattern: TPattern, adapter: TMeshAdapter, diagnostics: TAdapterDiagnostic[]): TManifest[] {
  const overrides = pattern.spec.overrides[adapter.id] ?? [];
  if (overrides.length === 0) return manifests;
  const out = [...manifests];
  const index = new Map(out.map((m, i) => [keyOf(m), i]));
  // For overrides without a namespace: the first object of each group, kind and name, whatever its namespace.
  let anyNamespace: Map<string, number> | undefined;
  const firstInAnyNamespace = (key: string): number => {
    if (!anyNamespace) {
      anyNamespace = new Map();
      out.forEach((m, at) => {
        const k = keyOf({ ...m, metadata: { ...m.metadata, namespace: undefined } });
        if (!anyNamespace!.has(k)) anyNamespace!.set(k, at);
      });
    }
    return anyNamespace.get(key) ?? -1;
  };
  overrides.forEach((o, i) => {
    const path = ['spec', 'overrides', adapter.id, i];
    const key = keyOf(o);
    // Overrides without a namespace match a rendered object of that name in any namespace.
    const at = index.get(key) ?? (o.metadata.namespace === undefined ? firstInAnyNamespace(key) : -1);
    if (at !== undefined && at >= 0) {
      out[at] = mergePatch(out[at], o) as TManifest;
      diagnostics.push({ code: 'ML4003', severity: 'info', path, message: `override merged into ${o.kind} ${o.metadata.name}` });
    } else {
      out.push(structuredClone(o) as TManifest);
      index.set(key, out.length - 1);
      const added = keyOf({ ...o, metadata: { ...o.metadata, namespace: undefined } });
      if (anyNamespace && !anyNamespace.has(added)) anyNamespace.set(added, out.length - 1);
      diagnostics.push({ code: 'ML4004', severity: 'info', path, message: `override added: ${o.kind} ${o.metadata.name}` });
    }
  });
  return out;
}
