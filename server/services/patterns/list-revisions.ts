import type { ServiceOptions } from '../types';
import { findVisible } from './shared';

/** One saved version of a pattern. */
export interface RevisionEntry {
  /** 1, 2, 3, … equal to the pattern's version after that save. */
  number: number;
  text: string;
  message: string;
  authorId: string | null;
  authorName: string | null;
  /** ISO-8601. */
  createdAt: string;
}

export interface ListRevisionsOptions extends ServiceOptions {
  name: string;
}

/** The pattern's revisions, newest first. Visible to whoever may see the pattern. */
export async function listRevisions({ db, actor, name }: ListRevisionsOptions): Promise<RevisionEntry[]> {
  const pattern = await findVisible(db, actor, name);
  const rows = await db.revision.findMany({
    where: { patternId: pattern.id },
    orderBy: { number: 'desc' },
    include: { author: { select: { name: true } } },
  });
  return rows.map((r) => ({
    number: r.number,
    text: r.text,
    message: r.message,
    authorId: r.authorId,
    authorName: r.author?.name ?? null,
    createdAt: r.createdAt.toISOString(),
  }));
}
