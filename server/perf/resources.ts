/**
 * What a run costs the processes under test, measured from Linux /proc while it runs: CPU
 * (utime + stime ticks of every process of a group, over the run, as millicores) and memory
 * (the group's summed resident set size, peak of the samples, MB). A group's processes are
 * listed again at every sample, so HAProxy workers started by a reload during the run count
 * too (from zero). Also the machine itself (CPU model, cores, memory, kernel) for SMP's
 * EnvironmentConfig. Linux only; elsewhere the samplers measure nothing and say so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

let clockTicks: number | undefined;
/** Kernel clock ticks per second (USER_HZ), for /proc/<pid>/stat times. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

interface TStat {
  pgrp: number;
  ticks: number;
  start: number;
}

function readStat(pid: number): TStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may hold spaces: split after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (f[0] === 'Z' || f[0] === 'X') return undefined;
    return { pgrp: Number(f[2]), ticks: Number(f[11]) + Number(f[12]), start: Number(f[19]) };
  } catch {
    return undefined;
  }
}

function readStatus(pid: number): { rssKb: number; threads: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rssKb: Number(/^VmRSS:\s+(\d+)/m.exec(text)?.[1] ?? 0), threads: Number(/^Threads:\s+(\d+)/m.exec(text)?.[1] ?? 1) };
  } catch {
    return undefined;
  }
}

/** Processes in the process group led by `leader` (the leader included), while it runs. */
export function processGroup(leader: number): number[] {
  if (!readStat(leader)) return [];
  const out = [leader];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid !== leader && readStat(pid)?.pgrp === leader) out.push(pid);
  }
  return out;
}

export interface TGroupUsage {
  /** CPU time the group used while sampled (user + system), seconds. */
  cpuSeconds: number;
  /** Average CPU over the sampled time, millicores (1000 = one core busy all the time). */
  cpuMcores: number;
  /** Peak of the group's summed resident memory, MB. */
  memMb: number;
  /** Most processes seen at once. */
  processes: number;
  /** Most threads of one process seen (HAProxy: its worker threads). */
  maxThreads: number;
}

export interface TProcessGroup {
  name: string;
  /** Lists the group's pids (called at every sample). */
  pids(): number[];
}

export interface TSampler {
  stop(): Record<string, TGroupUsage>;
}

/** Starts sampling the groups every `intervalMs`; `stop()` takes a last sample and returns the usage. */
export function startSampler(groups: TProcessGroup[], intervalMs = 200): TSampler {
  const linux = existsSync('/proc/self/stat');
  const t0 = performance.now();
  // Per group: pid → {first ticks, last ticks, start time}; peak memory, processes, threads.
  const state = groups.map(() => ({ procs: new Map<number, { first: number; last: number; start: number }>(), peakKb: 0, processes: 0, threads: 0 }));
  const sample = (initial: boolean) => {
    if (!linux) return;
    groups.forEach((g, i) => {
      const st = state[i]!;
      let rss = 0;
      let n = 0;
      for (const pid of g.pids()) {
        const s = readStat(pid);
        if (!s) continue;
        let known = st.procs.get(pid);
        if (known && known.start !== s.start) known = undefined; // the pid was reused
        // Processes there at the start count from then; processes born during the run count whole.
        if (!known) st.procs.set(pid, { first: initial ? s.ticks : 0, last: s.ticks, start: s.start });
        else known.last = s.ticks;
        const status = readStatus(pid);
        if (status) {
          rss += status.rssKb;
          st.threads = Math.max(st.threads, status.threads);
        }
        n++;
      }
      st.peakKb = Math.max(st.peakKb, rss);
      st.processes = Math.max(st.processes, n);
    });
  };
  sample(true);
  const timer = setInterval(() => sample(false), intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample(false);
      const seconds = (performance.now() - t0) / 1000;
      const hz = ticksPerSecond();
      const out: Record<string, TGroupUsage> = {};
      groups.forEach((g, i) => {
        const st = state[i]!;
        let ticks = 0;
        for (const p of st.procs.values()) ticks += p.last - p.first;
        out[g.name] = { cpuSeconds: ticks / hz, cpuMcores: Math.round((ticks / hz / Math.max(seconds, 1e-3)) * 1000), memMb: Math.round(st.peakKb / 1024), processes: st.processes, maxThreads: st.threads };
      });
      return out;
    },
  };
}

/** Whether /proc can be read here (Linux). */
export function canMeasureProcesses(): boolean {
  return existsSync('/proc/self/stat');
}

/** This machine, for SMP's EnvironmentConfig (node type = CPU model). */
export function machineInfo(): { cpuModel?: string; cores: number; memMb: number; kernel: string; os: string; arch: string; node: string } {
  const cpus = os.cpus();
  const model = cpus[0]?.model?.trim();
  return {
    ...(model ? { cpuModel: model } : {}),
    cores: cpus.length || os.availableParallelism(),
    memMb: Math.round(os.totalmem() / 1024 / 1024),
    kernel: os.release(),
    os: os.platform(),
    arch: os.arch(),
    node: process.version,
  };
}
