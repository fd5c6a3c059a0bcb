// Applies pending migrations to DATABASE_URL (default: the SQLite file data/meshloom.db).
// Usage: npm run db:migrate   (exit code 1 with a coded message when it refuses or fails)
import { applyMigrations, MigrationError } from '@/server/db/migrate';
import { parseEnv } from '@/server/env';

const { DATABASE_URL } = parseEnv();
try {
  const result = await applyMigrations(DATABASE_URL, { log: (line) => console.log(`db:migrate ${line}`) });
  const where = result.provider === 'sqlite' ? DATABASE_URL : DATABASE_URL.replace(/\/\/[^@/]*@/, '//***@');
  console.log(
    `db:migrate ${result.provider} ${where}: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`,
  );
} catch (e) {
  if (e instanceof MigrationError) {
    console.error(`db:migrate refused [${e.code}]: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
