/**
 * An in-process event bus for long-running operations (deploy runs, check runs), keyed by run
 * id. A run's events are kept while it runs and for a while after, so a subscriber that
 * connects late (or reconnects) gets every event so far, then the live ones, and the stream
 * ends with the run's `end` event. Each event gets a sequence number (`seq`, from 1) and a
 * timestamp (`at`); a subscriber resumes after the last `seq` it saw.
 *
 * The channels live on globalThis: Next.js may evaluate a module more than once in one process,
 * and the mutation that starts a run and the subscription that watches it must share them.
 * Each bus has its own namespace, so run ids of different kinds never meet. (One server process
 * owns its runs; several processes against one database would each have their own — a
 * documented limitation.)
 */

/** What every event on a bus carries. The one with `type: 'end'` ends the stream. */
export interface TBusEvent {
  type: string;
  seq: number;
  at: string;
}

/** `T` without the fields the bus fills in, for each member of a union. */
export type TBusEventInput<T extends TBusEvent> = T extends TBusEvent ? Omit<T, 'seq' | 'at'> : never;

interface Channel<T> {
  events: T[];
  seq: number;
  ended: boolean;
  wake: Set<() => void>;
}

export interface TRunBusOptions {
  /** How long a finished run's events stay replayable in memory (the database keeps the result). */
  retainFinishedMs?: number;
  /** Events kept per run; older ones are dropped beyond this (the end event never is). */
  maxEvents?: number;
}

export interface TRunBus<T extends TBusEvent> {
  /** Starts the event stream of a new run (replacing a stale one of the same id). */
  open(runId: string): void;
  /** Appends an event to a running run (ignored once the run has ended, or when it is unknown). */
  publish(runId: string, event: TBusEventInput<T>): void;
  /** Ends a run's stream with `event` (its `type` should be `end`); the events stay replayable for a while. */
  end(runId: string, event: TBusEventInput<T>): void;
  /** True while the run's events are in memory (running, or finished recently). */
  has(runId: string): boolean;
  /** True while the run is in progress in this process. */
  isRunning(runId: string): boolean;
  /**
   * Every event of the run after `after` (a seq; 0 = from the start), then the live ones, until
   * the end event or `signal` aborts. Returns at once when the run is not in memory.
   */
  follow(runId: string, opts?: { after?: number; signal?: AbortSignal }): AsyncGenerator<T>;
}

export const DEFAULT_RETAIN_FINISHED_MS = 10 * 60_000;
const DEFAULT_MAX_EVENTS = 5_000;

const store = globalThis as unknown as { meshloomRunBuses?: Map<string, Map<string, Channel<unknown>>> };

function channelsOf<T>(namespace: string): Map<string, Channel<T>> {
  store.meshloomRunBuses ??= new Map();
  let map = store.meshloomRunBuses.get(namespace);
  if (!map) {
    map = new Map();
    store.meshloomRunBuses.set(namespace, map);
  }
  return map as Map<string, Channel<T>>;
}

function wakeAll(ch: Channel<unknown>) {
  for (const w of [...ch.wake]) w();
  ch.wake.clear();
}

/** The bus `namespace` (one per kind of run: `deploy`, `checks`); every call with the same namespace shares the channels. */
export function createRunBus<T extends TBusEvent>(namespace: string, options: TRunBusOptions = {}): TRunBus<T> {
  const retainMs = options.retainFinishedMs ?? DEFAULT_RETAIN_FINISHED_MS;
  const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  const channels = () => channelsOf<T>(namespace);

  function push(ch: Channel<T>, event: TBusEventInput<T>) {
    ch.seq += 1;
    ch.events.push({ ...event, seq: ch.seq, at: new Date().toISOString() } as unknown as T);
    if (ch.events.length > maxEvents) ch.events.splice(0, ch.events.length - maxEvents);
  }

  return {
    open(runId) {
      channels().set(runId, { events: [], seq: 0, ended: false, wake: new Set() });
    },
    publish(runId, event) {
      const ch = channels().get(runId);
      if (!ch || ch.ended) return;
      push(ch, event);
      wakeAll(ch);
    },
    end(runId, event) {
      const ch = channels().get(runId);
      if (!ch || ch.ended) return;
      push(ch, event);
      ch.ended = true;
      wakeAll(ch);
      setTimeout(() => {
        if (channels().get(runId) === ch) channels().delete(runId);
      }, retainMs).unref?.();
    },
    has(runId) {
      return channels().has(runId);
    },
    isRunning(runId) {
      const ch = channels().get(runId);
      return !!ch && !ch.ended;
    },
    async *follow(runId, opts = {}) {
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
    },
  };
}

/**
 * Named locks, one holder each, optionally pointing at the run that holds them (for "in
 * progress" links). Synchronous, so check-and-take is atomic in one process.
 */
export interface TLockTable {
  tryLock(key: string): boolean;
  setRun(key: string, runId: string): void;
  unlock(key: string): void;
  /** The run holding the lock (null: taken, no run yet), undefined when free. */
  lockedBy(key: string): string | null | undefined;
}

const lockStore = globalThis as unknown as { meshloomLockTables?: Map<string, Map<string, { runId: string | null }>> };

export function createLockTable(namespace: string): TLockTable {
  const locks = () => {
    lockStore.meshloomLockTables ??= new Map();
    let map = lockStore.meshloomLockTables.get(namespace);
    if (!map) {
      map = new Map();
      lockStore.meshloomLockTables.set(namespace, map);
    }
    return map;
  };
  return {
    tryLock(key) {
      if (locks().has(key)) return false;
      locks().set(key, { runId: null });
      return true;
    },
    setRun(key, runId) {
      const lock = locks().get(key);
      if (lock) lock.runId = runId;
    },
    unlock(key) {
      locks().delete(key);
    },
    lockedBy(key) {
      return locks().get(key)?.runId;
    },
  };
}
