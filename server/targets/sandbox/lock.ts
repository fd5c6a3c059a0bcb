/**
 * One operation at a time per deployment: a lock file `<root>/<deployment>.lock` created
 * exclusively and holding the owner's pid and start time. A lock whose owner no longer runs
 * (an app that crashed mid-apply) is taken over; a live owner — this process included — means
 * another operation is in progress (ML7004).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { identityOf, isAlive } from './proc';
import type { TProcessIdentity } from './state';

// Shared by every sandbox target of this process (a restarted target must still see the lock).
const held = ((globalThis as unknown as { meshloomSandboxLocks?: Set<string> }).meshloomSandboxLocks ??= new Set<string>());

function owner(file: string): TProcessIdentity | undefined {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as TProcessIdentity;
    return typeof o.pid === 'number' && typeof o.start === 'number' ? o : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock; returns its release, or undefined when another operation holds it. */
export function tryLock(file: string): (() => void) | undefined {
  if (held.has(file)) return undefined;
  mkdirSync(dirname(file), { recursive: true });
  const me = identityOf(process.pid) ?? { pid: process.pid, start: 0 };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      held.add(file);
      return () => {
        held.delete(file);
        rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const o = owner(file);
      // Another live process holds it. (Our own pid without `held` is a leftover: stale.)
      if (o && o.pid !== process.pid && isAlive(o)) return undefined;
      rmSync(file, { force: true });
    }
  }
  return undefined;
}

/** Removes lock files under `root` whose owner is gone (called when a target is created). */
export function clearStaleLock(file: string): void {
  const o = owner(file);
  if (held.has(file)) return;
  if (!o || !isAlive(o) || o.pid === process.pid) rmSync(file, { force: true });
}
