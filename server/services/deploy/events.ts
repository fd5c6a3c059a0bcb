/**
 * The event bus of deploy runs, keyed by run id (the shared run bus of server/services/run-bus.ts
 * under the `deploy` namespace): a subscriber that connects late (or reconnects) gets every
 * event so far, then the live ones, and the stream ends with the run's `end` event.
 *
 * Also the per-deployment operation lock: one operation per deployment at a time (ML7004).
 */
import { createLockTable, createRunBus, DEFAULT_RETAIN_FINISHED_MS } from '../run-bus';
import type { TDeployProgressEvent, TRunDto, TRunEvent } from './dto';

/** How long a finished run's events stay replayable in memory (the database keeps the result). */
export const RETAIN_FINISHED_MS = DEFAULT_RETAIN_FINISHED_MS;

const bus = createRunBus<TRunEvent>('deploy', { retainFinishedMs: RETAIN_FINISHED_MS });
const locks = createLockTable('deploy');

/** Starts the event stream of a new run. */
export function openRun(runId: string): void {
  bus.open(runId);
}

/** Appends a progress event to a running run (ignored once the run has ended). */
export function publishProgress(runId: string, event: Omit<TDeployProgressEvent, 'seq' | 'type' | 'at'>): void {
  bus.publish(runId, { type: 'progress', ...event });
}

/** Ends a run's stream with its final record; the events stay replayable for {@link RETAIN_FINISHED_MS}. */
export function endRun(runId: string, run: TRunDto): void {
  bus.end(runId, { type: 'end', run });
}

/** True while the run's events are in memory (running, or finished recently). */
export function hasRun(runId: string): boolean {
  return bus.has(runId);
}

/** True while the run is in progress in this process. */
export function isRunning(runId: string): boolean {
  return bus.isRunning(runId);
}

/**
 * Every event of the run after `after` (a seq number; 0 = from the start), then the live ones,
 * until the `end` event or `signal` aborts. Returns immediately when the run is not in memory.
 */
export function followRun(runId: string, opts: { after?: number; signal?: AbortSignal } = {}): AsyncGenerator<TRunEvent> {
  return bus.follow(runId, opts);
}

/** Takes the lock of a deployment (`target/mesh/name`); false when another operation holds it. Synchronous, so check-and-take is atomic. */
export function tryLock(key: string): boolean {
  return locks.tryLock(key);
}

export function setLockRun(key: string, runId: string): void {
  locks.setRun(key, runId);
}

export function unlock(key: string): void {
  locks.unlock(key);
}

/** The run holding a deployment's lock, if any. */
export function lockedBy(key: string): string | null | undefined {
  return locks.lockedBy(key);
}

export function lockKey(d: { target: string; mesh: string; name: string }): string {
  return `${d.target}/${d.mesh}/${d.name}`;
}
