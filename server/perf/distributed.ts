/**
 * Distributed load: N worker processes (child_process.fork of ./distributed-worker.ts), each
 * running the built-in engine with its share of the connections and of the rate, all starting
 * their schedules at one shared epoch time. Their histograms are merged exactly (decode + add:
 * bucket counts summed), so the merged percentiles are those of one histogram holding every
 * sample. On Kubernetes the same split would run as Jobs; here the workers are processes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PerfError, type TPerfErrorCode, PERF_ERROR_CODES } from './errors';
import { mergePartials } from './merge';
import type { TLoadSpec, TPartialRun } from './types';

const WORKER = fileURLToPath(new URL('./distributed-worker.ts', import.meta.url));
const LOAD_TIMEOUT_MS = 60_000;
/** Time between the last worker saying it is loaded and the shared start (connections open meanwhile). */
const START_DELAY_MS = 300;

/** `total` split into `n` integer shares as even as possible (the first ones get the remainder). */
export function shares(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

/** The specs of `workers` workers: connections and rate split, everything else shared. */
export function splitSpec(spec: TLoadSpec, workers: number): TLoadSpec[] {
  const n = Math.max(1, Math.min(workers, spec.connections, spec.rps > 0 ? spec.rps : Number.MAX_SAFE_INTEGER));
  const conns = shares(spec.connections, n);
  const rates = spec.rps > 0 ? shares(spec.rps, n) : conns.map(() => 0);
  return conns.map((connections, i) => ({ ...spec, connections, rps: rates[i]!, threads: 1 }));
}

function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

type TWorkerMessage = { type: 'loaded' } | { type: 'result'; result: TPartialRun } | { type: 'error'; code: string; message: string };

export async function runDistributed(spec: TLoadSpec, workers: number, options: { signal?: AbortSignal } = {}): Promise<TPartialRun> {
  const specs = splitSpec(spec, workers);
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  try {
    const results = await new Promise<TPartialRun[]>((resolve, reject) => {
      const out: (TPartialRun | undefined)[] = specs.map(() => undefined);
      let loaded = 0;
      let done = 0;
      let failed = false;
      const failWith = (e: PerfError) => {
        if (failed) return;
        failed = true;
        clearTimeout(loadTimer);
        killAll();
        reject(e);
      };
      const loadTimer = setTimeout(() => failWith(new PerfError('ML8040', `workers did not start within ${LOAD_TIMEOUT_MS / 1000} s`)), LOAD_TIMEOUT_MS);
      options.signal?.addEventListener('abort', () => failWith(new PerfError('ML8041', 'the run was cancelled')), { once: true });
      specs.forEach((s, i) => {
        const child = fork(WORKER, [], { execArgv: ['--import', tsxLoader()], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
        children.push(child);
        child.on('message', (m: TWorkerMessage) => {
          if (m.type === 'loaded') {
            loaded++;
            if (loaded === specs.length) {
              clearTimeout(loadTimer);
              const startAt = Date.now() + START_DELAY_MS;
              children.forEach((c, k) => c.send({ type: 'run', spec: { ...specs[k]!, startAt } }));
            }
          } else if (m.type === 'result') {
            out[i] = m.result;
            done++;
            if (done === specs.length) resolve(out as TPartialRun[]);
          } else if (m.type === 'error') {
            const code = (m.code in PERF_ERROR_CODES ? m.code : 'ML8040') as TPerfErrorCode;
            failWith(new PerfError(code, `worker ${i + 1}/${specs.length}: ${m.message}`));
          }
        });
        child.on('error', (e) => failWith(new PerfError('ML8040', `worker ${i + 1}: ${e.message}`)));
        child.on('exit', (code, sig) => {
          if (out[i] === undefined) failWith(new PerfError('ML8040', `worker ${i + 1} exited (${sig ?? code}) without a result`));
        });
      });
    });
    return mergePartials(results);
  } finally {
    killAll();
  }
}
