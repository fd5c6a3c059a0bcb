#!/usr/bin/env node
// Developer tool: authors a migration for BOTH providers from the change to prisma/schema.prisma.
//
//   npm run db:migration -- add_pattern_stars
//
// Diffs the datamodel snapshot of the last migration (prisma/migrations/datamodel.snapshot.prisma)
// against the current prisma/schema.prisma with the Prisma 6.19.3 CLI installed here (offline:
// its WebAssembly schema engine through a driver adapter), writes
//   prisma/migrations/sqlite/<ts>_<name>/migration.sql
//   prisma/migrations/postgresql/<ts>_<name>/migration.sql
// and updates the snapshot. PostgreSQL diffs need a live server: TEST_POSTGRES_URL if set,
// otherwise a throw-away cluster from scripts/pg/start.sh.
// Setup: `npm --prefix tools/migrator install` (never installed by the app's setup).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toPostgresSchema } from '../../scripts/db/generate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const migrationsDir = join(root, 'prisma', 'migrations');
const snapshotPath = join(migrationsDir, 'datamodel.snapshot.prisma');
const prismaCli = join(here, 'node_modules', 'prisma', 'build', 'index.js');

function fail(message) {
  console.error(`new-migration: ${message}`);
  process.exit(1);
}

/** Prisma 6 wants a `url` in the datasource (Prisma 7 forbids it) and needs no generator for a diff. */
function toPrisma6Schema(schema, url) {
  return schema
    .replace(/generator\s+\w+\s*\{[^}]*\}/g, '')
    .replace(/(datasource\s+db\s*\{[^}]*provider\s*=\s*"[^"]+")/, `$1\n  url      = "${url}"`);
}

function timestamp() {
  return new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function diff({ provider, adapterModule, adapterExpr, url, from, to, work }) {
  const dir = join(work, provider);
  mkdirSync(dir, { recursive: true });
  const toPath = join(dir, 'to.prisma');
  writeFileSync(toPath, toPrisma6Schema(to, url));
  const fromArgs = from === null ? ['--from-empty'] : ['--from-schema-datamodel', join(dir, 'from.prisma')];
  if (from !== null) writeFileSync(join(dir, 'from.prisma'), toPrisma6Schema(from, url));
  const configPath = join(dir, 'prisma.config.mjs');
  writeFileSync(
    configPath,
    `import { defineConfig } from 'prisma/config';\n` +
      `import ${adapterModule.binding} from '${adapterModule.name}';\n` +
      `export default defineConfig({\n` +
      `  experimental: { adapter: true },\n  engine: 'js',\n  schema: ${JSON.stringify(toPath)},\n` +
      `  adapter: async () => ${adapterExpr},\n});\n`,
  );
  const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: '/bin/true', PRISMA_QUERY_ENGINE_LIBRARY: '/bin/true', PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
  const out = execFileSync(
    process.execPath,
    [prismaCli, 'migrate', 'diff', '--config', configPath, ...fromArgs, '--to-schema-datamodel', toPath, '--script'],
    { cwd: here, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return out.replace(/^Loaded Prisma config from .*\n/m, '').replace(/^\n+/, '');
}

function main() {
  const rawName = process.argv[2];
  if (!rawName) fail('usage: npm run db:migration -- <name>');
  const name = rawName.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (!name) fail(`not a usable migration name: ${rawName}`);
  if (!existsSync(prismaCli)) fail('the Prisma 6.19.3 CLI is missing: run `npm --prefix tools/migrator install`');

  const current = readFileSync(join(root, 'prisma', 'schema.prisma'), 'utf8');
  const previous = existsSync(snapshotPath) ? readFileSync(snapshotPath, 'utf8') : null;
  const work = mkdtempSync(join(here, '.work-'));
  let pg = null;
  try {
    let pgUrl = process.env.TEST_POSTGRES_URL;
    if (!pgUrl) {
      const out = execFileSync('bash', [join(root, 'scripts', 'pg', 'start.sh')], { encoding: 'utf8' });
      pg = Object.fromEntries(out.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
      pgUrl = pg.TEST_POSTGRES_URL;
    }
    const sqliteUrl = `file:${join(work, 'diff.db')}`;
    const scripts = {
      sqlite: diff({
        provider: 'sqlite',
        adapterModule: { name: '@prisma/adapter-better-sqlite3', binding: '{ PrismaBetterSQLite3 }' },
        adapterExpr: `new PrismaBetterSQLite3({ url: ${JSON.stringify(sqliteUrl)} })`,
        url: sqliteUrl,
        from: previous,
        to: current,
        work,
      }),
      postgresql: diff({
        provider: 'postgresql',
        adapterModule: { name: '@prisma/adapter-pg', binding: '{ PrismaPg }' },
        adapterExpr: `new PrismaPg({ connectionString: ${JSON.stringify(pgUrl)} })`,
        url: pgUrl,
        from: previous === null ? null : toPostgresSchema(previous),
        to: toPostgresSchema(current),
        work,
      }),
    };
    const empty = (sql) => sql.trim() === '' || /^-- This is an empty migration\.?$/.test(sql.trim());
    if (empty(scripts.sqlite) && empty(scripts.postgresql)) {
      console.log('new-migration: the datamodel has not changed since the last migration; nothing written');
      return;
    }
    const folder = `${timestamp()}_${name}`;
    for (const [provider, sql] of Object.entries(scripts)) {
      const dir = join(migrationsDir, provider, folder);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'migration.sql'), sql.endsWith('\n') ? sql : `${sql}\n`);
      writeFileSync(
        join(migrationsDir, provider, 'migration_lock.toml'),
        `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`,
      );
      console.log(`wrote prisma/migrations/${provider}/${folder}/migration.sql`);
    }
    writeFileSync(snapshotPath, current);
    console.log('updated prisma/migrations/datamodel.snapshot.prisma');
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (pg?.TEST_POSTGRES_DIR) execFileSync('bash', [join(root, 'scripts', 'pg', 'stop.sh'), pg.TEST_POSTGRES_DIR]);
  }
}

main();
