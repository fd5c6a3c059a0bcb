/**
 * The check services on both databases, driving the REAL conformance engine
 * (server/checks/conformance: runChecks) against the REAL sandbox target — HAProxy and
 * sample-workload processes on 127.0.0.1, in a temporary folder — with the SMI suites (24 steps).
 * Skipped, with the reason printed, when haproxy is not installed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '@/server/db/testing';
import { setTargetForTesting } from '@/server/targets/registry';
import { createSandboxTarget } from '@/server/targets/sandbox';
import { findHaproxy } from '@/server/targets/sandbox/haproxy';
import { isServiceError } from '../errors';
import { createPattern } from '../patterns';
import { createUser } from '../patterns/testing';
import { checkBus } from './events';
import {
  exportCheckRun,
  getCheckRun,
  getCompatibilityMatrix,
  getLatestPatternCheck,
  listCheckRuns,
  startCheckRun,
  type TCheckEvent,
  type TCheckRunDto,
  watchCheckRun,
} from './index';

const haproxyBin = findHaproxy();
if (!haproxyBin) console.log('skipping the check service tests on the sandbox: haproxy is not installed (npm run setup installs it)');

async function collect(events: AsyncIterable<TCheckEvent>): Promise<TCheckEvent[]> {
  const out: TCheckEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    return isServiceError(e) ? `${e.code}${e.detail?.errorCode ? ` ${e.detail.errorCode}` : ''}` : `not a ServiceError: ${String(e)}`;
  }
}

describe.skipIf(!haproxyBin)('conformance runs on the real sandbox', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'meshloom-checks-sandbox-'));
    setTargetForTesting('sandbox', createSandboxTarget({ root }));
  });
  afterAll(() => {
    setTargetForTesting('sandbox', null);
    rmSync(root, { recursive: true, force: true });
  });

  describeEachDatabase('check services', (get) => {
    let smi: { run: TCheckRunDto; events: TCheckEvent[]; startedAt: number };

    beforeAll(async () => {
      const db = get().db;
      const operator = await createUser(db, 'operator', 'Otto');
      const t0 = Date.now();
      const { runId, finished } = await startCheckRun({ db, actor: operator, target: 'sandbox', suites: ['smi'] });
      // One run per target at a time: a second one is refused while this one runs.
      expect(await codeOf(startCheckRun({ db, actor: operator, target: 'sandbox', suites: ['smi'] }))).toBe('CONFLICT ML8001');
      const events = await collect(await watchCheckRun({ db, actor: operator, runId }));
      const run = await finished;
      smi = { run, events, startedAt: t0 };
    }, 240_000);

    it('streams one event per finished step, in order, between suite starts and ends, and ends with the stored record', async () => {
      const { run, events } = smi;
      const kinds = events.map((e) => e.type);
      expect(kinds.filter((k) => k === 'suite-start')).toHaveLength(3);
      expect(kinds.filter((k) => k === 'suite-end')).toHaveLength(3);
      expect(kinds.filter((k) => k === 'step')).toHaveLength(24);
      expect(kinds.at(-1)).toBe('end');
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      // Steps arrive inside their suite, numbered from 1.
      let suite = '';
      let index = 0;
      for (const e of events) {
        if (e.type === 'suite-start') [suite, index] = [e.suite, 0];
        if (e.type === 'step') {
          expect(e.result.suite).toBe(suite);
          expect(e.result.index).toBe(++index);
        }
      }
      const end = events.at(-1)!;
      expect(end.type === 'end' && end.run).toEqual(run);
      expect(run.target).toBe('sandbox');
      expect(run.mesh).toBe('haproxy');
      expect(run.suites).toEqual(['smi']);
      expect(run.versions).toMatchObject({ meshloom: expect.any(String), node: process.versions.node, haproxy: expect.stringMatching(/^\d/) });
      expect(run.totals.passed + run.totals.failed + run.totals.skipped).toBe(24);
      expect(run.status).toBe(run.totals.failed > 0 ? 'failed' : 'passed');
      expect(run.actor).toBe('Otto');
      expect(run.results.map((r) => [r.suite, r.steps.length])).toEqual([
        ['smi-access', 7],
        ['smi-spec', 6],
        ['smi-split', 11],
      ]);
      for (const r of run.results) {
        expect(['FULL', 'PARTIAL', 'NONE']).toContain(r.capability);
        for (const s of r.steps) {
          expect(s.assertion.length).toBeGreaterThan(0);
          if (s.status === 'FAILED') expect(s.expected && s.observed).toBeTruthy();
          if (s.status === 'SKIPPED') expect(s.reason).toBeTruthy();
        }
      }
    });

    it('stores the run: list and get read it back from the database, and a late watcher gets the same events', async () => {
      const db = get().db;
      const viewer = await createUser(db, 'viewer');
      const list = await listCheckRuns({ db, actor: viewer });
      expect(list.map((r) => r.id)).toContain(smi.run.id);
      const { results, ...summary } = smi.run;
      expect(list.find((r) => r.id === smi.run.id)).toEqual(summary);
      expect(await getCheckRun({ db, actor: viewer, id: smi.run.id })).toEqual(smi.run);
      expect(await db.checkSuiteResult.count({ where: { runId: smi.run.id } })).toBe(3);
      // Replay: the finished run's events are still in memory, all of them.
      expect(await collect(await watchCheckRun({ db, actor: viewer, runId: smi.run.id }))).toEqual(smi.events);
      // Resuming after an event gives the rest.
      expect(await collect(await watchCheckRun({ db, actor: viewer, runId: smi.run.id, after: 10 }))).toEqual(smi.events.slice(10));
      expect(results).toHaveLength(3);
    });

    it('exports exactly the engine’s result (every suite as its suite-end event carried it), plus the id', async () => {
      const db = get().db;
      const exported = await exportCheckRun({ db, actor: await createUser(db, 'viewer'), id: smi.run.id });
      expect(Object.keys(exported).sort()).toEqual(['finishedAt', 'id', 'mesh', 'startedAt', 'suites', 'target', 'totals', 'versions']);
      const suiteEnds = smi.events.flatMap((e) => (e.type === 'suite-end' ? [e.result] : []));
      expect(exported.suites).toEqual(suiteEnds);
      expect(exported.suites.flatMap((s) => s.steps)).toHaveLength(24);
      expect(exported).toMatchObject({ id: smi.run.id, target: 'sandbox', mesh: 'haproxy', versions: smi.run.versions, totals: smi.run.totals });
      expect(Date.parse(exported.finishedAt)).toBeGreaterThanOrEqual(Date.parse(exported.startedAt));
      expect(Date.parse(exported.startedAt)).toBeGreaterThanOrEqual(smi.startedAt - 1000);
      // It survives JSON (what the download is).
      expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);
    });

    it('joins the matrix: HAProxy’s SMI features measured with date, target and versions; nothing else measured', async () => {
      const db = get().db;
      const matrix = await getCompatibilityMatrix({ db, actor: null });
      const measured = matrix.cells.filter((c) => c.measured);
      expect(new Set(measured.map((c) => c.mesh))).toEqual(new Set(['haproxy']));
      expect(measured.map((c) => c.feature).sort()).toEqual(['authorization-request', 'authorization-source', 'method-match', 'path-match', 'traffic-split']);
      const split = measured.find((c) => c.feature === 'traffic-split')!;
      const splitSteps = smi.run.results.find((r) => r.suite === 'smi-split')!.steps;
      expect(split.measured).toMatchObject({
        status: splitSteps.some((s) => s.status === 'FAILED') ? 'failed' : 'passed',
        passed: splitSteps.filter((s) => s.status === 'PASSED').length,
        failed: splitSteps.filter((s) => s.status === 'FAILED').length,
        runId: smi.run.id,
        target: 'sandbox',
        versions: smi.run.versions,
        at: smi.run.finishedAt,
      });
      // Declared capabilities ride along unchanged.
      expect(split.declared.level).toBeDefined();
      expect(matrix.cells).toHaveLength(matrix.features.length * matrix.meshes.length);
    });

    it('reads the latest behaviour result per pattern: untested until one ran; private patterns only for who may see them', async () => {
      const db = get().db;
      const owner = await createUser(db, 'editor');
      const name = `private-${get().provider}`;
      await createPattern({
        db,
        actor: owner,
        visibility: 'private',
        text: `apiVersion: meshloom.dev/v1alpha1\nkind: Pattern\nmetadata:\n  name: ${name}\n  title: Private\n  category: resiliency\n  summary: s\nspec:\n  services:\n    - {name: web}\n`,
      });
      const mine = await getLatestPatternCheck({ db, actor: owner, pattern: name });
      expect(mine).toEqual({ pattern: name, status: 'untested', latest: null, byMesh: [] });
      expect(await codeOf(getLatestPatternCheck({ db, actor: null, pattern: name }))).toBe('NOT_FOUND');
      expect(await codeOf(getLatestPatternCheck({ db, actor: await createUser(db, 'editor'), pattern: name }))).toBe('NOT_FOUND');
      expect(await codeOf(getCompatibilityMatrix({ db, actor: null, pattern: name }))).toBe('NOT_FOUND');
      const own = await getCompatibilityMatrix({ db, actor: owner, pattern: name });
      expect(own.pattern).toEqual({ name, title: 'Private' });
      expect(own.cells.every((c) => c.measured === null)).toBe(true);
    });

    it('a run the server stopped during reads cancelled, and watching it yields its end from the database', async () => {
      const db = get().db;
      const row = await db.checkRun.create({ data: { target: 'kubernetes', mesh: 'istio', suites: '["gamma"]', status: 'running' } });
      expect(checkBus.has(row.id)).toBe(false);
      const events = await collect(await watchCheckRun({ db, actor: await createUser(db, 'viewer'), runId: row.id }));
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'end', run: { id: row.id, status: 'cancelled', error: 'Interrupted: the server stopped during this run.', results: [] } });
      expect(await codeOf(exportCheckRun({ db, actor: await createUser(db, 'viewer'), id: row.id }))).toBe('PRECONDITION_FAILED ML8003');
      expect(await codeOf(getCheckRun({ db, actor: null, id: row.id }))).toBe('NOT_FOUND ML8004');
      await db.checkRun.delete({ where: { id: row.id } });
    });
  });
});
