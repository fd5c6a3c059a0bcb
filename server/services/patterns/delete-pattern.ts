import type { ServiceOptions } from '../types';
import { findEditable, requireWriter } from './shared';

export interface DeletePatternOptions extends ServiceOptions {
  name: string;
}

/** Deletes a pattern and its revisions (forks keep living, detached). Owner or admin only. */
export async function deletePattern({ db, actor, name }: DeletePatternOptions): Promise<{ name: string }> {
  requireWriter(actor);
  await db.$transaction(async (tx) => {
    const row = await findEditable(tx, actor, name);
    await tx.pattern.delete({ where: { id: row.id } });
  });
  return { name };
}
