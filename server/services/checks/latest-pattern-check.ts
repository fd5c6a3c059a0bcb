import type { TSuiteResult } from '@/server/checks/conformance/types';
import type { Db } from '@/server/db';
import type { TTargetId } from '@/server/targets/types';
import { parseJson } from '../deploy/dto';
import { findVisible } from '../patterns/shared';
import type { Actor } from '../types';
import type { TCheckTotals } from './dto';

/** passed: no step failed and one passed; failed: a step failed; untested: never checked, or every step skipped. */
export type TPatternCheckStatus = 'passed' | 'failed' | 'untested';

/** A pattern's behaviour result on one target and mesh. */
export interface TPatternCheckResult {
  status: Exclude<TPatternCheckStatus, 'untested'> | 'skipped';
  runId: string;
  target: TTargetId;
  mesh: string;
  capability: TSuiteResult['capability'];
  totals: TCheckTotals;
  versions: Record<string, string>;
  /** When the run finished. */
  at: string;
}

export interface TPatternCheckDto {
  pattern: string;
  /** The latest behaviour result for the pattern (any target and mesh): what its badge shows. */
  status: TPatternCheckStatus;
  latest: TPatternCheckResult | null;
  /** The latest result per target and mesh, newest first. */
  byMesh: TPatternCheckResult[];
}

/**
 * The latest behaviour-suite result for a pattern the actor may see (NOT_FOUND otherwise): one
 * indexed read of the suite results stored for it (CheckSuiteResult by pattern, suite, time).
 */
export async function getLatestPatternCheck({ db, actor, pattern }: { db: Db; actor: Actor; pattern: string }): Promise<TPatternCheckDto> {
  const row = await findVisible(db, actor, pattern);
  const rows = await db.checkSuiteResult.findMany({
    where: { pattern: row.name, suite: 'behaviour' },
    orderBy: { finishedAt: 'desc' },
    take: 50,
    include: { run: { select: { versions: true } } },
  });
  const byMesh: TPatternCheckResult[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const key = `${r.target}/${r.mesh}`;
    if (seen.has(key)) continue;
    seen.add(key);
    byMesh.push({
      status: r.failed > 0 ? 'failed' : r.passed > 0 ? 'passed' : 'skipped',
      runId: r.runId,
      target: r.target as TTargetId,
      mesh: r.mesh,
      capability: r.capability as TSuiteResult['capability'],
      totals: { passed: r.passed, failed: r.failed, skipped: r.skipped },
      versions: parseJson<Record<string, string>>(r.run.versions, {}),
      at: r.finishedAt.toISOString(),
    });
  }
  const latest = byMesh[0] ?? null;
  return { pattern: row.name, status: latest && latest.status !== 'skipped' ? latest.status : 'untested', latest, byMesh };
}
