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
  diagnostics.push(...own.diagnostics);
  const workloads =
    options.workloads !== false && adapter.id !== 'haproxy'
      ? renderWorkloads(pattern, { sampleAppSource: options.sampleAppSource ?? '', decorations: adapter.workloadDecorations })
      : [];
  const manifests = applyOverrides(mergeInto(workloads, own.manifests), pattern, adapter, diagnostics);
  const labels = commonLabels(pattern);
  for (const m of manifests) m.metadata.labels = { ...labels, ...m.metadata.labels };
  return { manifests: sortManifests(manifests), diagnostics };
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
  const index = new Map(out.map((m, i) => [keyOf(m), i]));
  for (const m of extra) {
    const at = index.get(keyOf(m));
    if (at === undefined) out.push(m);
    else out[at] = mergePatch(out[at], m) as TManifest;
  }
  return out;
}

function keyOf(m: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${m.apiVersion.split('/')[0]}|${m.kind}|${m.metadata.namespace ?? ''}|${m.metadata.name}`;
}

/** Each override object is merged (JSON merge patch) into the rendered object of the same group, kind, namespace and name, or added. */
function applyOverrides(manifests: TManifest[], pattern: TPattern, adapter: TMeshAdapter, diagnostics: TAdapterDiagnostic[]): TManifest[] {
  const overrides = pattern.spec.overrides[adapter.id] ?? [];
  if (overrides.length === 0) return manifests;
  const out = [...manifests];
  const index = new Map(out.map((m, i) => [keyOf(m), i]));
  overrides.forEach((o, i) => {
    const path = ['spec', 'overrides', adapter.id, i];
    const key = keyOf(o);
    // Overrides without a namespace match a rendered object of that name in any namespace.
    const at = index.get(key) ?? (o.metadata.namespace === undefined ? out.findIndex((m) => keyOf({ ...m, metadata: { ...m.metadata, namespace: undefined } }) === key) : -1);
    if (at !== undefined && at >= 0) {
      out[at] = mergePatch(out[at], o) as TManifest;
      diagnostics.push({ code: 'ML4003', severity: 'info', path, message: `override merged into ${o.kind} ${o.metadata.name}` });
    } else {
      out.push(structuredClone(o) as TManifest);
      index.set(key, out.length - 1);
      diagnostics.push({ code: 'ML4004', severity: 'info', path, message: `override added: ${o.kind} ${o.metadata.name}` });
    }
  });
  return out;
}
