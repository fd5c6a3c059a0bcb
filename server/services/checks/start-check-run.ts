import type { TCheckOptions, TCheckProgress, TCheckRun, TSuiteGroup, TSuiteResult } from '@/server/checks/conformance/types';
import { parsePattern } from '@/patterns/language';
import { featuresOf, type TFeature } from '@/patterns/language/features';
import type { Db } from '@/server/db';
import { parseJson } from '../deploy/dto';
import { canSeeDeployment, loadTarget, requireTarget, resolveText } from '../deploy/shared';
import { ServiceError } from '../errors';
import { findVisible } from '../patterns/shared';
import type { Actor } from '../types';
import { countSteps, toProgressDto, toSuiteDto, type TCheckRunDto, type TCheckRunStatus } from './dto';
import { checkAborts, checkBus, checkLocks, targetLockKey } from './events';
import { featureVerdict, tallySuites } from './features';
import { runInclude, suitesOf, toRunDto } from './shared';

export interface StartCheckRunOptions {
  db: Db;
  actor: NonNullable<Actor>;
  /** Where to run (default: the deployment's target, else the sandbox). */
  target?: string;
  /** Suite groups (default: `behaviour` for a pattern or deployment, else all three). */
  suites?: TSuiteGroup[];
  /** Run the behaviour suite for this saved pattern only. */
  pattern?: string;
  /** Run the behaviour suite for what this deployment runs (the pattern file it last applied): a check after a deploy. */
  deploymentId?: string;
}

export interface TStartedCheckRun {
  runId: string;
  /** Settles with the run's record when it ends (never rejects). The API returns only the id. */
  finished: Promise<TCheckRunDto>;
}

/**
 * Starts a conformance run in the background and resolves once it is recorded: the suites run
 * through the engine (server/checks/conformance) against the target, each finished step is
 * published on the check bus under the run id, and the result is stored with the target, mesh
 * and versions — per suite with its steps, and per measured feature as the latest result for
 * the compatibility matrix. One run per target at a time (ML8001): the suites deploy there.
 */
export async function startCheckRun(o: StartCheckRunOptions): Promise<TStartedCheckRun> {
  const { db, actor } = o;
  let patternName: string | null = null;
  let patternId: string | null = null;
  let patternText: string | null = null;
  let deploymentId: string | null = null;
  let targetId = o.target;
  let deploymentMesh: string | null = null;

  if (o.deploymentId !== undefined) {
    const d = await db.deployment.findUnique({
      where: { id: o.deploymentId },
      select: { id: true, patternName: true, patternId: true, text: true, target: true, mesh: true, status: true, pattern: { select: { visibility: true, ownerId: true } } },
    });
    if (!d || !canSeeDeployment(actor, d)) throw new ServiceError('NOT_FOUND', 'No such deployment.', undefined, { errorCode: 'ML7006' });
    if (d.status !== 'deployed') throw new ServiceError('PRECONDITION_FAILED', `ML8002: ${d.patternName} is not deployed (status ${d.status}); check a deployment once its deploy has succeeded.`, undefined, { errorCode: 'ML8002' });
    if (targetId !== undefined && targetId !== d.target) throw new ServiceError('BAD_REQUEST', `The deployment runs on ${d.target}, not ${targetId}.`);
    deploymentId = d.id;
    patternName = d.patternName;
    patternId = d.patternId;
    patternText = d.text;
    targetId = d.target;
    deploymentMesh = d.mesh;
  } else if (o.pattern !== undefined) {
    const row = await findVisible(db, actor, o.pattern);
    patternName = row.name;
    patternId = row.id;
    patternText = row.text;
  }
  const suites: TSuiteGroup[] = o.suites?.length ? [...new Set(o.suites)] : patternText !== null ? ['behaviour'] : ['smi', 'gamma', 'behaviour'];
  if (patternText !== null && !suites.includes('behaviour')) {
    throw new ServiceError('BAD_REQUEST', 'A check for one pattern runs the behaviour suite: include "behaviour" in the suites.');
  }
  // The pattern must render before its behaviour is worth checking (ML7003 with the diagnostics).
  if (patternText !== null) await resolveText(db, actor, patternText, {});

  // Loaded on first use: the engine (suites, probes) stays out of every page that imports the API.
  const engine = await import('@/server/checks/conformance');
  const target = await loadTarget(targetId ?? 'sandbox');
  // The engine picks the mesh of a target (the sandbox: haproxy).
  const chosenMesh = engine.meshFor(target);
  if (deploymentMesh !== null && deploymentMesh !== chosenMesh) {
    throw new ServiceError('BAD_REQUEST', `Checks on ${target.title} run the ${chosenMesh} mesh; this deployment runs ${deploymentMesh}.`);
  }
  await requireTarget(target.id, chosenMesh);

  const lock = targetLockKey(target.id);
  if (!checkLocks.tryLock(lock)) {
    throw new ServiceError('CONFLICT', `ML8001: a check run is already in progress on ${target.title}; wait for it to finish (or cancel it).`, undefined, {
      errorCode: 'ML8001',
      hint: 'Watch it on the Checks page.',
    });
  }
  try {
    // Holding the lock, nothing else of this process checks this target: a run still marked
    // running there is one the server stopped during.
    await db.checkRun.updateMany({
      where: { target: target.id, status: 'running' },
      data: { status: 'cancelled', errorMessage: 'Interrupted: the server stopped during this run.', finishedAt: new Date() },
    });
    const row = await db.checkRun.create({
      data: { target: target.id, mesh: chosenMesh, suites: JSON.stringify(suites), status: 'running', patternName, patternId, deploymentId, actorId: actor.id },
    });
    checkBus.open(row.id);
    checkLocks.setRun(lock, row.id);
    const controller = new AbortController();
    checkAborts().set(row.id, controller);
    const finished = execute({
      db,
      runChecks: engine.runChecks,
      runId: row.id,
      lock,
      controller,
      target: target.id,
      mesh: chosenMesh,
      suites,
      ...(patternText !== null && patternName !== null ? { patterns: [{ name: patternName, text: patternText }] } : {}),
    });
    return { runId: row.id, finished };
  } catch (e) {
    checkLocks.unlock(lock);
    throw e;
  }
}

interface TExecution {
  db: Db;
  runChecks: (options: TCheckOptions) => Promise<TCheckRun>;
  runId: string;
  lock: string;
  controller: AbortController;
  target: TCheckRun['target'];
  mesh: string;
  suites: TSuiteGroup[];
  patterns?: { name: string; text: string }[];
}

async function execute(x: TExecution): Promise<TCheckRunDto> {
  const { db, runId } = x;
  // What has finished so far, so a run that stops early keeps the suites it completed.
  const done: TSuiteResult[] = [];
  let result: TCheckRun | null = null;
  let error: string | null = null;
  try {
    result = await x.runChecks({
      target: x.target,
      suites: x.suites,
      ...(x.patterns ? { patterns: x.patterns } : {}),
      signal: x.controller.signal,
      onProgress: (p: TCheckProgress) => {
        if (p.type === 'suite-end') done.push(p.result);
        checkBus.publish(runId, toProgressDto(p));
      },
    });
  } catch (e) {
    if (!x.controller.signal.aborted) console.error(`check run ${runId} failed unexpectedly:`, e);
    error = e instanceof Error ? e.message : String(e);
  }
  let dto: TCheckRunDto;
  try {
    dto = await record(x, result, done, error);
  } catch (e) {
    console.error(`check run ${runId}: recording the result failed:`, e);
    const row = await db.checkRun.findUnique({ where: { id: runId }, include: runInclude }).catch(() => null);
    dto = {
      id: runId,
      target: x.target,
      mesh: x.mesh,
      versions: {},
      suites: x.suites,
      status: 'failed',
      totals: { passed: 0, failed: 0, skipped: 0 },
      error: 'The result of this run could not be recorded.',
      patternName: row?.patternName ?? null,
      deploymentId: row?.deploymentId ?? null,
      actor: row?.actor?.name ?? null,
      startedAt: (row?.startedAt ?? new Date()).toISOString(),
      finishedAt: new Date().toISOString(),
      results: [],
    };
  } finally {
    checkAborts().delete(runId);
    // Free the target before announcing the end, so a watcher may start the next run at once.
    checkLocks.unlock(x.lock);
  }
  checkBus.end(runId, { type: 'end', run: dto });
  return dto;
}

/**
 * The features of each pattern a behaviour suite ran (what its `routing:` steps cover): from the
 * text the run was given, else the saved pattern's derived features (catalog patterns are saved).
 */
async function featuresOfPatterns(x: TExecution, suites: TSuiteResult[]): Promise<Map<string, TFeature[]>> {
  const out = new Map<string, TFeature[]>();
  for (const p of x.patterns ?? []) {
    const parsed = parsePattern(p.text);
    if (parsed.pattern) out.set(p.name, featuresOf(parsed.pattern));
  }
  const names = [...new Set(suites.flatMap((s) => (s.suite === 'behaviour' && s.pattern !== undefined && !out.has(s.pattern) ? [s.pattern] : [])))];
  if (names.length > 0) {
    const rows = await x.db.pattern.findMany({ where: { name: { in: names } }, select: { name: true, features: true } });
    for (const r of rows) out.set(r.name, parseJson<TFeature[]>(r.features, []));
  }
  return out;
}

/** Writes the run's result: the run row, one row per suite, and the latest result per measured feature. */
async function record(x: TExecution, result: TCheckRun | null, done: TSuiteResult[], error: string | null): Promise<TCheckRunDto> {
  const suites = result?.suites ?? done;
  const steps = suites.flatMap((s) => s.steps);
  const totals = result?.totals ?? countSteps(steps);
  const cancelled = x.controller.signal.aborted;
  const status: TCheckRunStatus = cancelled ? 'cancelled' : error !== null || totals.failed > 0 ? 'failed' : 'passed';
  const finishedAt = result ? new Date(result.finishedAt) : new Date();
  const mesh = result?.mesh ?? x.mesh;
  const target = result?.target ?? x.target;
  const patternFeatures = await featuresOfPatterns(x, suites);
  const tallies = tallySuites(suites, (s) => (s.pattern !== undefined ? { patternFeatures: patternFeatures.get(s.pattern) ?? [] } : {}));
  await x.db.$transaction(async (tx) => {
    await tx.checkRun.update({
      where: { id: x.runId },
      data: {
        status,
        mesh,
        versions: JSON.stringify(result?.versions ?? {}),
        passed: totals.passed,
        failed: totals.failed,
        skipped: totals.skipped,
        errorMessage: cancelled ? 'Cancelled.' : error,
        // The engine's own times, so the export is its result exactly.
        ...(result ? { startedAt: new Date(result.startedAt) } : {}),
        finishedAt,
      },
    });
    if (suites.length > 0) {
      await tx.checkSuiteResult.createMany({
        data: suites.map((s, position) => {
          const dto = toSuiteDto(s);
          return {
            runId: x.runId,
            position,
            suite: s.suite,
            title: s.title,
            specVersion: s.specVersion,
            pattern: s.pattern ?? null,
            capability: s.capability,
            ...countSteps(s.steps),
            durationMs: Math.round(s.durationMs),
            steps: JSON.stringify(dto.steps),
            target,
            mesh,
            finishedAt,
          };
        }),
      });
    }
    for (const t of tallies) {
      const verdict = featureVerdict(t);
      if (!verdict) continue;
      const data = { status: verdict, passed: t.passed, failed: t.failed, skipped: t.skipped, runId: x.runId, measuredAt: finishedAt };
      await tx.checkFeatureResult.upsert({
        where: { target_mesh_feature: { target, mesh, feature: t.feature } },
        create: { target, mesh, feature: t.feature, ...data },
        update: data,
      });
    }
  });
  const row = await x.db.checkRun.findUniqueOrThrow({ where: { id: x.runId }, include: runInclude });
  return toRunDto(row, await suitesOf(x.db, x.runId));
}
