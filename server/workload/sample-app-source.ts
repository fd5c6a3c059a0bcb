import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@/server/db/url';

let cached: string | undefined;

/** The sample workload's program text (server/workload/sample-app.mjs), for ConfigMaps and the sandbox. */
export function loadSampleAppSource(): string {
  cached ??= readFileSync(join(/*turbopackIgnore: true*/ repoRoot(), 'server', 'workload', 'sample-app.mjs'), 'utf8');
  return cached;
}
