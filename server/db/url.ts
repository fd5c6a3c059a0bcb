import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** The embedded default: a SQLite file under data/ at the repo root. */
export const DEFAULT_DATABASE_URL = 'file:./data/meshloom.db';

/** The databases Meshloom runs on; each has its own generated client and migrations folder. */
export type DbProvider = 'sqlite' | 'postgresql';

/** `file:`/empty → sqlite, `postgres://`/`postgresql://` → postgresql, anything else → null. */
export function providerFromUrl(url: string | undefined): DbProvider | null {
  if (!url || url.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  return null;
}

/** Like {@link providerFromUrl} but throws on an unsupported URL. */
export function requireProvider(url: string | undefined): DbProvider {
  const provider = providerFromUrl(url);
  if (!provider) throw new Error(`Unsupported DATABASE_URL (use file:…, postgres:// or postgresql://): ${url}`);
  return provider;
}

/** The repo root: the nearest folder at or above the working directory holding prisma/schema.prisma. */
export function repoRoot(from: string = process.cwd()): string {
  let dir = resolve(/*turbopackIgnore: true*/ from);
  for (;;) {
    if (existsSync(join(/*turbopackIgnore: true*/ dir, 'prisma', 'schema.prisma'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(/*turbopackIgnore: true*/ from);
    dir = parent;
  }
}

/** The file a SQLite URL points at (relative paths from the repo root), or `:memory:`. */
export function sqliteFilePath(url: string = DEFAULT_DATABASE_URL): string {
  const path = url.replace(/^file:/, '').replace(/\?.*$/, '');
  if (path === ':memory:') return path;
  return isAbsolute(path) ? path : join(/*turbopackIgnore: true*/ repoRoot(), path);
}
