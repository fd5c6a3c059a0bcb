import type { Db } from '@/server/db';
import type { TDeployInput, TPlan } from '@/server/targets/types';
import type { Actor } from '../types';
import { safeDiff, type TDeploymentStatus, type TPlanDto } from './dto';
import { countActions } from './run';
import { findExistingDeployment, requireTarget, resolveSource, rethrowTargetError, type TPatternSource } from './shared';

export interface PlanDeploymentOptions extends TPatternSource {
  db: Db;
  actor: NonNullable<Actor>;
  target: string;
  mesh: string;
}

/**
 * What deploying would change, object by object, with diffs; changes nothing on the target.
 * When the deployment exists, the plan is recorded as a `plan` run of it.
 */
export async function planDeployment({ db, actor, target: targetId, mesh, ...source }: PlanDeploymentOptions): Promise<TPlanDto> {
  const target = await requireTarget(targetId, mesh);
  const resolved = await resolveSource(db, actor, source);
  const input: TDeployInput = { deployment: resolved.patternName, pattern: resolved.pattern, mesh: mesh as TDeployInput['mesh'] };
  const startedAt = new Date();
  let plan: TPlan;
  try {
    plan = await target.plan(input);
  } catch (e) {
    rethrowTargetError(e);
  }
  const changed = plan.changes.some((c) => c.action !== 'unchanged');
  const existing = await findExistingDeployment(db, actor, { target: target.id, mesh, name: input.deployment });
  if (existing) {
    await db.deploymentRun.create({
      data: {
        deploymentId: existing.id,
        kind: 'plan',
        actorId: actor.id,
        patternVersion: resolved.patternVersion,
        ok: true,
        changed,
        summary: JSON.stringify(countActions(plan.changes)),
        startedAt,
        finishedAt: new Date(),
      },
    });
  }
  return {
    deployment: input.deployment,
    target: target.id,
    mesh,
    patternName: resolved.patternName,
    patternVersion: resolved.patternVersion,
    changes: plan.changes.map((c) => ({
      key: c.key,
      kind: c.kind,
      name: c.name,
      ...(c.namespace ? { namespace: c.namespace } : {}),
      action: c.action,
      diff: safeDiff(c.kind, c.diff),
    })),
    summary: { ...plan.summary },
    changed,
    diagnostics: plan.diagnostics,
    existing: existing ? { id: existing.id, status: existing.status as TDeploymentStatus } : null,
  };
}
