// Live views of a deployment on its target: status per object, drift, logs.
import type { Db } from '@/server/db';
import type { TMeshId } from '@/patterns/language/schema';
import type { TDrift, TStatus } from '@/server/targets/types';
import type { Actor } from '../types';
import { parseJson, redact, safeDiff, safeEndpoints, type TDriftDto, type TStatusDto } from './dto';
import { findVisibleDeployment, requireTarget, resolveText, rethrowTargetError } from './shared';

export interface InspectDeploymentOptions {
  db: Db;
  actor: Actor;
  id: string;
}

/** Health per object and process, as the target sees it now. */
export async function getDeploymentStatus({ db, actor, id }: InspectDeploymentOptions): Promise<TStatusDto> {
  const row = await findVisibleDeployment(db, actor, id);
  const target = await requireTarget(row.target, row.mesh);
  let status: TStatus;
  try {
    status = await target.status({ deployment: row.name, mesh: row.mesh as TMeshId });
  } catch (e) {
    rethrowTargetError(e);
  }
  return {
    deployment: status.deployment,
    exists: status.exists,
    healthy: status.healthy,
    objects: status.objects.map((o) => ({ key: o.key, kind: o.kind, name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}), health: o.health, ...(o.message ? { message: redact(o.message) } : {}) })),
    endpoints: safeEndpoints(status.endpoints),
  };
}

/** The live state against what the deployed pattern (the version last applied, with its parameters) renders now. */
export async function checkDeploymentDrift({ db, actor, id }: InspectDeploymentOptions): Promise<TDriftDto> {
  const row = await findVisibleDeployment(db, actor, id);
  const target = await requireTarget(row.target, row.mesh);
  const { pattern } = await resolveText(db, actor, row.text, parseJson<Record<string, unknown>>(row.params, {}));
  let drift: TDrift;
  try {
    drift = await target.drift({ deployment: row.name, pattern, mesh: row.mesh as TMeshId });
  } catch (e) {
    rethrowTargetError(e);
  }
  return {
    deployment: drift.deployment,
    drifted: drift.drifted,
    objects: drift.objects.map((o) => ({ key: o.key, kind: o.kind, name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}), state: o.state, diff: safeDiff(o.kind, o.diff) })),
  };
}

/** Recent log lines per source (each workload process, the proxy's access log); empty when the target keeps none. */
export async function getDeploymentLogs({ db, actor, id, tail = 100 }: InspectDeploymentOptions & { tail?: number }): Promise<{ source: string; lines: string[] }[]> {
  const row = await findVisibleDeployment(db, actor, id);
  const target = await requireTarget(row.target, row.mesh);
  if (!target.logs) return [];
  try {
    const logs = await target.logs({ deployment: row.name, mesh: row.mesh as TMeshId }, { tail });
    return logs.map((l) => ({ source: redact(l.source), lines: l.lines.slice(-tail).map((line) => redact(line)) }));
  } catch (e) {
    rethrowTargetError(e);
  }
}
