import { KUBERNETES_MESHES } from '@/server/adapters/registry';
import { getTarget, TARGET_IDS } from '@/server/targets/registry';
import type { TTargetId } from '@/server/targets/types';
import { redact } from './dto';

export interface TTargetInfo {
  id: TTargetId;
  title: string;
  meshes: string[];
  available: boolean;
  /** Why the target cannot be used here (no kubeconfig, HAProxy not installed, …). */
  reason?: string;
}

const FALLBACK: Record<TTargetId, { title: string; meshes: readonly string[] }> = {
  sandbox: { title: 'Local sandbox', meshes: ['haproxy'] },
  kubernetes: { title: 'Kubernetes', meshes: KUBERNETES_MESHES },
};

/** Every target with the meshes it runs and whether it can be used on this server (no secrets: reasons are redacted). */
export async function listTargets(): Promise<TTargetInfo[]> {
  return Promise.all(
    TARGET_IDS.map(async (id): Promise<TTargetInfo> => {
      try {
        const target = await getTarget(id);
        const availability = await target.available().catch((e: unknown) => ({ ok: false as const, reason: e instanceof Error ? e.message : String(e) }));
        return {
          id,
          title: target.title,
          meshes: [...target.meshes],
          available: availability.ok,
          ...(availability.ok ? {} : { reason: redact(availability.reason) }),
        };
      } catch (e) {
        return { id, ...FALLBACK[id], meshes: [...FALLBACK[id].meshes], available: false, reason: redact(`This server cannot load the ${id} target: ${e instanceof Error ? e.message : String(e)}`) };
      }
    }),
  );
}
