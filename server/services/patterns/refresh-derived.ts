import { parsePattern } from '@/patterns/language';
import type { Db } from '@/server/db';
import { metadataColumns } from './shared';

/**
 * Recomputes the columns derived from each pattern file (search text, features) where they
 * differ from what the current code derives — after a migration added them, or after the
 * feature vocabulary grew. Never creates a revision. Returns the names refreshed.
 */
export async function refreshDerivedColumns({ db }: { db: Db }): Promise<string[]> {
  const rows = await db.pattern.findMany({ select: { id: true, name: true, text: true, searchText: true, features: true } });
  const refreshed: string[] = [];
  for (const row of rows) {
    const parsed = parsePattern(row.text);
    if (!parsed.pattern) continue; // saved before a stricter rule: leave it, the editor will report it
    const { searchText, features } = metadataColumns(parsed.pattern);
    if (searchText === row.searchText && features === row.features) continue;
    await db.pattern.update({ where: { id: row.id }, data: { searchText, features } });
    refreshed.push(row.name);
  }
  return refreshed;
}
