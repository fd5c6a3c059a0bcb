import type { Db, Prisma } from '@/server/db';
import type { Actor } from '../types';
import type { TCheckRunDto, TCheckRunExport, TCheckRunSummaryDto } from './dto';
import { ServiceError } from '../errors';
import { canSeeRun, findVisibleRun, runInclude, suitesOf, toRunDto, toSummaryDto } from './shared';

export interface ListCheckRunsOptions {
  db: Db;
  actor: Actor;
  /** Only the runs for this pattern (behaviour runs of one pattern). */
  patternName?: string;
  target?: string;
  limit?: number;
}

/** Check runs, newest first. */
export async function listCheckRuns({ db, actor, patternName, target, limit = 50 }: ListCheckRunsOptions): Promise<TCheckRunSummaryDto[]> {
  const where: Prisma.CheckRunWhereInput = { ...(patternName ? { patternName } : {}), ...(target ? { target } : {}) };
  const rows = await db.checkRun.findMany({ where, include: runInclude, orderBy: { startedAt: 'desc' }, take: Math.min(Math.max(limit, 1), 200) });
  return rows.filter((r) => canSeeRun(actor, r)).map(toSummaryDto);
}

/** One run with every suite's result. */
export async function getCheckRun({ db, actor, id }: { db: Db; actor: Actor; id: string }): Promise<TCheckRunDto> {
  const row = await findVisibleRun(db, actor, id);
  return toRunDto(row, await suitesOf(db, row.id));
}

/**
 * The run's result as the engine returned it (the contract's TCheckRun: target, mesh, versions,
 * times, suites with their steps, totals), plus its id — the downloadable JSON. Only once the
 * run has finished (ML8003 before).
 */
export async function exportCheckRun({ db, actor, id }: { db: Db; actor: Actor; id: string }): Promise<TCheckRunExport> {
  const run = await getCheckRun({ db, actor, id });
  if (run.status === 'running' || run.finishedAt === null) {
    throw new ServiceError('PRECONDITION_FAILED', 'ML8003: this run has not finished yet; export it when it has.', undefined, { errorCode: 'ML8003' });
  }
  return {
    id: run.id,
    target: run.target,
    mesh: run.mesh as TCheckRunExport['mesh'],
    versions: run.versions,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    suites: run.results,
    totals: run.totals,
  };
}
