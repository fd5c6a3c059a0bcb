// Internal helpers of the check services: rows → DTOs, visibility.
import type { TStepResult, TSuiteGroup, TSuiteId, TSuiteResult } from '@/server/checks/conformance/types';
import type { Db, Prisma } from '@/server/db';
import type { TTargetId } from '@/server/targets/types';
import { parseJson, redact } from '../deploy/dto';
import { ServiceError } from '../errors';
import { canSee } from '../patterns/shared';
import type { Actor } from '../types';
import { toStepDto, type TCheckRunDto, type TCheckRunStatus, type TCheckRunSummaryDto } from './dto';
import { checkBus } from './events';

export const runInclude = {
  actor: { select: { name: true } },
  pattern: { select: { visibility: true, ownerId: true } },
} as const satisfies Prisma.CheckRunInclude;
export type CheckRunRow = Prisma.CheckRunGetPayload<{ include: typeof runInclude }>;
export type SuiteRow = Prisma.CheckSuiteResultGetPayload<object>;

/** The stored status, except that a run left `running` by a server that stopped reads `cancelled`. */
export function runStatus(row: { id: string; status: string }): TCheckRunStatus {
  if (row.status === 'running' && !checkBus.isRunning(row.id)) return 'cancelled';
  return row.status as TCheckRunStatus;
}

export function toSummaryDto(row: CheckRunRow): TCheckRunSummaryDto {
  const status = runStatus(row);
  return {
    id: row.id,
    target: row.target as TTargetId,
    mesh: row.mesh,
    versions: parseJson<Record<string, string>>(row.versions, {}),
    suites: parseJson<TSuiteGroup[]>(row.suites, []),
    status,
    totals: { passed: row.passed, failed: row.failed, skipped: row.skipped },
    error: row.errorMessage ? redact(row.errorMessage) : status === 'cancelled' && row.status === 'running' ? 'Interrupted: the server stopped during this run.' : null,
    patternName: row.patternName,
    deploymentId: row.deploymentId,
    actor: row.actor?.name ?? null,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

/** A stored suite result as the contract's TSuiteResult (steps redacted). */
export function toSuiteResult(row: SuiteRow): TSuiteResult {
  const steps = parseJson<TStepResult[]>(row.steps, []);
  return {
    suite: row.suite as TSuiteId,
    title: row.title,
    specVersion: row.specVersion,
    ...(row.pattern !== null ? { pattern: row.pattern } : {}),
    capability: row.capability as TSuiteResult['capability'],
    steps: Array.isArray(steps) ? steps.map(toStepDto) : [],
    durationMs: row.durationMs,
  };
}

export function toRunDto(row: CheckRunRow, suites: SuiteRow[]): TCheckRunDto {
  return { ...toSummaryDto(row), results: suites.map(toSuiteResult) };
}

/**
 * Check runs are visible to every signed-in user, except those for a private pattern, which
 * only its owner and admins see (like the pattern itself).
 */
export function canSeeRun(actor: Actor, row: { pattern: { visibility: string; ownerId: string | null } | null }): boolean {
  if (!actor) return false;
  return row.pattern === null || canSee(actor, row.pattern);
}

export async function findVisibleRun(db: Db, actor: Actor, id: string): Promise<CheckRunRow> {
  const row = await db.checkRun.findUnique({ where: { id }, include: runInclude });
  if (!row || !canSeeRun(actor, row)) throw new ServiceError('NOT_FOUND', 'No such check run.', undefined, { errorCode: 'ML8004' });
  return row;
}

export async function suitesOf(db: Db, runId: string): Promise<SuiteRow[]> {
  return db.checkSuiteResult.findMany({ where: { runId }, orderBy: { position: 'asc' } });
}
