/**
 * The built-in load generator: the engine of ./engine.ts (raw sockets, pre-serialised requests,
 * HDR histogram, closed loop or constant rate with coordinated-omission correction) in this
 * process, or — with `threads` > 1 — one engine per worker process (../distributed.ts), merged.
 */
import { readFileSync } from 'node:fs';
import { runDistributed } from '../distributed';
import type { TLoadGenerator } from '../types';
import { runEngine } from './engine';

let version: string | undefined;
/** `meshloom <version>` of this checkout. */
export function meshloomVersion(): string {
  if (version === undefined) {
    try {
      version = `meshloom ${(JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version}`;
    } catch {
      version = 'meshloom';
    }
  }
  return version;
}

export const builtinGenerator: TLoadGenerator = {
  id: 'builtin',
  title: 'built-in (Node, raw sockets; open model corrected for coordinated omission)',
  available: async () => ({ ok: true, version: meshloomVersion() }),
  async run(spec, options = {}) {
    const p = (spec.threads ?? 1) > 1 ? await runDistributed(spec, spec.threads!, options) : await runEngine(spec, options);
    return { ...p, generatorVersion: meshloomVersion() };
  },
};
