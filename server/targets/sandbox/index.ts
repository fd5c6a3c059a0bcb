/**
 * The local sandbox deploy target (the default): runs a pattern for real on this machine — one
 * sample-workload process per service version instance and one HAProxy (master-worker) in
 * front, everything on 127.0.0.1 — and implements the target contract (server/targets/types.ts)
 * for the haproxy mesh. State lives under `<root>/<deployment>/`; a target created on the same
 * root (an app restart) finds the deployments left there: running processes are adopted,
 * dead ones show as `missing` in `status` and are restarted by the next `apply`.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TMeshId } from '@/patterns/language/schema';
import type { TTarget } from '../types';
import { applySandbox, planSandbox, unusableReason } from './apply';
import { contextOf, type TSandboxOptions } from './context';
import { haproxyVersion } from './haproxy';
import { driftSandbox, logsSandbox, statusSandbox } from './inspect';
import { isDeploymentName, layoutOf } from './layout';
import { clearStaleLock } from './lock';
import { listDeployments, readState, type TProcessIdentity } from './state';
import { deleteSandbox, rollbackSandbox } from './teardown';

export type { TSandboxOptions } from './context';

/** What a deployment's record says runs: each workload instance and the proxy (read-only, for probes). */
export interface TSandboxProcesses {
  workloads: { service: string; version: string; instance: number; port: number; proc?: TProcessIdentity }[];
  proxy?: { proc?: TProcessIdentity };
}

export interface TSandboxTarget extends TTarget {
  id: 'sandbox';
  /** Deployments found under the root (this run's and those an earlier run left). */
  deployments(): string[];
  /** The folder deployments live in. */
  readonly root: string;
  /** The processes recorded for `deployment` (undefined when it has no state); reads state.json only. */
  processes(deployment: string): TSandboxProcesses | undefined;
}

const MESHES: readonly TMeshId[] = ['haproxy'];

export function createSandboxTarget(options: TSandboxOptions): TSandboxTarget {
  const ctx = contextOf(options);
  mkdirSync(ctx.root, { recursive: true });
  // Locks of operations an earlier run did not finish (it crashed): their owner is gone.
  for (const f of readdirSync(ctx.root)) if (f.endsWith('.lock')) clearStaleLock(join(ctx.root, f));

  return {
    id: 'sandbox',
    title: 'Local sandbox',
    meshes: MESHES,
    root: ctx.root,
    deployments: () => listDeployments(ctx.root),
    processes(deployment) {
      if (!isDeploymentName(deployment)) return undefined;
      const state = readState(layoutOf(ctx.root, deployment));
      if (!state) return undefined;
      const workloads = Object.values(state.workloads).map(({ spec, proc }) => ({ service: spec.service, version: spec.version, instance: spec.instance, port: spec.port, ...(proc ? { proc } : {}) }));
      return { workloads, ...(state.proxy ? { proxy: state.proxy.proc ? { proc: state.proxy.proc } : {} } : {}) };
    },
    async available() {
      const unusable = unusableReason(ctx);
      if (unusable) return { ok: false, reason: ctx.haproxy ? unusable : `${unusable} (npm run setup installs the Debian package haproxy)` };
      const v = await haproxyVersion(ctx.haproxy!);
      return v.ok ? { ok: true } : { ok: false, reason: v.reason };
    },
    plan: (input) => planSandbox(ctx, input),
    apply: (input, o) => applySandbox(ctx, input, o),
    delete: (ref, o) => deleteSandbox(ctx, ref, o),
    rollback: (ref, applied, o) => rollbackSandbox(ctx, ref, applied, o),
    status: (ref) => statusSandbox(ctx, ref),
    drift: (input) => driftSandbox(ctx, input),
    logs: (ref, o) => logsSandbox(ctx, ref, o?.tail),
  };
}
