/**
 * Kubernetes objects as the target sees them: keys, ownership labels, the fields the API server
 * manages (ignored when comparing), and unified YAML diffs.
 */
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { TManifest } from '@/server/adapters/types';
import type { TObjectRef } from '../types';

export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_PATTERN = 'meshloom.dev/pattern';
export const LABEL_DEPLOYMENT = 'meshloom.dev/deployment';
export const MANAGED_BY = 'meshloom';

/** A live object as the API server returns it. */
export interface TKubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `apps/v1/Deployment/shop/cart-v1`, `v1/Namespace/shop`: unique within a deployment, stable across runs. */
export function objectKey(apiVersion: string, kind: string, name: string, namespace?: string): string {
  return namespace ? `${apiVersion}/${kind}/${namespace}/${name}` : `${apiVersion}/${kind}/${name}`;
}

/** The inverse of {@link objectKey}: the kind is the first segment starting with an upper-case letter. */
export function parseObjectKey(key: string): { apiVersion: string; kind: string; name: string; namespace?: string } | null {
  const parts = key.split('/');
  const at = parts.findIndex((p) => /^[A-Z]/.test(p));
  if (at < 1 || at > 2) return null;
  const rest = parts.slice(at + 1);
  if (rest.length !== 1 && rest.length !== 2) return null;
  const apiVersion = parts.slice(0, at).join('/');
  const kind = parts[at]!;
  return rest.length === 2 ? { apiVersion, kind, namespace: rest[0]!, name: rest[1]! } : { apiVersion, kind, name: rest[0]! };
}

/** Identity regardless of the version an object was read in: group, kind, namespace, name. */
export function identityOf(o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${splitApiVersion(o.apiVersion).group}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
}

export function refOf(o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): TObjectRef {
  const { name, namespace } = o.metadata;
  return { key: objectKey(o.apiVersion, o.kind, name, namespace), kind: o.kind, name, ...(namespace ? { namespace } : {}) };
}

/** The labels that make an object part of a deployment. */
export function ownershipLabels(deployment: string): Record<string, string> {
  return { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_DEPLOYMENT]: deployment };
}

/** Meshloom manages the object for this deployment (both labels present). */
export function isOwnedBy(o: { metadata?: { labels?: Record<string, string> } } | null | undefined, deployment: string): boolean {
  const labels = o?.metadata?.labels;
  return !!labels && labels[LABEL_MANAGED_BY] === MANAGED_BY && labels[LABEL_DEPLOYMENT] === deployment;
}

/** The deployment another Meshloom deployment's label names, if any. */
export function deploymentOf(o: { metadata?: { labels?: Record<string, string> } } | null | undefined): string | undefined {
  const labels = o?.metadata?.labels;
  return labels && labels[LABEL_MANAGED_BY] === MANAGED_BY ? labels[LABEL_DEPLOYMENT] : undefined;
}

/** A rendered manifest made ready to apply: a copy (rendered objects may be shared and frozen), our labels added, a namespace for namespaced kinds. */
export function desiredObject(m: TManifest, deployment: string, namespaced: boolean | undefined, defaultNamespace: string): TKubeObject {
  const copy = structuredClone(m) as TKubeObject;
  copy.metadata.labels = { ...copy.metadata.labels, ...ownershipLabels(deployment) };
  if (namespaced === true && !copy.metadata.namespace) copy.metadata.namespace = defaultNamespace;
  if (namespaced === false) delete copy.metadata.namespace;
  return copy;
}

const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/** A copy without what the API server manages (metadata.managedFields, resourceVersion, uid, creationTimestamp, generation, status …). */
export function stripServerFields<T extends { metadata?: object }>(o: T): T {
  const copy = structuredClone(o) as T & { status?: unknown; metadata?: Record<string, unknown> };
  delete copy.status;
  if (copy.metadata) for (const f of SERVER_METADATA) delete copy.metadata[f];
  return copy;
}

/** JSON with object keys sorted: equal objects give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** Equal once the server-managed fields are ignored. */
export function sameObject(a: object | null | undefined, b: object | null | undefined): boolean {
  if (!a || !b) return a === b;
  return canonicalJson(stripServerFields(a)) === canonicalJson(stripServerFields(b));
}

/** YAML with sorted keys and no server-managed fields; '' for null. */
export function objectYaml(o: object | null | undefined): string {
  if (!o) return '';
  return stringify(sortKeys(stripServerFields(o)), { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Unified diff live → desired of two objects (either may be null: create / delete); '' when equal. */
export function objectDiff(key: string, live: object | null | undefined, desired: object | null | undefined): string {
  if (live && desired && sameObject(live, desired)) return '';
  const before = objectYaml(live);
  const after = objectYaml(desired);
  if (before === after) return '';
  // jsdiff starts with an `Index:`-style rule line; a unified diff starts at `---`.
  return createTwoFilesPatch(`live/${key}`, `desired/${key}`, before, after, undefined, undefined, { context: 3 }).replace(/^=+\n/, '');
}

/**
 * The part of `live` at the paths `desired` sets (objects recursively; lists and scalars whole):
 * a client-side comparison on the fields we set, used when the server cannot dry-run.
 */
export function projectOnto(live: unknown, desired: unknown): unknown {
  if (desired && typeof desired === 'object' && !Array.isArray(desired)) {
    if (!live || typeof live !== 'object' || Array.isArray(live)) return live;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(desired)) {
      if (Object.hasOwn(live, k)) out[k] = projectOnto((live as Record<string, unknown>)[k], (desired as Record<string, unknown>)[k]);
    }
    return out;
  }
  return live;
}

/** Apply order rank (as the adapters sort): Namespaces, then ServiceAccounts/ConfigMaps/Secrets, Services/Deployments, the rest. */
export function applyRank(kind: string): number {
  return kind === 'Namespace' ? 0 : kind === 'ServiceAccount' || kind === 'ConfigMap' || kind === 'Secret' ? 1 : kind === 'Service' || kind === 'Deployment' ? 2 : 3;
}

/** Reverse apply order: mesh resources first, Namespaces last (stable within a rank). */
export function deleteOrder<T extends { kind: string }>(objects: T[]): T[] {
  return objects
    .map((o, i) => ({ o, i }))
    .sort((a, b) => applyRank(b.o.kind) - applyRank(a.o.kind) || b.i - a.i)
    .map((x) => x.o);
}
