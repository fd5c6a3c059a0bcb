import type { Db } from '@/server/db';
import { ServiceError } from '../errors';
import type { Actor } from '../types';
import { checkAborts } from './events';
import { findVisibleRun } from './shared';

/** Asks a run in progress to stop (the engine stops after the current step); its end event follows. */
export async function cancelCheckRun({ db, actor, id }: { db: Db; actor: Actor; id: string }): Promise<{ cancelled: boolean }> {
  await findVisibleRun(db, actor, id);
  const controller = checkAborts().get(id);
  if (!controller) throw new ServiceError('PRECONDITION_FAILED', 'ML8005: this run is not in progress on this server.', undefined, { errorCode: 'ML8005' });
  controller.abort();
  return { cancelled: true };
}
