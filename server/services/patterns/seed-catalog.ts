import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePattern, type TDiagnostic, type TPattern } from '@/patterns/language';
import type { Db } from '@/server/db';
import { repoRoot } from '@/server/db/url';
import { metadataColumns } from './shared';

export interface SeedCatalogOptions {
  db: Db;
  /** Folder of `*.yaml`/`*.yml` pattern files; default `<repo>/patterns/catalog`. */
  dir?: string;
}

/** A catalog file that cannot be loaded, with why. */
export interface SeedFileError {
  file: string;
  message: string;
  diagnostics: TDiagnostic[];
}

export interface SeedCatalogResult {
  /** True when every file loaded; when false nothing at all was written. */
  ok: boolean;
  created: string[];
  /** Changed files: a new revision each. */
  updated: string[];
  unchanged: string[];
  errors: SeedFileError[];
}

/**
 * Loads the shipped catalog into the database, idempotently: a new file creates a public,
 * owner-less pattern with source `catalog` (revision 1); a changed file saves a new revision;
 * an unchanged one writes nothing. Only catalog rows are touched: a name already used by a user
 * pattern is an error. All files are validated first; if any fails, nothing is written.
 * Catalog rows whose file disappeared are left alone.
 */
export async function seedCatalog({ db, dir = join(/*turbopackIgnore: true*/ repoRoot(), 'patterns', 'catalog') }: SeedCatalogOptions): Promise<SeedCatalogResult> {
  const result: SeedCatalogResult = { ok: true, created: [], updated: [], unchanged: [], errors: [] };
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];

  const entries: { file: string; text: string; pattern: TPattern }[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(join(/*turbopackIgnore: true*/ dir, file), 'utf8');
    const parsed = parsePattern(text);
    if (!parsed.ok || !parsed.pattern) {
      result.errors.push({ file, message: 'does not validate', diagnostics: parsed.diagnostics });
      continue;
    }
    const name = parsed.pattern.metadata.name;
    const other = seen.get(name);
    if (other) {
      result.errors.push({ file, message: `metadata.name "${name}" is also used by ${other}`, diagnostics: [] });
      continue;
    }
    seen.set(name, file);
    entries.push({ file, text, pattern: parsed.pattern });
  }
  if (entries.length > 0) {
    const clashes = await db.pattern.findMany({
      where: { name: { in: entries.map((e) => e.pattern.metadata.name) }, source: { not: 'catalog' } },
      select: { name: true },
    });
    for (const { name } of clashes) {
      result.errors.push({ file: seen.get(name) ?? name, message: `a user pattern is already named "${name}"`, diagnostics: [] });
    }
  }
  if (result.errors.length > 0) return { ...result, ok: false };

  for (const { text, pattern } of entries) {
    const columns = metadataColumns(pattern);
    const outcome = await db.$transaction(async (tx) => {
      const existing = await tx.pattern.findUnique({ where: { name: columns.name } });
      if (!existing) {
        const created = await tx.pattern.create({ data: { ...columns, text, visibility: 'public', source: 'catalog', version: 1, ownerId: null } });
        await tx.revision.create({ data: { patternId: created.id, number: 1, text, message: 'From the catalog' } });
        return 'created' as const;
      }
      if (existing.source !== 'catalog') throw new Error(`a user pattern is already named "${columns.name}"`);
      if (existing.text === text) {
        // Same file: no revision, but refresh what is derived from it (search text, features).
        if (existing.searchText !== columns.searchText || existing.features !== columns.features) {
          await tx.pattern.update({ where: { id: existing.id }, data: { searchText: columns.searchText, features: columns.features } });
        }
        return 'unchanged' as const;
      }
      const { count } = await tx.pattern.updateMany({
        where: { id: existing.id, version: existing.version },
        data: { ...columns, text, version: { increment: 1 } },
      });
      if (count !== 1) throw new Error(`"${columns.name}" changed while seeding; run the seed again`);
      await tx.revision.create({ data: { patternId: existing.id, number: existing.version + 1, text, message: 'Catalog update' } });
      return 'updated' as const;
    });
    result[outcome].push(columns.name);
  }
  return result;
}
