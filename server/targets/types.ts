/**
 * The target contract. A target is where a rendered pattern runs: the local sandbox (real
 * workload processes behind a real HAProxy on loopback, the default) or a Kubernetes cluster.
 * Every target offers the same five operations, so the deploy flow (server/services/deploy)
 * never knows which one it drives:
 *
 * - `plan`   what `apply` would change, object by object, as a diff (changes nothing);
 * - `apply`  make the live state match the pattern; idempotent (a second apply of the same
 *            pattern reports every object `unchanged` and `changed: false`);
 * - `delete` remove everything this deployment created, and only that;
 * - `status` health per object / process;
 * - `drift`  live state against what the pattern renders now.
 *
 * Targets never throw for expected failures (a missing CRD, a port in use, a process that will
 * not start): they return `ok: false` with a coded error and the per-object outcomes so far, so
 * the caller can report exactly what was applied and offer `rollback`.
 */
import type { TMeshId, TPattern } from '@/patterns/language/schema';
import type { TAdapterDiagnostic } from '@/server/adapters/types';

export type TTargetId = 'sandbox' | 'kubernetes';

/** What is deployed: one pattern, rendered for one mesh, under a stable deployment name. */
export interface TDeployInput {
  /**
   * Stable name of the deployment (DNS-label safe, ≤ 63 chars): the same pattern deployed again
   * to the same target and mesh uses the same name, which is what makes `apply` idempotent.
   */
  deployment: string;
  /** The resolved pattern (parameters substituted, includes merged). */
  pattern: TPattern;
  mesh: TMeshId;
}

/** Identifies a deployment for delete/status (the pattern is not needed to find what exists). */
export interface TDeployRef {
  deployment: string;
  mesh: TMeshId;
}

export type TChangeAction = 'create' | 'update' | 'delete' | 'unchanged';

/** One object the target manages: a Kubernetes object, or a sandbox process / file. */
export interface TObjectRef {
  /** Unique within a deployment, stable across runs (e.g. `apps/v1/Deployment/ns/name`, `process/reviews/v1/0`, `file/haproxy.cfg`). */
  key: string;
  /** `Deployment`, `VirtualService`, … or for the sandbox `Workload`, `Proxy`, `ProxyConfig`, `Certificate`. */
  kind: string;
  name: string;
  namespace?: string;
}

export interface TObjectChange extends TObjectRef {
  action: TChangeAction;
  /** Unified diff (YAML or config text) of live → desired; '' when unchanged. */
  diff: string;
}

export interface TPlan {
  target: TTargetId;
  mesh: TMeshId;
  deployment: string;
  changes: TObjectChange[];
  summary: Record<TChangeAction, number>;
  /** The adapter's diagnostics (unsupported features etc.) plus the target's own. */
  diagnostics: TAdapterDiagnostic[];
}

export type TObjectStatus = 'applied' | 'unchanged' | 'deleted' | 'failed' | 'skipped';

export interface TObjectOutcome extends TObjectRef {
  action: TChangeAction;
  status: TObjectStatus;
  message?: string;
  /**
   * What was live before this run changed it (the Kubernetes object, the previous config text),
   * kept by the caller so `rollback` can restore it. Absent for objects this run created.
   * Never contains secrets that must not reach the browser (the flow strips it before sending).
   */
  previous?: unknown;
}

export interface TTargetError {
  /** ML7xxx, see server/targets/errors.ts. */
  code: string;
  message: string;
  hint?: string;
}

export interface TApplyResult {
  ok: boolean;
  /** False when every object was already as desired. */
  changed: boolean;
  objects: TObjectOutcome[];
  error?: TTargetError;
  /** Where to reach the deployment: entry URL per service / gateway listener (sandbox: http://127.0.0.1:<port>). */
  endpoints?: Record<string, string>;
  diagnostics: TAdapterDiagnostic[];
}

export type THealth = 'healthy' | 'progressing' | 'degraded' | 'missing' | 'unknown';

export interface TStatus {
  deployment: string;
  /** Nothing of this deployment exists on the target. */
  exists: boolean;
  healthy: boolean;
  objects: (TObjectRef & { health: THealth; message?: string })[];
  endpoints?: Record<string, string>;
}

export interface TDrift {
  deployment: string;
  drifted: boolean;
  objects: (TObjectRef & { state: 'in-sync' | 'changed' | 'missing' | 'extra'; diff: string })[];
}

/** Progress events, streamed to the UI while a long operation runs. */
export interface TProgress {
  phase: 'render' | 'plan' | 'apply' | 'wait' | 'delete' | 'rollback';
  message: string;
  object?: TObjectOutcome;
  done?: number;
  total?: number;
}

export interface TRunOptions {
  onProgress?: (p: TProgress) => void;
  signal?: AbortSignal;
  /** Kubernetes: server-side dry run (nothing persisted). Sandbox: plan only. */
  dryRun?: boolean;
}

export interface TTarget {
  id: TTargetId;
  title: string;
  /** The meshes this target can run (sandbox: haproxy; Kubernetes: the seven meshes). */
  meshes: readonly TMeshId[];
  /** Whether the target can be used here, and why not (no kubeconfig, haproxy not installed). */
  available(): Promise<{ ok: true } | { ok: false; reason: string }>;
  plan(input: TDeployInput): Promise<TPlan>;
  apply(input: TDeployInput, options?: TRunOptions): Promise<TApplyResult>;
  /** Removes everything of this deployment (and only that). */
  delete(ref: TDeployRef, options?: TRunOptions): Promise<TApplyResult>;
  /** Undoes a (partly failed) apply: deletes what it created, restores `previous` of what it updated. */
  rollback(ref: TDeployRef, applied: TObjectOutcome[], options?: TRunOptions): Promise<TApplyResult>;
  status(ref: TDeployRef): Promise<TStatus>;
  drift(input: TDeployInput): Promise<TDrift>;
  /** Recent log lines per source (sandbox: each workload process and the proxy's access log). */
  logs?(ref: TDeployRef, options?: { tail?: number }): Promise<{ source: string; lines: string[] }[]>;
}
