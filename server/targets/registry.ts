/**
 * The deploy targets of this process, by id. Each target is created on first use (its module
 * is imported lazily: the Kubernetes client is only loaded when a kubeconfig is configured)
 * and kept for the life of the process, because targets own state (the sandbox's processes).
 *
 * Tests replace a target with {@link setTargetForTesting}.
 */
import 'server-only';
import { isAbsolute, join } from 'node:path';
import { KUBERNETES_MESHES } from '@/server/adapters/registry';
import { repoRoot } from '@/server/db/url';
import { getEnv } from '@/server/env';
import type { TMeshId } from '@/patterns/language/schema';
import { targetError } from './errors';
import type { TApplyResult, TTarget, TTargetId } from './types';

export const TARGET_IDS = ['sandbox', 'kubernetes'] as const satisfies readonly TTargetId[];

export function isTargetId(id: string): id is TTargetId {
  return (TARGET_IDS as readonly string[]).includes(id);
}

// Kept on globalThis: Next.js may evaluate this module more than once per process (server
// components, route handlers, dev reloads), and there must be one sandbox per process.
const registry = globalThis as unknown as {
  meshloomTargets?: Map<TTargetId, Promise<TTarget>>;
  meshloomTestTargets?: Map<TTargetId, TTarget>;
};

function cache(): Map<TTargetId, Promise<TTarget>> {
  registry.meshloomTargets ??= new Map();
  return registry.meshloomTargets;
}

/** The target `id` (one instance per process). */
export function getTarget(id: TTargetId): Promise<TTarget> {
  const override = registry.meshloomTestTargets?.get(id);
  if (override) return Promise.resolve(override);
  let target = cache().get(id);
  if (!target) {
    target = createTarget(id);
    // A failed import is not cached: the next call tries again.
    target.catch(() => cache().delete(id));
    cache().set(id, target);
  }
  return target;
}

/** Replaces target `id` for this process (tests); `null` restores the real one. */
export function setTargetForTesting(id: TTargetId, target: TTarget | null): void {
  registry.meshloomTestTargets ??= new Map();
  if (target) registry.meshloomTestTargets.set(id, target);
  else registry.meshloomTestTargets.delete(id);
}

/** The directory the sandbox keeps its state in (MESHLOOM_SANDBOX_DIR, relative to the repo root). */
export function sandboxRoot(): string {
  const dir = getEnv().MESHLOOM_SANDBOX_DIR;
  return isAbsolute(dir) ? dir : join(/*turbopackIgnore: true*/ repoRoot(), dir);
}

async function createTarget(id: TTargetId): Promise<TTarget> {
  if (id === 'sandbox') {
    const { createSandboxTarget } = await import('./sandbox');
    return createSandboxTarget({ root: sandboxRoot() });
  }
  const env = getEnv();
  if (!env.MESHLOOM_KUBECONFIG) {
    return unavailableTarget('kubernetes', 'Kubernetes', KUBERNETES_MESHES, 'No cluster is configured: set MESHLOOM_KUBECONFIG (and optionally MESHLOOM_KUBE_CONTEXT) on the server.');
  }
  const kubeconfigPath = isAbsolute(env.MESHLOOM_KUBECONFIG) ? env.MESHLOOM_KUBECONFIG : join(/*turbopackIgnore: true*/ repoRoot(), env.MESHLOOM_KUBECONFIG);
  const { createKubernetesTarget } = await import('./kubernetes');
  return createKubernetesTarget({ kubeconfigPath, ...(env.MESHLOOM_KUBE_CONTEXT ? { context: env.MESHLOOM_KUBE_CONTEXT } : {}) });
}

/** A target that cannot be used here: `available()` says why, and every operation fails with ML7001. */
export function unavailableTarget(id: TTargetId, title: string, meshes: readonly TMeshId[], reason: string): TTarget {
  const failed = (): TApplyResult => ({ ok: false, changed: false, objects: [], error: targetError('ML7001', reason), diagnostics: [] });
  const refuse = (): never => {
    throw Object.assign(new Error(reason), { code: 'ML7001' });
  };
  return {
    id,
    title,
    meshes,
    available: async () => ({ ok: false, reason }),
    plan: async () => refuse(),
    apply: async () => failed(),
    delete: async () => failed(),
    rollback: async () => failed(),
    status: async () => refuse(),
    drift: async () => refuse(),
  };
}
