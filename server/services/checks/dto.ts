/**
 * What the check services send out. Step texts (expected / observed / reason) go through the
 * same redaction as deploy messages (the kubeconfig path never leaves the server). Dates are
 * ISO strings. The export is the engine's TCheckRun exactly, plus the run's id.
 */
import type { TCheckProgress, TCheckRun, TStepResult, TSuiteGroup, TSuiteResult } from '@/server/checks/conformance/types';
import type { TTargetId } from '@/server/targets/types';
import { redact } from '../deploy/dto';

export const CHECK_SUITE_GROUPS = ['smi', 'gamma', 'behaviour'] as const satisfies readonly TSuiteGroup[];
export const CHECK_RUN_STATUSES = ['running', 'passed', 'failed', 'cancelled'] as const;
export type TCheckRunStatus = (typeof CHECK_RUN_STATUSES)[number];

export interface TCheckTotals {
  passed: number;
  failed: number;
  skipped: number;
}

/** A run as lists show it. */
export interface TCheckRunSummaryDto {
  id: string;
  target: TTargetId;
  mesh: string;
  versions: Record<string, string>;
  /** The suite groups asked for. */
  suites: TSuiteGroup[];
  /** `running` only while this server runs it; a run the server stopped during reads `cancelled`. */
  status: TCheckRunStatus;
  totals: TCheckTotals;
  /** Why the run ended early, when it did. */
  error: string | null;
  /** The one pattern the behaviour suite ran, when the run was for one pattern. */
  patternName: string | null;
  /** The deployment whose deploy started this run. */
  deploymentId: string | null;
  /** Display name of who started it (null: deleted account). */
  actor: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/** A run with every suite's result (steps in order). */
export interface TCheckRunDto extends TCheckRunSummaryDto {
  results: TSuiteResult[];
}

/** The downloadable result: the engine's TCheckRun, plus the run id. */
export type TCheckRunExport = TCheckRun & { id: string };

/** Progress events of a run, as the `progress` subscription streams them; `end` carries the record. */
export type TCheckEvent =
  | (Extract<TCheckProgress, { type: 'suite-start' }> & { seq: number; at: string })
  | (Extract<TCheckProgress, { type: 'step' }> & { seq: number; at: string })
  | (Extract<TCheckProgress, { type: 'suite-end' }> & { seq: number; at: string })
  | { type: 'end'; seq: number; at: string; run: TCheckRunDto };

/**
 * A step with its free texts redacted. Other fields are kept as the engine gave them (a step
 * may say which `features` it checks), so the export stays the engine's result.
 */
export function toStepDto(s: TStepResult): TStepResult {
  return {
    ...s,
    ...(s.expected !== undefined ? { expected: redact(s.expected) } : {}),
    ...(s.observed !== undefined ? { observed: redact(s.observed) } : {}),
    ...(s.reason !== undefined ? { reason: redact(s.reason) } : {}),
  };
}

export function toSuiteDto(r: TSuiteResult): TSuiteResult {
  return { ...r, steps: r.steps.map(toStepDto) };
}

export function toProgressDto(p: TCheckProgress): TCheckProgress {
  switch (p.type) {
    case 'suite-start':
      return { type: 'suite-start', suite: p.suite, title: p.title, ...(p.pattern !== undefined ? { pattern: p.pattern } : {}) };
    case 'step':
      return { type: 'step', result: toStepDto(p.result) };
    case 'suite-end':
      return { type: 'suite-end', result: toSuiteDto(p.result) };
  }
}

/** Counts of a suite's steps by status. */
export function countSteps(steps: readonly { status: TStepResult['status'] }[]): TCheckTotals {
  const t: TCheckTotals = { passed: 0, failed: 0, skipped: 0 };
  for (const s of steps) {
    if (s.status === 'PASSED') t.passed += 1;
    else if (s.status === 'FAILED') t.failed += 1;
    else t.skipped += 1;
  }
  return t;
}
