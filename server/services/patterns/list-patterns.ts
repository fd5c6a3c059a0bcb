import type { Prisma } from '@/server/db';
import type { ServiceOptions } from '../types';
import { containsInsensitive, patternInclude, type PatternSummary, toSummary } from './shared';

export interface ListPatternsOptions extends ServiceOptions {
  /** Case-insensitive text searched in name, title, summary and tags. */
  query?: string;
  /** Exact category, e.g. `resiliency`. */
  category?: string;
}

/**
 * The patterns the actor may browse, by title: every public one, the actor's own (any
 * visibility), and for admins all. Unlisted patterns of others are reachable by name only.
 */
export async function listPatterns({ db, actor, query, category }: ListPatternsOptions): Promise<PatternSummary[]> {
  const and: Prisma.PatternWhereInput[] = [];
  if (actor?.role !== 'admin') {
    and.push({ OR: [{ visibility: 'public' }, ...(actor ? [{ ownerId: actor.id }] : [])] });
  }
  if (category) and.push({ category });
  const q = query?.trim();
  if (q) {
    const filter = containsInsensitive(db, q);
    and.push({ OR: [{ name: filter }, { title: filter }, { summary: filter }, { tags: filter }] });
  }
  const rows = await db.pattern.findMany({ where: { AND: and }, include: patternInclude, orderBy: [{ title: 'asc' }, { name: 'asc' }] });
  return rows.map(toSummary);
}
