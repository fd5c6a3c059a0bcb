/**
 * The in-process event bus of deploy runs, keyed by run id. A run's events are kept while it
 * runs and for a while after, so a subscriber that connects late (or reconnects) gets every
 * event so far, then the live ones, and the stream ends with the run's `end` event.
 *
 * Also the per-deployment operation lock: one operation per deployment at a time (ML7004).
 *
 * Both live on globalThis: Next.js may evaluate this module more than once in one process, and
 * the mutation that starts a run and the subscription that watches it must share them.
 * (One server process owns its runs; several processes against one database would each have
 * their own locks — a documented limitation.)
 */
import type { TDeployProgressEvent, TRunDto, TRunEvent } from './dto';

/** How long a finished run's events stay replayable in memory (the database keeps the result). */
export const RETAIN_FINISHED_MS = 10 * 60_000;
/** Progress events kept per run; older progress events are dropped beyond this (the end event never is). */
const MAX_EVENTS = 5_000;

interface Channel {
  events: TRunEvent[];
  seq: number;
  ended: boolean;
  wake: Set<() => void>;
}

const store = globalThis as unknown as {
  meshloomRunChannels?: Map<string, Channel>;
  meshloomDeployLocks?: Map<string, { runId: string | null }>;
};

function channels(): Map<string, Channel> {
  store.meshloomRunChannels ??= new Map();
  return store.meshloomRunChannels;
}

function locks(): Map<string, { runId: string | null }> {
  store.meshloomDeployLocks ??= new Map();
  return store.meshloomDeployLocks;
}

/** Starts the event stream of a new run. */
export function openRun(runId: string): void {
  channels().set(runId, { events: [], seq: 0, ended: false, wake: new Set() });
}

function wakeAll(ch: Channel) {
  for (const w of [...ch.wake]) w();
  ch.wake.clear();
}

/** Appends a progress event to a running run (ignored once the run has ended). */
export function publishProgress(runId: string, event: Omit<TDeployProgressEvent, 'seq' | 'type' | 'at'>): void {
  const ch = channels().get(runId);
  if (!ch || ch.ended) return;
  ch.seq += 1;
  ch.events.push({ type: 'progress', seq: ch.seq, at: new Date().toISOString(), ...event });
  if (ch.events.length > MAX_EVENTS) ch.events.splice(0, ch.events.length - MAX_EVENTS);
  wakeAll(ch);
}

/** Ends a run's stream with its final record; the events stay replayable for {@link RETAIN_FINISHED_MS}. */
export function endRun(runId: string, run: TRunDto): void {
  const ch = channels().get(runId);
  if (!ch || ch.ended) return;
  ch.seq += 1;
  ch.events.push({ type: 'end', seq: ch.seq, at: new Date().toISOString(), run });
  ch.ended = true;
  wakeAll(ch);
  setTimeout(() => {
    if (channels().get(runId) === ch) channels().delete(runId);
  }, RETAIN_FINISHED_MS).unref?.();
}

/** True while the run's events are in memory (running, or finished recently). */
export function hasRun(runId: string): boolean {
  return channels().has(runId);
}

/** True while the run is in progress in this process. */
export function isRunning(runId: string): boolean {
  const ch = channels().get(runId);
  return !!ch && !ch.ended;
}

/**
 * Every event of the run after `after` (a seq number; 0 = from the start), then the live ones,
 * until the `end` event or `signal` aborts. Returns immediately when the run is not in memory.
 */
export async function* followRun(runId: string, opts: { after?: number; signal?: AbortSignal } = {}): AsyncGenerator<TRunEvent> {
  const ch = channels().get(runId);
  if (!ch) return;
  let last = opts.after ?? 0;
  for (;;) {
    for (const e of ch.events) {
      if (e.seq <= last) continue;
      last = e.seq;
      yield e;
      if (e.type === 'end') return;
    }
    if (ch.ended || opts.signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        opts.signal?.removeEventListener('abort', done);
        ch.wake.delete(done);
        resolve();
      };
      ch.wake.add(done);
      opts.signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/** Takes the lock of a deployment (`target/mesh/name`); false when another operation holds it. Synchronous, so check-and-take is atomic. */
export function tryLock(key: string): boolean {
  if (locks().has(key)) return false;
  locks().set(key, { runId: null });
  return true;
}

export function setLockRun(key: string, runId: string): void {
  const lock = locks().get(key);
  if (lock) lock.runId = runId;
}

export function unlock(key: string): void {
  locks().delete(key);
}

/** The run holding a deployment's lock, if any. */
export function lockedBy(key: string): string | null | undefined {
  return locks().get(key)?.runId;
}

export function lockKey(d: { target: string; mesh: string; name: string }): string {
  return `${d.target}/${d.mesh}/${d.name}`;
}
