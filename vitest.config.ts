import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('.', import.meta.url)),
      'server-only': fileURLToPath(new URL('./server/testing/empty-module.ts', import.meta.url)),
    },
  },
  test: {
    include: ['**/*.test.ts', '**/*.test.tsx'],
    exclude: ['node_modules/**', 'e2e/**', '.next/**', 'tools/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Generated Prisma clients first, then a PostgreSQL server for the storage tests.
    globalSetup: ['server/db/test-generate.global.ts', 'server/db/test-postgres.global.ts'],
  },
});
