import type { Db } from '@/server/db';
import type { TMeshId } from '@/patterns/language/schema';
import type { TObjectOutcome } from '@/server/targets/types';
import { ServiceError } from '../errors';
import type { Actor } from '../types';
import { parseJson } from './dto';
import { acquireDeploymentLock, startRun, type TStartedRun, unlock } from './run';
import { findVisibleDeployment, loadTarget } from './shared';

export interface RollbackRunOptions {
  db: Db;
  actor: NonNullable<Actor>;
  /** The failed apply run to undo. */
  runId: string;
}

/**
 * Undoes a failed apply with its recorded per-object outcomes: what it created is deleted, what
 * it updated gets its `previous` state back. Only the deployment's latest operation can be
 * rolled back (a later apply or delete has already changed what is live).
 */
export async function rollbackRun({ db, actor, runId }: RollbackRunOptions): Promise<TStartedRun> {
  const run = await db.deploymentRun.findUnique({ where: { id: runId } });
  if (!run) throw new ServiceError('NOT_FOUND', 'No such run.');
  const row = await findVisibleDeployment(db, actor, run.deploymentId);
  if (run.kind !== 'apply' || run.ok !== false) {
    throw new ServiceError('BAD_REQUEST', 'Only a failed deploy can be rolled back.');
  }
  const target = await loadTarget(row.target);
  const lock = acquireDeploymentLock(row);
  try {
    const latest = await db.deploymentRun.findFirst({ where: { deploymentId: row.id, kind: { not: 'plan' } }, orderBy: { startedAt: 'desc' }, select: { id: true } });
    if (latest?.id !== run.id) {
      throw new ServiceError('CONFLICT', 'A later operation has changed this deployment since that run; deploy or undeploy instead.');
    }
    const outcomes = parseJson<TObjectOutcome[]>(run.outcomes, []);
    // What the failed run touched: applied objects, and failed ones (which may be half made).
    const applied = outcomes.filter((o) => o.status === 'applied' || o.status === 'failed');
    const hadPrevious = outcomes.some((o) => o.action !== 'create');
    return await startRun({
      db,
      actorId: actor.id,
      deploymentId: row.id,
      lock,
      kind: 'rollback',
      patternVersion: run.patternVersion,
      execute: (options) => target.rollback({ deployment: row.name, mesh: row.mesh as TMeshId }, applied, options),
      // Nothing existed before a failed first deploy: its endpoints are gone with it.
      after: (result) => (result.ok ? { status: 'rolled-back', ...(hadPrevious ? {} : { endpoints: {} }) } : { status: 'failed' }),
    });
  } catch (e) {
    unlock(lock);
    throw e;
  }
}
