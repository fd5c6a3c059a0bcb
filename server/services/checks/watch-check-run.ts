import type { Db } from '@/server/db';
import type { Actor } from '../types';
import type { TCheckEvent } from './dto';
import { checkBus } from './events';
import { findVisibleRun, suitesOf, toRunDto } from './shared';

export interface WatchCheckRunOptions {
  db: Db;
  actor: Actor;
  runId: string;
  /** Resume after this event (its seq); 0 or absent: from the start. */
  after?: number;
  signal?: AbortSignal;
}

/**
 * A check run's events: every one so far (suite starts, steps, suite ends), then the live ones,
 * ending with the `end` event that carries the run's record. A run no longer in memory
 * (finished long ago, or the server restarted) yields just its `end` event, from the database.
 */
export async function watchCheckRun({ db, actor, runId, after = 0, signal }: WatchCheckRunOptions): Promise<AsyncGenerator<TCheckEvent>> {
  const row = await findVisibleRun(db, actor, runId);
  if (checkBus.has(runId)) return checkBus.follow(runId, { after, signal });
  const run = toRunDto(row, await suitesOf(db, runId));
  return (async function* () {
    yield { type: 'end', seq: Number.MAX_SAFE_INTEGER, at: run.finishedAt ?? run.startedAt, run } satisfies TCheckEvent;
  })();
}
