import type { Db } from '@/server/db';
import type { TDeployInput } from '@/server/targets/types';
import type { Actor } from '../types';
import { safeEndpoints } from './dto';
import { acquireDeploymentLock, startRun, type TStartedRun, unlock } from './run';
import { findExistingDeployment, requireTarget, resolveSource, type TPatternSource } from './shared';

export interface DeployPatternOptions extends TPatternSource {
  db: Db;
  actor: NonNullable<Actor>;
  target: string;
  mesh: string;
}

/**
 * Deploys a pattern: records an `apply` run and starts it; progress goes to the event bus under
 * the run id. The same pattern deployed again to the same target and mesh is the same
 * deployment (and an unchanged one reports `changed: false`). One operation per deployment at
 * a time (ML7004). Resolves as soon as the run has started.
 */
export async function deployPattern({ db, actor, target: targetId, mesh, ...source }: DeployPatternOptions): Promise<TStartedRun> {
  const target = await requireTarget(targetId, mesh);
  const resolved = await resolveSource(db, actor, source);
  const input: TDeployInput = { deployment: resolved.patternName, pattern: resolved.pattern, mesh: mesh as TDeployInput['mesh'] };
  const key = { target: target.id, mesh, name: input.deployment };
  const lock = acquireDeploymentLock(key);
  try {
    await findExistingDeployment(db, actor, key);
    const fields = {
      patternName: resolved.patternName,
      patternId: resolved.patternId,
      patternVersion: resolved.patternVersion,
      text: resolved.text,
      params: JSON.stringify(resolved.params),
      status: 'deploying',
    };
    const deployment = await db.deployment.upsert({
      where: { target_mesh_name: key },
      create: { ...key, ...fields, createdById: actor.id },
      update: fields,
      select: { id: true },
    });
    return await startRun({
      db,
      actorId: actor.id,
      deploymentId: deployment.id,
      lock,
      kind: 'apply',
      patternVersion: resolved.patternVersion,
      execute: (options) => target.apply(input, options),
      // A failed apply keeps the endpoints of the last good one: they may still answer.
      after: (result) => (result.ok ? { status: 'deployed', endpoints: safeEndpoints(result.endpoints) } : { status: 'failed' }),
    });
  } catch (e) {
    unlock(lock);
    throw e;
  }
}
