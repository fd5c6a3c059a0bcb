// Running one operation (apply, delete, rollback) on a deployment in the background: the run is
// recorded, its progress streamed through the event bus, and its result written back.
import type { Db } from '@/server/db';
import type { TApplyResult, TChangeAction, TObjectOutcome, TRunOptions } from '@/server/targets/types';
import { ServiceError } from '../errors';
import { toProgress, type TDeploymentStatus, type TRunDto, type TRunKind } from './dto';
import { endRun, lockKey, openRun, publishProgress, setLockRun, tryLock, unlock } from './events';

export { unlock } from './events';
import { runInclude, toRunDto } from './shared';

export interface TStartedRun {
  runId: string;
  deploymentId: string;
  /** Settles with the run's record when it ends (never rejects). The API returns only the ids. */
  finished: Promise<TRunDto>;
}

interface TDeploymentKey {
  target: string;
  mesh: string;
  name: string;
}

/**
 * Takes the deployment's lock, or ML7004 when another operation holds it. Synchronous, so two
 * requests racing for one deployment cannot both get it. The caller hands the lock to
 * {@link startRun} (which releases it when the run ends) or releases it with `unlock` on failure.
 */
export function acquireDeploymentLock(key: TDeploymentKey): string {
  const lock = lockKey(key);
  if (!tryLock(lock)) {
    throw new ServiceError('CONFLICT', `ML7004: another operation on ${key.name} (${key.target}, ${key.mesh}) is in progress; wait for it to finish.`, undefined, {
      errorCode: 'ML7004',
      hint: 'Watch it on the deployments page, then try again.',
    });
  }
  return lock;
}

export interface TStartRunOptions {
  db: Db;
  actorId: string | null;
  deploymentId: string;
  /** The held lock of the deployment; released when the run ends. */
  lock: string;
  kind: Exclude<TRunKind, 'plan'>;
  patternVersion: number | null;
  /** The deployment's status while the run is in progress (unchanged when absent). */
  statusDuring?: TDeploymentStatus;
  execute: (options: TRunOptions) => Promise<TApplyResult>;
  /** The deployment's status (and endpoints) once the run has its result. */
  after: (result: TApplyResult) => { status: TDeploymentStatus; endpoints?: Record<string, string> };
}

/** Records a new run and starts it in the background; resolves once it has started. */
export async function startRun(o: TStartRunOptions): Promise<TStartedRun> {
  // Holding the lock, nothing else of this process runs on the deployment: an unfinished run
  // left in the database is one the server stopped during.
  await o.db.deploymentRun.updateMany({
    where: { deploymentId: o.deploymentId, finishedAt: null },
    data: { ok: false, errorCode: 'ML7005', errorMessage: 'Interrupted: the server stopped during this run.', finishedAt: new Date() },
  });
  const run = await o.db.deploymentRun.create({ data: { deploymentId: o.deploymentId, kind: o.kind, actorId: o.actorId, patternVersion: o.patternVersion } });
  if (o.statusDuring) await o.db.deployment.update({ where: { id: o.deploymentId }, data: { status: o.statusDuring } });
  openRun(run.id);
  setLockRun(o.lock, run.id);
  const finished = finish(o, run.id);
  return { runId: run.id, deploymentId: o.deploymentId, finished };
}

async function finish(o: TStartRunOptions, runId: string): Promise<TRunDto> {
  let dto: TRunDto | undefined;
  try {
    let result: TApplyResult;
    try {
      result = await o.execute({ onProgress: (p) => publishProgress(runId, toProgress(p)) });
    } catch (e) {
      console.error(`deploy run ${runId} (${o.kind}) failed unexpectedly:`, e);
      const code = (e as { code?: unknown } | null)?.code;
      result = {
        ok: false,
        changed: false,
        objects: [],
        error: { code: typeof code === 'string' && /^ML7\d{3}$/.test(code) ? code : 'INTERNAL', message: `The target failed unexpectedly: ${e instanceof Error ? e.message : String(e)}` },
        diagnostics: [],
      };
    }
    const after = o.after(result);
    const row = await o.db.deploymentRun.update({
      where: { id: runId },
      data: {
        ok: result.ok,
        changed: result.changed,
        errorCode: result.error?.code ?? null,
        errorMessage: result.error?.message ?? null,
        errorHint: result.error?.hint ?? null,
        // `previous` is kept here (rollback needs it) and stripped from everything sent out.
        outcomes: JSON.stringify(result.objects satisfies TObjectOutcome[]),
        summary: JSON.stringify(countActions(result.objects)),
        finishedAt: new Date(),
      },
      include: runInclude,
    });
    await o.db.deployment.update({
      where: { id: o.deploymentId },
      data: { status: after.status, ...(after.endpoints ? { endpoints: JSON.stringify(after.endpoints) } : {}) },
    });
    dto = toRunDto(row);
  } catch (e) {
    // The database failed while recording the result: report the run as failed to whoever watches.
    console.error(`deploy run ${runId}: recording the result failed:`, e);
    dto = {
      id: runId,
      deploymentId: o.deploymentId,
      kind: o.kind,
      actor: null,
      patternVersion: o.patternVersion,
      state: 'failed',
      ok: false,
      changed: false,
      error: { code: 'INTERNAL', message: 'The result of this run could not be recorded.' },
      outcomes: [],
      summary: {},
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
    };
  } finally {
    // Free the deployment before announcing the end, so a watcher may start the next operation at once.
    unlock(o.lock);
  }
  endRun(runId, dto);
  return dto;
}

/** How many objects the run created, updated, deleted or left unchanged. */
export function countActions(objects: { action: TChangeAction; status?: string }[]): Partial<Record<TChangeAction, number>> {
  const out: Partial<Record<TChangeAction, number>> = {};
  for (const o of objects) out[o.action] = (out[o.action] ?? 0) + 1;
  return out;
}
