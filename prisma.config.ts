// Prisma 7 CLI configuration. Only `prisma generate` is used here (through
// `npm run db:generate`, which passes --schema for each provider). Migrations are authored with
// tools/migrator (Prisma 6.19.3, offline) and applied by server/db/migrate.ts, never by
// `prisma migrate`, which cannot run offline in Prisma 7.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations/sqlite', seed: 'tsx prisma/seed.ts' },
});
