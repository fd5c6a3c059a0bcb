/**
 * What every sandbox operation needs: the root folder, the binaries (haproxy, node) and the
 * sample workload program, the timeouts — plus starting one sample-workload process the way the
 * sandbox always does (loopback only, a minimal environment: the app's own secrets never reach a
 * workload, and the deployment tag that finds strays).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '@/server/db/url';
import { findHaproxy } from './haproxy';
import { TAG_ENV, workloadLog, type TLayout } from './layout';
import { LOOPBACK } from './ports';
import { spawnDetached } from './proc';
import type { TProcessIdentity, TWorkloadSpec } from './state';

export interface TSandboxOptions {
  /** Folder holding one sub-folder per deployment. */
  root: string;
  /** The haproxy binary (default: PATH, then /usr/sbin/haproxy). */
  haproxy?: string;
  /** The node binary for workloads (default: this process's). */
  node?: string;
  /** The sample workload program (default: server/workload/sample-app.mjs of the repo). */
  sampleApp?: string;
  /** How long processes and listeners get to answer after a start or reload (default 15 s). */
  readyTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace when stopping a process (default 3 s). */
  stopGraceMs?: number;
}

export interface TSandboxContext {
  root: string;
  haproxy: string | undefined;
  node: string;
  sampleApp: string;
  readyTimeoutMs: number;
  stopGraceMs: number;
}

export function contextOf(o: TSandboxOptions): TSandboxContext {
  return {
    root: resolve(o.root),
    haproxy: findHaproxy(o.haproxy),
    node: o.node ?? process.execPath,
    sampleApp: o.sampleApp ?? join(/*turbopackIgnore: true*/ repoRoot(), 'server', 'workload', 'sample-app.mjs'),
    readyTimeoutMs: o.readyTimeoutMs ?? 15_000,
    stopGraceMs: o.stopGraceMs ?? 3000,
  };
}

/** Hash of the sample program: a new program restarts the workloads on the next apply. */
export function programHash(ctx: TSandboxContext): string {
  try {
    return createHash('sha256').update(readFileSync(ctx.sampleApp)).digest('hex');
  } catch {
    return 'missing';
  }
}

/** The environment of spawned processes: PATH and the deployment tag, nothing of the app's. */
export function baseEnv(l: TLayout): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', [TAG_ENV]: l.dir };
}

export function startWorkload(ctx: TSandboxContext, l: TLayout, key: string, spec: TWorkloadSpec): Promise<TProcessIdentity> {
  const env = {
    ...baseEnv(l),
    NODE_ENV: 'production',
    SERVICE: spec.service,
    VERSION: spec.version,
    INSTANCE: `${spec.service}-${spec.version}-${spec.instance}`,
    HOST: LOOPBACK,
    PORT: String(spec.port),
    LATENCY_MS: String(spec.latencyMs),
    ERROR_RATE: String(spec.errorRate),
    UPSTREAMS: JSON.stringify(spec.upstreams),
    UPSTREAMS_ONLY: '1',
    SOURCE_HEADER: 'x-meshloom-source',
  };
  return spawnDetached({ command: ctx.node, args: [ctx.sampleApp], cwd: l.dir, env, logFile: workloadLog(l, key) });
}
