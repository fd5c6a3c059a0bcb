/**
 * The sandbox's record of one deployment (`<deployment>/state.json`): the loopback ports it
 * owns, each process it started (pid plus its kernel start time, so a reused pid is never taken
 * for ours), the certificates it issued and the endpoints it serves. Written atomically after
 * every process start, so an app crash never leaves a process the next run cannot find.
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeploymentName, type TLayout } from './layout';

export interface TProcessIdentity {
  pid: number;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22). */
  start: number;
}

/** What one sample-workload process is started with (its environment, minus constants). */
export interface TWorkloadSpec {
  service: string;
  version: string;
  instance: number;
  port: number;
  latencyMs: number;
  errorRate: number;
  /** Service → proxy listener URL: a→b traffic goes through HAProxy. */
  upstreams: Record<string, string>;
}

export interface TWorkloadRecord {
  spec: TWorkloadSpec;
  /** Hash of the spec and of the sample program it runs. */
  hash: string;
  proc?: TProcessIdentity;
  startedAt?: string;
}

export interface TProxyRecord {
  proc?: TProcessIdentity;
  startedAt?: string;
  /** Hash of haproxy.cfg, meshloom.lua and the certificates the running proxy loaded. */
  loaded?: string;
  reloads: number;
}

export interface TSandboxState {
  version: 1;
  deployment: string;
  mesh: 'haproxy';
  pattern: string;
  /** Port per key (`listener:<service>`, `workload:<service>/<version>/<i>`, `inbound:<service>/<version>`, `stats`). */
  ports: Record<string, number>;
  /** By object key `process/<service>/<version>/<i>`. */
  workloads: Record<string, TWorkloadRecord>;
  proxy?: TProxyRecord;
  /** Certificate files under certs/ that this deployment issued (ca.pem first). */
  certificates: string[];
  endpoints: Record<string, string>;
  updatedAt: string;
}

export function emptyState(deployment: string, pattern: string): TSandboxState {
  return { version: 1, deployment, mesh: 'haproxy', pattern, ports: {}, workloads: {}, certificates: [], endpoints: {}, updatedAt: new Date().toISOString() };
}

/** The recorded state, or undefined when there is none (or it is unreadable). */
export function readState(l: TLayout): TSandboxState | undefined {
  if (!existsSync(l.state)) return undefined;
  try {
    const s = JSON.parse(readFileSync(l.state, 'utf8')) as TSandboxState;
    if (s.version !== 1 || typeof s.ports !== 'object' || typeof s.workloads !== 'object') return undefined;
    s.certificates ??= [];
    s.endpoints ??= {};
    return s;
  } catch {
    return undefined;
  }
}

export function writeState(l: TLayout, s: TSandboxState): void {
  s.updatedAt = new Date().toISOString();
  const tmp = `${l.state}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`);
  renameSync(tmp, l.state);
}

/** Deployments with a folder under the root (state.json present or not: a crash may leave one without). */
export function listDeployments(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && isDeploymentName(d.name) && existsSync(join(root, d.name, 'state.json')))
    .map((d) => d.name)
    .sort();
}

/** Ports recorded by the other deployments under the root (never handed to this one). */
export function portsOfOthers(root: string, deployment: string): Set<number> {
  const out = new Set<number>();
  for (const d of listDeployments(root)) {
    if (d === deployment) continue;
    try {
      const s = JSON.parse(readFileSync(join(root, d, 'state.json'), 'utf8')) as TSandboxState;
      for (const p of Object.values(s.ports ?? {})) out.add(p);
    } catch {
      /* unreadable: its ports are unknown */
    }
  }
  return out;
}
