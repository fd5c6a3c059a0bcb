import type { TPattern } from '@/patterns/language/schema';
import type { TManifest } from '../types';

/** Labels on every object Meshloom renders: who manages it and which pattern it belongs to. */
export function commonLabels(pattern: TPattern): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': 'meshloom', 'meshloom.dev/pattern': pattern.metadata.name };
}

/** A name that objectName's normalisation leaves unchanged. */
const SAFE_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Kubernetes object names: DNS-1123 subdomain-safe, at most 63 characters, deterministic. */
export function objectName(...parts: (string | number | undefined)[]): string {
  let raw = '';
  for (const p of parts) {
    if (p === undefined || p === '') continue;
    raw = raw === '' ? String(p) : `${raw}-${p}`;
  }
  // Most names are already safe (lower-case words joined by single dashes): nothing to replace.
  const joined = SAFE_NAME.test(raw)
    ? raw
    : raw
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/-+/g, '-')
        .replace(/^-|-$/g, '');
  if (joined.length <= 63) return joined || 'x';
  // Keep names unique when shortened: a short stable hash of the whole name.
  return `${joined.slice(0, 54).replace(/-$/, '')}-${hash(joined)}`;
}

function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36).padStart(7, '0').slice(0, 8);
}

/** Fully qualified in-cluster host of a service. */
export function serviceHost(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

/** A duration of the pattern language (`1m30s`, `500ms`) in milliseconds. */
export function durationMs(d: string): number {
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(n) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
  }
  return total;
}

/** Milliseconds as a Kubernetes/Envoy/Go duration string: whole seconds as `Ns`, else `Nms`. */
export function goDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${Math.round(ms)}ms`;
}

/** Sort manifests in the order a cluster should receive them (namespaces and config first). */
export function sortManifests(manifests: TManifest[]): TManifest[] {
  const rank = (m: TManifest) => (m.kind === 'Namespace' ? 0 : m.kind === 'ServiceAccount' || m.kind === 'ConfigMap' || m.kind === 'Secret' ? 1 : m.kind === 'Service' || m.kind === 'Deployment' ? 2 : 3);
  // A stable bucket sort by rank: input order within a rank, in linear time.
  const buckets: TManifest[][] = [[], [], [], []];
  for (const m of manifests) buckets[rank(m)]!.push(m);
  const [namespaces, config, workloads, rest] = buckets as [TManifest[], TManifest[], TManifest[], TManifest[]];
  return namespaces.concat(config, workloads, rest);
}
