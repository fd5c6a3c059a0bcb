/**
 * A sub-millisecond alarm clock for the constant-rate schedule. libuv timers have millisecond
 * resolution (a request due 0.2 ms from now would leave up to ~1 ms late, and that lateness is
 * latency the generator adds), so a tiny worker thread sleeps with `Atomics.wait` (futex, with
 * a fractional-millisecond timeout) until the next due time and wakes the engine's thread with a
 * message. Wakes are at least `minSpacingMs` apart, so at high rates one wake releases a small
 * batch instead of costing a message per request. The worker is plain JavaScript (eval'd), so it
 * needs no TypeScript loader.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ctl = new Int32Array(workerData.sab, 0, 4);
const due = new Float64Array(workerData.sab, 16, 2);
const hr = () => Number(process.hrtime.bigint()) / 1e6;
let seen = 0;
for (;;) {
  // 0: arm counter, 1: stop flag, 2: wake pending (set here, cleared by the engine)
  Atomics.wait(ctl, 0, seen);
  if (Atomics.load(ctl, 1)) break;
  seen = Atomics.load(ctl, 0);
  for (;;) {
    const at = due[0];
    const wait = at - hr();
    if (wait <= 0) break;
    // Re-armed meanwhile (an earlier due time)? then recompute; else sleep until due.
    if (Atomics.wait(ctl, 0, seen, wait) !== 'timed-out') {
      if (Atomics.load(ctl, 1)) process.exit(0);
      seen = Atomics.load(ctl, 0);
    }
  }
  if (Atomics.load(ctl, 1)) break;
  if (Atomics.compareExchange(ctl, 2, 0, 1) === 0) parentPort.postMessage(0);
  due[1] = hr();
}
`;

export interface TWaker {
  /** Wake `onWake` at perf-clock time `atPerfMs` (or soon after the previous wake, whichever is later). */
  arm(atPerfMs: number): void;
  stop(): void;
}

export function createWaker(onWake: () => void, minSpacingMs = 0.1): TWaker {
  const sab = new SharedArrayBuffer(32);
  const ctl = new Int32Array(sab, 0, 4);
  const due = new Float64Array(sab, 16, 2);
  // The worker sleeps on the monotonic clock (hrtime); the engine schedules on performance.now().
  const offset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sab } });
  worker.unref();
  let armedAt = Infinity;
  worker.on('message', () => {
    Atomics.store(ctl, 2, 0);
    armedAt = Infinity;
    onWake();
  });
  worker.on('error', () => {
    /* the engine's fallback timer keeps the schedule going */
  });
  return {
    arm(atPerfMs) {
      const at = Math.max(atPerfMs + offset, due[1]! + minSpacingMs);
      if (at >= armedAt) return;
      armedAt = at;
      due[0] = at;
      Atomics.add(ctl, 0, 1);
      Atomics.notify(ctl, 0);
    },
    stop() {
      Atomics.store(ctl, 1, 1);
      Atomics.add(ctl, 0, 1);
      Atomics.notify(ctl, 0);
      void worker.terminate();
    },
  };
}
