/**
 * Test-only: the catalog patterns (patterns/catalog/*.yaml), parsed with their includes resolved,
 * and where the shared fixtures/tools folder is (beside the checkout in CI; maybe absent in a clone).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePattern } from '@/patterns/language/parse';
import type { TPattern } from '@/patterns/language/schema';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CATALOG_DIR = path.join(REPO_ROOT, 'patterns', 'catalog');
/** ../shared beside the checkout, when it is there (MESHLOOM_SHARED_DIR points elsewhere, e.g. to try the skip path). */
export const SHARED_DIR = process.env.MESHLOOM_SHARED_DIR ? path.resolve(process.env.MESHLOOM_SHARED_DIR) : path.resolve(REPO_ROOT, '..', 'shared');
export const HAS_SHARED = existsSync(SHARED_DIR);

export function loadCatalogText(name: string): string | undefined {
  const file = path.join(CATALOG_DIR, `${name}.yaml`);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** Every catalog pattern, resolved (includes merged), in file-name order. */
export function loadCatalog(): TPattern[] {
  return readdirSync(CATALOG_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const parsed = parsePattern(readFileSync(path.join(CATALOG_DIR, f), 'utf8'), { positions: false, loadInclude: loadCatalogText });
      if (!parsed.ok || !parsed.pattern) throw new Error(`${f}: ${JSON.stringify(parsed.diagnostics)}`);
      return parsed.pattern;
    });
}
