// vitest globalSetup: gives the PostgreSQL tests a server. TEST_POSTGRES_URL wins when set;
// otherwise a private cluster is started with scripts/pg/start.sh (installing PostgreSQL with
// apt-get when missing) and stopped at the end. When none can be had, the PostgreSQL tests skip
// with the reason printed, except under CI=true, where that fails the run.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { repoRoot } from './url';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of a PostgreSQL server for tests (each test file makes its own database), or ''. */
    postgresUrl: string;
    /** Why there is no PostgreSQL server ('' when there is one). */
    postgresUnavailable: string;
  }
}

export default function setup(project: TestProject): (() => void) | undefined {
  const given = process.env.TEST_POSTGRES_URL;
  if (given) {
    console.log(`[postgres] using TEST_POSTGRES_URL (${given.replace(/\/\/[^@/]*@/, '//***@')})`);
    project.provide('postgresUrl', given);
    project.provide('postgresUnavailable', '');
    return undefined;
  }
  const scripts = join(repoRoot(), 'scripts', 'pg');
  let out: string;
  try {
    out = execFileSync('bash', [join(scripts, 'start.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const reason = `could not start PostgreSQL: ${(err.stderr || err.message).trim()}`;
    if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: PostgreSQL tests may not be skipped)`);
    console.warn(`[postgres] SKIPPING the PostgreSQL tests: ${reason}`);
    project.provide('postgresUrl', '');
    project.provide('postgresUnavailable', reason);
    return undefined;
  }
  const vars = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const url = vars.TEST_POSTGRES_URL ?? '';
  const dir = vars.TEST_POSTGRES_DIR ?? '';
  console.log(`[postgres] started a private cluster for the tests: ${url} (data in ${dir})`);
  project.provide('postgresUrl', url);
  project.provide('postgresUnavailable', '');
  return () => {
    execFileSync('bash', [join(scripts, 'stop.sh'), dir], { stdio: 'inherit' });
    console.log('[postgres] stopped the test cluster');
  };
}
