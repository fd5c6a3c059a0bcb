import type { Db } from '@/server/db';
import type { TMeshId } from '@/patterns/language/schema';
import type { Actor } from '../types';
import { acquireDeploymentLock, startRun, type TStartedRun, unlock } from './run';
import { findVisibleDeployment, loadTarget } from './shared';

export interface UndeployDeploymentOptions {
  db: Db;
  actor: NonNullable<Actor>;
  id: string;
}

/** Removes everything of a deployment from its target (a `delete` run); the record stays, status `deleted`. */
export async function undeployDeployment({ db, actor, id }: UndeployDeploymentOptions): Promise<TStartedRun> {
  const row = await findVisibleDeployment(db, actor, id);
  const target = await loadTarget(row.target);
  const lock = acquireDeploymentLock(row);
  try {
    return await startRun({
      db,
      actorId: actor.id,
      deploymentId: row.id,
      lock,
      kind: 'delete',
      patternVersion: row.patternVersion,
      statusDuring: 'deleting',
      execute: (options) => target.delete({ deployment: row.name, mesh: row.mesh as TMeshId }, options),
      after: (result) => (result.ok ? { status: 'deleted', endpoints: {} } : { status: 'failed' }),
    });
  } catch (e) {
    unlock(lock);
    throw e;
  }
}
