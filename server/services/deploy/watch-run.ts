import type { Db } from '@/server/db';
import { ServiceError } from '../errors';
import type { Actor } from '../types';
import type { TRunEvent } from './dto';
import { followRun, hasRun } from './events';
import { findVisibleDeployment, runInclude, toRunDto } from './shared';

export interface WatchRunOptions {
  db: Db;
  actor: Actor;
  runId: string;
  /** Resume after this event (its seq); 0 or absent: from the start. */
  after?: number;
  signal?: AbortSignal;
}

/**
 * A run's events: every one so far, then the live ones, ending with the `end` event that
 * carries the run's record. A run that is no longer in memory (finished long ago, or the server
 * restarted) yields just its `end` event, from the database.
 */
export async function watchRun({ db, actor, runId, after = 0, signal }: WatchRunOptions): Promise<AsyncGenerator<TRunEvent>> {
  const run = await db.deploymentRun.findUnique({ where: { id: runId }, include: runInclude });
  if (!run) throw new ServiceError('NOT_FOUND', 'No such run.');
  await findVisibleDeployment(db, actor, run.deploymentId);
  if (hasRun(runId)) return followRun(runId, { after, signal });
  return (async function* () {
    yield { type: 'end', seq: Number.MAX_SAFE_INTEGER, at: (run.finishedAt ?? run.startedAt).toISOString(), run: toRunDto(run) } satisfies TRunEvent;
  })();
}
