/**
 * What the deploy services send to a browser, and the one place that makes it safe: `previous`
 * objects are dropped, private key blocks and Kubernetes Secret data are masked in diffs, and
 * the kubeconfig path never appears in a message. Dates are ISO strings.
 */
import { isAbsolute, join } from 'node:path';
import { repoRoot } from '@/server/db/url';
import { getEnv } from '@/server/env';
import type { TAdapterDiagnostic } from '@/server/adapters/types';
import type { TChangeAction, THealth, TObjectOutcome, TObjectRef, TObjectStatus, TProgress, TTargetError, TTargetId } from '@/server/targets/types';

export const DEPLOYMENT_STATUSES = ['deploying', 'deployed', 'failed', 'deleting', 'deleted', 'rolled-back'] as const;
export type TDeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];
export const RUN_KINDS = ['plan', 'apply', 'delete', 'rollback'] as const;
export type TRunKind = (typeof RUN_KINDS)[number];
/** `interrupted`: the run never finished (the server stopped during it). */
export type TRunState = 'running' | 'succeeded' | 'failed' | 'interrupted';

/** A per-object outcome without `previous`. */
export interface TOutcomeDto extends TObjectRef {
  action: TChangeAction;
  status: TObjectStatus;
  message?: string;
}

export interface TRunDto {
  id: string;
  deploymentId: string;
  kind: TRunKind;
  /** Display name of who ran it (null when the account was deleted). */
  actor: string | null;
  patternVersion: number | null;
  state: TRunState;
  ok: boolean | null;
  changed: boolean;
  error: TTargetError | null;
  outcomes: TOutcomeDto[];
  /** Per-action counts (plan runs: what the plan would change; other runs: what the run did). */
  summary: Partial<Record<TChangeAction, number>>;
  startedAt: string;
  finishedAt: string | null;
}

export interface TDeploymentDto {
  id: string;
  name: string;
  patternName: string;
  /** The pattern version last applied (null: unsaved pattern text). */
  patternVersion: number | null;
  /** The saved pattern's current version (null when it was never saved or is deleted). */
  latestVersion: number | null;
  target: TTargetId;
  mesh: string;
  status: TDeploymentStatus;
  endpoints: Record<string, string>;
  params: Record<string, unknown>;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  lastRun: TRunDto | null;
  /** The run in progress in this server, if any. */
  activeRunId: string | null;
}

export interface TDeploymentDetailDto extends TDeploymentDto {
  runs: TRunDto[];
}

export interface TObjectChangeDto extends TObjectRef {
  action: TChangeAction;
  diff: string;
}

export interface TPlanDto {
  deployment: string;
  target: TTargetId;
  mesh: string;
  patternName: string;
  patternVersion: number | null;
  changes: TObjectChangeDto[];
  summary: Record<TChangeAction, number>;
  /** True when applying would change something. */
  changed: boolean;
  diagnostics: TAdapterDiagnostic[];
  /** The existing deployment with this name on this target and mesh, if any. */
  existing: { id: string; status: TDeploymentStatus } | null;
}

export interface TDeployProgressEvent {
  type: 'progress';
  seq: number;
  at: string;
  phase: TProgress['phase'];
  message: string;
  object?: TOutcomeDto;
  done?: number;
  total?: number;
}

export interface TRunEndEvent {
  type: 'end';
  seq: number;
  at: string;
  run: TRunDto;
}

export type TRunEvent = TDeployProgressEvent | TRunEndEvent;

export interface TStatusDto {
  deployment: string;
  exists: boolean;
  healthy: boolean;
  objects: (TObjectRef & { health: THealth; message?: string })[];
  endpoints: Record<string, string>;
}

export interface TDriftDto {
  deployment: string;
  drifted: boolean;
  objects: (TObjectRef & { state: 'in-sync' | 'changed' | 'missing' | 'extra'; diff: string })[];
}

// ---- sanitising ---------------------------------------------------------------------------

/** Strings that must never reach a browser: the configured kubeconfig path, as written and resolved. */
function secretsToMask(): string[] {
  const raw = getEnv().MESHLOOM_KUBECONFIG;
  if (!raw) return [];
  const resolved = isAbsolute(raw) ? raw : join(/*turbopackIgnore: true*/ repoRoot(), raw);
  return [...new Set([resolved, raw])].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}

/** A message with the kubeconfig path replaced by "the kubeconfig". */
export function redact(text: string): string;
export function redact(text: string | undefined): string | undefined;
export function redact(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let out = text;
  for (const s of secretsToMask()) out = out.split(s).join('<kubeconfig>');
  return out;
}

const PRIVATE_KEY_BLOCK = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g;

/** A diff safe to show: private keys and Kubernetes Secret values masked, kubeconfig path redacted. */
export function safeDiff(kind: string, diff: string): string {
  let out = diff.replace(PRIVATE_KEY_BLOCK, '(private key hidden)');
  if (kind === 'Secret') {
    // data/stringData values: keep the keys (what changed), hide the values.
    out = out.replace(/^([+\- ]\s{2,}[A-Za-z0-9._-]+:\s*)(\S.*)$/gm, (line, head: string, value: string) => (/^[|>]/.test(value) ? line : `${head}(hidden)`));
  }
  return redact(out);
}

export function toError(e: TTargetError | undefined | null): TTargetError | null {
  if (!e) return null;
  return { code: e.code, message: redact(e.message), ...(e.hint ? { hint: redact(e.hint) } : {}) };
}

/** An outcome without `previous`, its message redacted. */
export function toOutcome(o: TObjectOutcome): TOutcomeDto {
  return {
    key: o.key,
    kind: o.kind,
    name: o.name,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    action: o.action,
    status: o.status,
    ...(o.message ? { message: redact(o.message) } : {}),
  };
}

export function toProgress(p: TProgress): Omit<TDeployProgressEvent, 'seq' | 'type' | 'at'> {
  return {
    phase: p.phase,
    message: redact(p.message),
    ...(p.object ? { object: toOutcome(p.object) } : {}),
    ...(p.done !== undefined ? { done: p.done } : {}),
    ...(p.total !== undefined ? { total: p.total } : {}),
  };
}

/** Only http(s) URLs are kept as endpoints (they are shown as links). */
export function safeEndpoints(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string' && /^https?:\/\//i.test(v)) out[k] = v;
  }
  return out;
}

export function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
