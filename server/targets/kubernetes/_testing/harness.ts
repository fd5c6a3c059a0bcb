/**
 * Test-only helpers for the Kubernetes target: the CRD kinds of a mesh for the API server test
 * double, catalog patterns with parameters, and a target wired to a fresh double.
 */
import { loadCatalogText } from '@/server/adapters/_testing/catalog';
import { renderPattern } from '@/server/adapters/registry';
import type { TManifest } from '@/server/adapters/types';
import { parsePattern } from '@/patterns/language/parse';
import type { TMeshId, TPattern } from '@/patterns/language/schema';
import { loadSampleAppSource } from '@/server/workload/sample-app-source';
import type { TTarget } from '../../types';
import { KNOWN_KINDS, type TKindProvider } from '../kinds';
import { objectKey } from '../objects';
import { createKubernetesTarget, type TKubernetesTargetOptions } from '../target';
import { FakeKubeApiServer, type TFakeApiServerOptions, type TFakeKind } from './fake-api-server';

/** The CRD kinds the given installs provide (every version Meshloom renders), for {@link FakeKubeApiServer}. */
export function meshKinds(...providers: TKindProvider[]): TFakeKind[] {
  const out = new Map<string, TFakeKind>();
  for (const k of KNOWN_KINDS) {
    if (k.providers.includes('kubernetes') || !k.providers.some((p) => providers.includes(p))) continue;
    const id = `${k.group}|${k.kind}`;
    const entry = out.get(id) ?? { group: k.group, versions: [], kind: k.kind, plural: k.plural, namespaced: k.namespaced };
    if (!entry.versions.includes(k.version)) entry.versions.push(k.version);
    out.set(id, entry);
  }
  return [...out.values()];
}

/** A catalog pattern, resolved, with parameter values. */
export function catalogPattern(name: string, params?: Record<string, unknown>): TPattern {
  const text = loadCatalogText(name);
  if (!text) throw new Error(`no catalog pattern ${name}`);
  const parsed = parsePattern(text, { positions: false, loadInclude: loadCatalogText, params });
  if (!parsed.ok || !parsed.pattern) throw new Error(`${name}: ${JSON.stringify(parsed.diagnostics)}`);
  return parsed.pattern;
}

/** What the target applies for a pattern, in order (the adapter's render). */
export function rendered(mesh: TMeshId, pattern: TPattern): TManifest[] {
  return renderPattern(mesh, pattern, { sampleAppSource: loadSampleAppSource() }).manifests;
}

export function keyOf(m: TManifest): string {
  return objectKey(m.apiVersion, m.kind, m.metadata.name, m.metadata.namespace);
}

export interface TCluster {
  server: FakeKubeApiServer;
  kubeconfig: string;
  target: TTarget;
  close(): Promise<void>;
}

/**
 * A fresh API server double, a kubeconfig for it and a target using that kubeconfig (written to
 * `kubeconfig` when given, e.g. the path MESHLOOM_KUBECONFIG names; else to a temporary file).
 */
export async function startCluster(options: TFakeApiServerOptions & { target?: Partial<TKubernetesTargetOptions>; kubeconfig?: string } = {}): Promise<TCluster> {
  const server = await FakeKubeApiServer.start(options);
  const kubeconfig = server.writeKubeconfig(options.kubeconfig ? { file: options.kubeconfig } : {});
  const target = createKubernetesTarget({ kubeconfigPath: kubeconfig, requestTimeoutMs: 5000, ...options.target });
  return { server, kubeconfig, target, close: () => server.close() };
}
