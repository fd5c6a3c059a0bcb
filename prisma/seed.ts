// Loads patterns/catalog/*.yaml into DATABASE_URL (idempotent). Usage: npm run db:seed [-- <dir>]
// Exits 1, writing nothing, when a catalog file does not validate.
import { getDb } from '@/server/db';
import { refreshDerivedColumns } from '@/server/services/patterns/refresh-derived';
import { seedCatalog } from '@/server/services/patterns/seed-catalog';

const db = getDb();
try {
  const result = await seedCatalog({ db, ...(process.argv[2] ? { dir: process.argv[2] } : {}) });
  if (!result.ok) {
    for (const e of result.errors) {
      console.error(`db:seed ${e.file}: ${e.message}`);
      for (const d of e.diagnostics) console.error(`  ${e.file}:${d.line}:${d.column} ${d.code} ${d.message}`);
    }
    console.error('db:seed failed: nothing was written');
    process.exitCode = 1;
  } else {
    console.log(`db:seed catalog: ${result.created.length} created, ${result.updated.length} updated, ${result.unchanged.length} unchanged`);
    const refreshed = await refreshDerivedColumns({ db });
    if (refreshed.length) console.log(`db:seed refreshed search text and features of ${refreshed.length} pattern(s)`);
  }
} finally {
  await db.$disconnect();
}
