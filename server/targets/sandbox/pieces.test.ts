/** The sandbox's building blocks on their own: haproxy -c messages, process identity, locks, log tails, ports. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfig, findHaproxy } from './haproxy';
import { tryLock } from './lock';
import { tailLines } from './logs';
import { assignPorts, isPortFree } from './ports';
import { identityOf, isAlive, spawnDetached, stopProcess } from './proc';

const dir = mkdtempSync(join(tmpdir(), 'meshloom-sandbox-pieces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const haproxy = findHaproxy();

describe.skipIf(!haproxy)('haproxy -c', () => {
  it('passes a valid configuration and returns HAProxy’s alerts for an invalid one', async () => {
    const ok = join(dir, 'ok.cfg');
    writeFileSync(ok, 'defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n\nfrontend fe\n    bind 127.0.0.1:1\n    http-request return status 200\n');
    expect(await checkConfig(haproxy!, ok, dir)).toBeUndefined();
    const bad = join(dir, 'bad.cfg');
    writeFileSync(bad, 'frontend fe\n    bind 127.0.0.1:1\n    http-request frobnicate\n');
    expect(await checkConfig(haproxy!, bad, dir)).toMatch(/\[ALERT\].*frobnicate/);
  });
});

describe('processes', () => {
  it('knows a process by pid and start time, and stops its whole group', async () => {
    const log = join(dir, 'sleep.log');
    const id = await spawnDetached({ command: '/bin/sh', args: ['-c', 'sleep 30 & sleep 30; wait'], cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, logFile: log });
    expect(isAlive(id)).toBe(true);
    expect(isAlive({ pid: id.pid, start: id.start + 1 })).toBe(false); // a reused pid is not ours
    await stopProcess(id, 1000);
    expect(isAlive(id)).toBe(false);
  });

  it('escalates to SIGKILL after the grace period', async () => {
    const id = await spawnDetached({ command: '/bin/sh', args: ['-c', "trap '' TERM; while :; do sleep 0.05; done"], cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, logFile: join(dir, 'stubborn.log') });
    await new Promise((r) => setTimeout(r, 150)); // let the shell set its trap
    const t0 = Date.now();
    await stopProcess(id, 300);
    expect(isAlive(id)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it('never signals a process it does not know', async () => {
    const child = spawn('/bin/sleep', ['30']);
    try {
      const real = identityOf(child.pid!)!;
      await stopProcess({ pid: real.pid, start: real.start - 1 }, 100);
      expect(isAlive(real)).toBe(true);
    } finally {
      child.kill();
    }
  });
});

describe('locks, logs, ports', () => {
  it('one holder per lock file; released, it can be taken again', () => {
    const f = join(dir, 'x.lock');
    const release = tryLock(f);
    expect(release).toBeTypeOf('function');
    expect(tryLock(f)).toBeUndefined();
    release!();
    const again = tryLock(f);
    expect(again).toBeTypeOf('function');
    again!();
  });

  it('takes over a lock whose owner is gone', () => {
    const f = join(dir, 'stale.lock');
    writeFileSync(f, JSON.stringify({ pid: 999999, start: 1 }));
    const release = tryLock(f);
    expect(release).toBeTypeOf('function');
    release!();
  });

  it('tails the last lines of a file', () => {
    const f = join(dir, 'big.log');
    writeFileSync(f, Array.from({ length: 10_000 }, (_, i) => `line ${i}`).join('\n') + '\n');
    expect(tailLines(f, 3)).toEqual(['line 9997', 'line 9998', 'line 9999']);
    expect(tailLines(join(dir, 'none.log'), 3)).toEqual([]);
  });

  it('keeps recorded ports that are held or free, and replaces taken ones', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const taken = (busy.address() as { port: number }).port;
    const first = await assignPorts(['a', 'b'], {}, () => false);
    expect(first.a).not.toBe(first.b);
    const again = await assignPorts(['a', 'b', 'c'], { a: first.a!, b: taken }, (k) => k === 'a');
    expect(again.a).toBe(first.a);
    expect(again.b).not.toBe(taken);
    expect(await isPortFree(again.c!)).toBe(true);
    busy.close();
  });
});
