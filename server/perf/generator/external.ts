/**
 * Running external load generators (wrk, fortio, nighthawk): finding the binary on PATH, running
 * it with a deadline and a cancel signal, and collecting its output. Nothing here parses: each
 * generator's module turns its tool's output into a partial run.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PerfError } from '../errors';

/** Absolute path of `name` on PATH (or the usual system folders), or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/bin', '/usr/bin', '/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export interface TToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Epoch ms when the process was started and when it exited. */
  spawnedAt: number;
  exitedAt: number;
}

/** Runs `bin args…`; kills it when `signal` aborts or after `deadlineMs`. */
export function runTool(bin: string, args: string[], o: { signal?: AbortSignal; deadlineMs: number; env?: NodeJS.ProcessEnv }): Promise<TToolRun> {
  return new Promise((resolve, reject) => {
    const spawnedAt = Date.now();
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? ({ PATH: process.env.PATH ?? '', LANG: 'C' } as unknown as NodeJS.ProcessEnv) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let cancelled = false;
    const kill = () => {
      cancelled = true;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(kill, o.deadlineMs);
    o.signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new PerfError('ML8010', `cannot start ${bin}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', kill);
      if (cancelled) {
        reject(o.signal?.aborted ? new PerfError('ML8041', 'the run was cancelled') : new PerfError('ML8011', `${bin} did not finish within ${Math.round(o.deadlineMs / 1000)} s`));
        return;
      }
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), spawnedAt, exitedAt: Date.now() });
    });
  });
}

/** The last non-empty lines of a tool's stderr, for an error message. */
export function tail(text: string, lines = 3): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}
