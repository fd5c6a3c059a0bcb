/**
 * The HAProxy process of a deployment: found on PATH (or /usr/sbin), configurations checked
 * with `haproxy -c` before use, run in master-worker mode in the foreground (`-W -db`, its own
 * process group, stdout/stderr — access logs included — appended to logs/haproxy.log) and
 * reloaded with SIGUSR2 to the master: the new worker takes the listeners, the old one finishes
 * the requests in flight and exits. The master reports each (re)load in the log, which is how a
 * start or reload is confirmed.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { isAlive, spawnDetached } from './proc';
import type { TProcessIdentity } from './state';

const run = promisify(execFile);

/** The haproxy binary: `explicit`, else PATH, else the Debian location. */
export function findHaproxy(explicit?: string): string | undefined {
  const candidates = explicit ? [explicit] : [...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'haproxy')), '/usr/sbin/haproxy', '/usr/local/sbin/haproxy'];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** `2.6.12…` from `haproxy -v`, or a reason it cannot be run. */
export async function haproxyVersion(bin: string): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    const { stdout } = await run(bin, ['-v'], { timeout: 10_000 });
    const m = /version (\d+)\.(\d+)(\S*)/i.exec(stdout);
    if (!m) return { ok: false, reason: `${bin} -v did not report a version` };
    const [major, minor] = [Number(m[1]), Number(m[2])];
    if (major < 2 || (major === 2 && minor < 6)) return { ok: false, reason: `HAProxy ${m[1]}.${m[2]} is too old: the sandbox needs 2.6 or newer` };
    return { ok: true, version: `${m[1]}.${m[2]}${m[3]}` };
  } catch (e) {
    return { ok: false, reason: `${bin} does not run: ${(e as Error).message}` };
  }
}

/** `haproxy -c`: undefined when valid, else HAProxy's own messages (alerts first). */
export async function checkConfig(bin: string, file: string, cwd: string): Promise<string | undefined> {
  try {
    await run(bin, ['-c', '-f', file], { cwd, timeout: 30_000 });
    return undefined;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    const text = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim() || err.message;
    const lines = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.replace(/^(\[\w+\])\s+\(\d+\) : /, '$1 '));
    const alerts = lines.filter((l) => l.includes('[ALERT]'));
    return (alerts.length ? alerts : lines).slice(0, 12).join('\n');
  }
}

/** Bytes in the log so far: a (re)load is confirmed by what the master writes after that. */
export function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function readFrom(file: string, offset: number): string {
  if (!existsSync(file)) return '';
  const size = logSize(file);
  if (size <= offset) return '';
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(size - offset, 4 << 20));
    const n = readSync(fd, buf, 0, buf.length, offset);
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for the master's verdict on the (re)load that follows `offset` in the log: `ok`, or the
 * failure with the log's alerts.
 */
export async function awaitLoad(master: TProcessIdentity, log: string, offset: number, timeoutMs: number): Promise<{ ok: true } | { ok: false; message: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readFrom(log, offset);
    if (text.includes(`(${master.pid}) : Loading success.`)) return { ok: true };
    if (/Loading failure/.test(text) || !isAlive(master)) {
      const alerts = text.split('\n').filter((l) => /\[(ALERT|WARNING)\]/.test(l));
      return { ok: false, message: (alerts.length ? alerts : text.split('\n')).slice(-12).join('\n').trim() || 'haproxy exited' };
    }
    if (Date.now() > deadline) return { ok: false, message: `no answer from the HAProxy master within ${timeoutMs} ms` };
    await sleep(10);
  }
}

/** Starts the master (foreground master-worker mode) on `cfg`; resolves once it reports loading. */
export async function startHaproxy(o: { bin: string; cfg: string; cwd: string; log: string; env: Record<string, string>; timeoutMs: number }): Promise<{ ok: true; proc: TProcessIdentity } | { ok: false; message: string; proc?: TProcessIdentity }> {
  const offset = logSize(o.log);
  let proc: TProcessIdentity;
  try {
    proc = await spawnDetached({ command: o.bin, args: ['-W', '-db', '-f', o.cfg], cwd: o.cwd, env: o.env, logFile: o.log });
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
  const r = await awaitLoad(proc, o.log, offset, o.timeoutMs);
  return r.ok ? { ok: true, proc } : { ok: false, message: r.message, proc };
}

/** SIGUSR2 to the master; resolves once the new worker runs (the old one drains in the background). */
export async function reloadHaproxy(master: TProcessIdentity, log: string, timeoutMs: number): Promise<{ ok: true } | { ok: false; message: string }> {
  if (!isAlive(master)) return { ok: false, message: 'the HAProxy master is not running' };
  const offset = logSize(log);
  try {
    process.kill(master.pid, 'SIGUSR2');
  } catch (e) {
    return { ok: false, message: `cannot signal the HAProxy master: ${(e as Error).message}` };
  }
  return awaitLoad(master, log, offset, timeoutMs);
}
