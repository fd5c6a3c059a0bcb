/**
 * The event bus of check runs (the shared run bus under the `checks` namespace) and the
 * one-run-per-target lock: the suites deploy to the target, so two runs there at once would
 * measure each other (ML8001).
 */
import { createLockTable, createRunBus } from '../run-bus';
import type { TCheckEvent } from './dto';

export const checkBus = createRunBus<TCheckEvent>('checks');
export const checkLocks = createLockTable('checks');

/** Abort controllers of the runs in progress in this process, for `cancel`. */
const store = globalThis as unknown as { meshloomCheckAborts?: Map<string, AbortController> };
export function checkAborts(): Map<string, AbortController> {
  store.meshloomCheckAborts ??= new Map();
  return store.meshloomCheckAborts;
}

export function targetLockKey(target: string): string {
  return `target/${target}`;
}
