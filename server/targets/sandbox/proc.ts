/**
 * Processes of the sandbox, by pid and kernel start time (Linux /proc). A process is "ours" only
 * while /proc/<pid>/stat shows the start time recorded when we spawned it, so a pid the kernel
 * has reused for someone else's process is never signalled. Processes are spawned detached (own
 * session and process group, stdout/stderr appended to a log file) so they outlive an app
 * restart and can be adopted by the next one; stopping signals the whole group (HAProxy's
 * master and its workers) with SIGTERM, then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import type { TProcessIdentity } from './state';

interface TStat {
  state: string;
  ppid: number;
  pgrp: number;
  start: number;
}

/** Fields of /proc/<pid>/stat, or undefined when there is no such process. */
export function readStat(pid: number): TStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain anything: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0] ?? '?';
  return { state, ppid: Number(rest[1]), pgrp: Number(rest[2]), start: Number(rest[19]) };
}

export function identityOf(pid: number): TProcessIdentity | undefined {
  const s = readStat(pid);
  return s ? { pid, start: s.start } : undefined;
}

/** True while the recorded process runs (same pid and start time, not a zombie). */
export function isAlive(id: TProcessIdentity | undefined): boolean {
  if (!id) return false;
  const s = readStat(id.pid);
  return !!s && s.start === id.start && s.state !== 'Z' && s.state !== 'X';
}

/** Whether the process has at least one child (an HAProxy master without a worker serves nothing). */
export function hasChildren(id: TProcessIdentity): boolean {
  try {
    return readFileSync(`/proc/${id.pid}/task/${id.pid}/children`, 'utf8').trim() !== '';
  } catch {
    return true; // no children file (kernel without it): do not conclude anything
  }
}

export class SpawnError extends Error {}

/**
 * Starts `command` detached, in its own process group, output appended to `logFile`. Resolves
 * once the process exists (not once it is ready: callers probe for that).
 */
export function spawnDetached(o: { command: string; args: string[]; cwd: string; env: Record<string, string>; logFile: string }): Promise<TProcessIdentity> {
  const fd = openSync(o.logFile, 'a');
  return new Promise<TProcessIdentity>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(o.command, o.args, { cwd: o.cwd, env: o.env as NodeJS.ProcessEnv, detached: true, stdio: ['ignore', fd, fd] });
    } catch (e) {
      closeSync(fd);
      reject(new SpawnError(`cannot start ${o.command}: ${(e as Error).message}`));
      return;
    }
    child.once('error', (e: Error) => {
      closeSync(fd);
      reject(new SpawnError(`cannot start ${o.command}: ${e.message}`));
    });
    child.once('spawn', () => {
      closeSync(fd);
      const pid = child.pid;
      const id = pid === undefined ? undefined : identityOf(pid);
      // Node keeps reaping the child when it exits; unref so it never holds the app open.
      child.unref();
      if (!id) reject(new SpawnError(`${o.command} exited at once (see ${o.logFile})`));
      else resolve(id);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function signal(id: TProcessIdentity, sig: NodeJS.Signals, group: boolean): void {
  if (!isAlive(id)) return;
  try {
    // Spawned detached, the process leads its own group (HAProxy's workers are in it too).
    process.kill(group ? -id.pid : id.pid, sig);
  } catch {
    try {
      process.kill(id.pid, sig);
    } catch {
      /* gone meanwhile */
    }
  }
}

/** Live members of the group led by `leader` (HAProxy workers), taken while the leader runs. */
function groupMembers(leader: TProcessIdentity): TProcessIdentity[] {
  // While the leader (or any member) lives, the kernel cannot hand its pgid to another group.
  if (!isAlive(leader)) return [];
  const out: TProcessIdentity[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === leader.pid) continue;
    const s = readStat(pid);
    if (s && s.pgrp === leader.pid && s.state !== 'Z') out.push({ pid, start: s.start });
  }
  return out;
}

/** SIGTERM to the process and its group, SIGKILL after `graceMs`; resolves when none of it runs. */
export async function stopProcess(id: TProcessIdentity | undefined, graceMs = 3000): Promise<void> {
  if (!id || !isAlive(id)) return;
  const members = groupMembers(id);
  const left = () => [id, ...members].filter(isAlive);
  signal(id, 'SIGTERM', true);
  for (const m of members) signal(m, 'SIGTERM', false);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(15);
    if (left().length === 0) return;
  }
  for (const p of left()) signal(p, 'SIGKILL', p === id);
  const hard = Date.now() + 2000;
  while (Date.now() < hard && left().length > 0) await sleep(15);
}

/** Processes (of this user) whose environment carries `TAG=value`: strays of a deployment. */
export function taggedProcesses(tag: string, value: string): TProcessIdentity[] {
  const wanted = `${tag}=${value}`;
  const out: TProcessIdentity[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let env: Buffer;
    try {
      env = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue;
    }
    if (!env.toString('utf8').split('\0').includes(wanted)) continue;
    const s = readStat(pid);
    if (s && s.state !== 'Z') out.push({ pid, start: s.start });
  }
  return out;
}
