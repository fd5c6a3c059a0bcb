/**
 * The conformance suites for real: real HAProxy and sample workloads on a temporary sandbox
 * root, real traffic. A correct deployment passes every step; deliberately broken ones (weights
 * reversed, the proxy stopped) fail exactly the steps that observe the breakage, saying what was
 * expected and what was observed. Skipped (with the reason printed) only when haproxy is not
 * installed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTargetForTesting } from '@/server/targets/registry';
import { createSandboxTarget, type TSandboxTarget } from '@/server/targets/sandbox';
import { findHaproxy } from '@/server/targets/sandbox/haproxy';
import { stopProcess } from '@/server/targets/sandbox/proc';
import { createSuiteContext, deploymentNameFor, runChecks, runSuite, smiAccessSuite, smiSplitSuite, type TCheckProgress, type TStepDef, type TSuiteDef, type TSuiteResult } from './index';

const haproxyBin = findHaproxy();
if (!haproxyBin) console.log('skipping the conformance suites: haproxy is not installed (npm run setup installs it)');

const lines = (r: TSuiteResult) => r.steps.map((s) => `${s.status} ${s.index} ${s.name}${s.status === 'FAILED' ? ` — expected: ${s.expected} observed: ${s.observed}` : ''}`);

describe.skipIf(!haproxyBin)('conformance on the sandbox', () => {
  let root: string;
  let target: TSandboxTarget;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'meshloom-conformance-'));
    target = createSandboxTarget({ root });
    setTargetForTesting('sandbox', target);
  });

  afterAll(async () => {
    setTargetForTesting('sandbox', null);
    if (!target) return;
    for (const deployment of target.deployments()) await target.delete({ deployment, mesh: 'haproxy' });
    rmSync(root, { recursive: true, force: true });
  });

  const run = (def: TSuiteDef) => runSuite(def, createSuiteContext({ target, mesh: 'haproxy', deployment: deploymentNameFor(def) }));

  it('the three SMI suites (24 steps) and the GAMMA suite pass, and leave nothing deployed', async () => {
    const events: TCheckProgress[] = [];
    const t0 = performance.now();
    const result = await runChecks({ target: 'sandbox', suites: ['smi', 'gamma'], onProgress: (p) => events.push(p) });
    const ms = performance.now() - t0;
    console.log(`[conformance] SMI + GAMMA: ${result.totals.passed} passed, ${result.totals.failed} failed, ${result.totals.skipped} skipped in ${Math.round(ms)} ms`);
    for (const s of result.suites) expect(lines(s), s.suite).toEqual(s.steps.map((x) => `PASSED ${x.index} ${x.name}`));
    expect(result.suites.map((s) => [s.suite, s.steps.length, s.capability])).toEqual([
      ['smi-access', 7, 'FULL'],
      ['smi-spec', 6, 'FULL'],
      ['smi-split', 11, 'FULL'],
      ['gamma', 10, 'FULL'],
    ]);
    expect(result).toMatchObject({ target: 'sandbox', mesh: 'haproxy', totals: { passed: 34, failed: 0, skipped: 0 } });
    expect(result.versions).toMatchObject({ meshloom: expect.any(String), node: process.versions.node, haproxy: expect.stringMatching(/^\d+\.\d+/) });
    for (const s of result.suites.flatMap((x) => x.steps)) expect(s).toMatchObject({ specVersion: expect.any(String), assertion: expect.any(String), durationMs: expect.any(Number) });
    // One event per step, framed by the suite's start and end.
    expect(events.filter((e) => e.type === 'step')).toHaveLength(34);
    expect(events.map((e) => e.type).filter((t) => t !== 'step')).toEqual(['suite-start', 'suite-end', 'suite-start', 'suite-end', 'suite-start', 'suite-end', 'suite-start', 'suite-end']);
    // The split steps report what they counted.
    const split = result.suites.find((s) => s.suite === 'smi-split')!;
    console.log(`[conformance] split observed: ${split.steps.filter((s) => /→/.test(s.name)).map((s) => `${s.name}: ${s.observed}`).join(' | ')}`);
    expect(split.steps[8]!.observed).toMatch(/^b received 1[1-7]\d of 200/);
    expect(target.deployments()).toEqual([]);
  }, 60_000);

  it('weights reversed: the 75/25 step fails with the accepted interval and the observed count, the others pass', async () => {
    const broken = smiSplitSuite({ misconfigureForTesting: (w) => (w.b === 75 ? { b: 25, c: 75 } : w) });
    const r = await run(broken);
    const failed = r.steps.filter((s) => s.status === 'FAILED');
    expect(failed.map((s) => s.index)).toEqual([9]);
    expect(failed[0]).toMatchObject({
      name: '75/25 → the share matches the weights',
      expected: 'b receives 118–178 of 200 requests (75%, exact binomial bounds, false-failure chance < 1e-6), c the rest',
      observed: expect.stringMatching(/^b received \d+ of 200 \(\d+(\.\d)?%\), c received \d+$/),
    });
    const observedB = Number(/b received (\d+)/.exec(failed[0]!.observed!)![1]);
    expect(observedB).toBeLessThan(118);
    expect(r.steps.filter((s) => s.status === 'PASSED')).toHaveLength(10);
    expect(r.capability).toBe('PARTIAL');
    expect(target.deployments()).toEqual([]);
  }, 30_000);

  it('the proxy stopped: each traffic step after the stop fails with connection refused; applies restart the proxy', async () => {
    const def = smiAccessSuite();
    const deployment = deploymentNameFor(def);
    const stopProxyFirst = (step: TStepDef): TStepDef => ({
      ...step,
      async run(ctx) {
        await stopProcess(target.processes(deployment)?.proxy?.proc, 3000);
        return step.run(ctx);
      },
    });
    // Steps 3, 5 and 7 send traffic; 4 and 6 apply (and so start a stopped proxy again).
    def.steps = def.steps.map((s, i) => ([2, 4, 6].includes(i) ? stopProxyFirst(s) : s));
    const r = await run(def);
    expect(r.steps.map((s) => `${s.index} ${s.status}`)).toEqual(['1 PASSED', '2 PASSED', '3 FAILED', '4 PASSED', '5 FAILED', '6 PASSED', '7 FAILED']);
    for (const s of r.steps.filter((x) => x.status === 'FAILED')) {
      expect(s.expected, s.name).toMatch(/403 from the mesh/);
      expect(s.observed, s.name).toMatch(/502: connect ECONNREFUSED 127\.0\.0\.1:\d+/);
    }
    expect(r.steps[4]!.expected).toMatch(/^a→b: 200 from b/);
    expect(target.deployments()).toEqual([]);
  }, 30_000);

  it('a cancelled run skips what is left and still removes the deployment', async () => {
    const controller = new AbortController();
    const def = smiSplitSuite();
    const r = await runSuite(def, createSuiteContext({ target, mesh: 'haproxy', deployment: deploymentNameFor(def), signal: controller.signal }), {
      onProgress: (p) => {
        if (p.type === 'step' && p.result.index === 3) controller.abort();
      },
    });
    expect(r.steps.slice(0, 3).map((s) => s.status)).toEqual(['PASSED', 'PASSED', 'PASSED']);
    expect(r.steps.slice(3).every((s) => s.status === 'SKIPPED' && s.reason === 'the run was cancelled')).toBe(true);
    expect(target.deployments()).toEqual([]);
  }, 30_000);
});

describe('conformance without a usable target', () => {
  it('every step is SKIPPED with the reason when the target is not available', async () => {
    const root = mkdtempSync(join(tmpdir(), 'meshloom-conformance-none-'));
    setTargetForTesting('sandbox', { ...createSandboxTarget({ root }), available: async () => ({ ok: false, reason: 'HAProxy is not installed here' }) });
    try {
      const r = await runChecks({ target: 'sandbox', suites: ['smi'] });
      expect(r.totals).toEqual({ passed: 0, failed: 0, skipped: 24 });
      expect(r.suites.every((s) => s.capability === 'NONE')).toBe(true);
      expect(r.suites[0]!.steps[0]!.reason).toBe('the Local sandbox target is not available: HAProxy is not installed here');
    } finally {
      setTargetForTesting('sandbox', null);
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('an exception in a step is that step FAILED with the error as observed', async () => {
    const r = await runSuite(
      {
        id: 'smi-access',
        title: 't',
        specVersion: 'v',
        steps: [
          { name: 'throws', assertion: 'nothing throws', run: async () => Promise.reject(new Error('boom')) },
          { name: 'passes', assertion: 'true', run: async () => ({ status: 'PASSED' }) },
        ],
      },
      {
        deploy: async () => Promise.reject(new Error('no')),
        probe: () => {
          throw new Error('no');
        },
        undeploy: async () => {},
      },
    );
    expect(r.steps.map((s) => [s.status, s.expected, s.observed])).toEqual([
      ['FAILED', 'nothing throws', 'error: boom'],
      ['PASSED', undefined, undefined],
    ]);
    expect(r.capability).toBe('PARTIAL');
  });
});
