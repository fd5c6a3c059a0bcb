/**
 * The behaviour suite for real: catalog patterns deployed on a temporary sandbox (real HAProxy,
 * real sample workloads), real traffic, run by the engine's runSuite. Representative patterns pass
 * or skip exactly the steps they should; a deployment changed behind the suite's back (weights
 * swapped, a timeout, retries or a circuit breaker removed) fails exactly the step that observes
 * the change, saying what was expected and what was observed. Skipped (with the reason printed)
 * only when haproxy is not installed.
 *
 * Every catalog pattern: `MESHLOOM_BEHAVIOUR_ALL=1 npx vitest run server/checks/conformance/behaviour.test.ts`
 * (or `npx meshloom check conformance --target sandbox --suite behaviour`).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePattern } from '@/patterns/language/parse';
import type { TPattern } from '@/patterns/language/schema';
import { serializePattern } from '@/patterns/language/serialize';
import { createSandboxTarget, type TSandboxTarget } from '@/server/targets/sandbox';
import { findHaproxy } from '@/server/targets/sandbox/haproxy';
import { createSuiteContext, deploymentNameFor, runSuite } from './engine';
import { behaviourSuite } from './suites/behaviour';
import type { TSuiteContext, TSuiteResult } from './types';

const haproxyBin = findHaproxy();
if (!haproxyBin) console.log('skipping the behaviour suite tests: haproxy is not installed (npm run setup installs it)');

const catalogText = (name: string) => readFileSync(join('patterns', 'catalog', `${name}.yaml`), 'utf8');
const lines = (r: TSuiteResult) => r.steps.map((s) => `${s.status} ${s.name}`);
const failures = (r: TSuiteResult) => r.steps.filter((s) => s.status === 'FAILED').map((s) => `${s.name}: expected ${s.expected}; observed ${s.observed}`);

/**
 * TEST HOOK — a suite context that changes every pattern the suite deploys before it reaches the
 * target, behind the suite's back: the suite still expects what the pattern says, the sandbox
 * runs the tampered one.
 */
function tamperedContext(ctx: TSuiteContext, tamper: (p: TPattern) => void): TSuiteContext {
  return {
    ...ctx,
    probe: () => ctx.probe(),
    undeploy: () => ctx.undeploy(),
    async deploy(text) {
      const parsed = parsePattern(text, { loadInclude: (n) => catalogText(n) });
      if (!parsed.pattern) throw new Error('the test hook could not parse the pattern');
      const p = structuredClone(parsed.pattern);
      tamper(p);
      return ctx.deploy(serializePattern(p));
    },
  };
}

describe.skipIf(!haproxyBin)('behaviour suite on the sandbox', () => {
  let root: string;
  let target: TSandboxTarget;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'meshloom-behaviour-'));
    target = createSandboxTarget({ root });
  });

  afterAll(async () => {
    if (!target) return;
    for (const deployment of target.deployments()) await target.delete({ deployment, mesh: 'haproxy' });
    rmSync(root, { recursive: true, force: true });
  });

  const run = async (name: string, tamper?: (p: TPattern) => void) => {
    const def = behaviourSuite({ name, text: catalogText(name) });
    const ctx = createSuiteContext({ target, mesh: 'haproxy', deployment: deploymentNameFor(def) });
    const result = await runSuite(def, tamper ? tamperedContext(ctx, tamper) : ctx);
    console.log(`[behaviour] ${name}${tamper ? ' (tampered)' : ''}: ${result.steps.length} steps in ${result.durationMs} ms\n  ${result.steps.map((s) => `${s.status} ${s.name}${s.status === 'SKIPPED' ? ` — ${s.reason}` : ''}`).join('\n  ')}`);
    return result;
  };

  it('canary: header opt-in routing and the 90/10 split pass; metrics are skipped with the reason', async () => {
    const r = await run('canary-deployment');
    expect(lines(r)).toEqual(['PASSED routing: reviews', 'PASSED split: reviews/weighted-split', 'SKIPPED Metrics']);
    expect(r.steps[1]?.observed).toMatch(/reviews\/v1: \d+\/200 .*reviews\/v2: \d+\/200/);
    expect(r.steps[2]?.reason).toMatch(/stats listener/);
    expect(r).toMatchObject({ suite: 'behaviour', pattern: 'canary-deployment', capability: 'PARTIAL', specVersion: 'Meshloom pattern v1alpha1' });
  });

  it('weights swapped behind the suite\'s back fail the split step, with what was expected and observed', async () => {
    const r = await run('canary-deployment', (p) => {
      const rule = p.spec.routes[0]!.rules[1]!;
      rule.backends = rule.backends.map((b) => ({ ...b, weight: 100 - (b.weight ?? 0) }));
    });
    expect(lines(r)).toEqual(['PASSED routing: reviews', 'FAILED split: reviews/weighted-split', 'SKIPPED Metrics']);
    const split = r.steps[1]!;
    expect(split.expected).toMatch(/reviews\/v1: 90% of 200 \(\d+–\d+ requests\)/);
    expect(split.observed).toMatch(/reviews\/v1: \d+\/200 \((9|1\d)(\.\d)?%\)/);
  });

  it('request timeouts cut at their value (504), a 30 s one is skipped for the time budget; removed behind the suite\'s back, the step fails', async () => {
    const ok = await run('request-timeouts');
    expect(lines(ok)).toEqual(['PASSED routing: catalog', 'PASSED timeouts: catalog/interactive, inventory', 'SKIPPED timeout: catalog/bulk-export']);
    expect(ok.steps[1]?.observed).toMatch(/catalog\/interactive with the workload 1\.5 s slow: 504 from proxy 504 after (1|1\.\d+) s/);
    expect(ok.steps[2]?.reason).toMatch(/30 s, longer than the 3 s this run waits/);

    const broken = await run('request-timeouts', (p) => {
      delete p.spec.routes[0]!.rules[1]!.timeout;
    });
    expect(failures(broken)).toHaveLength(1);
    const step = broken.steps.find((s) => s.status === 'FAILED')!;
    expect(step.name).toBe('timeouts: catalog/interactive, inventory');
    expect(step.expected).toMatch(/catalog\/interactive with the workload 1\.5 s slow: 504 from the proxy after 1 s/);
    expect(step.observed).toMatch(/catalog\/interactive with the workload 1\.5 s slow: 200 from catalog\/v1 after 1\.\d+ s/);
  });

  it('retries: exactly attempts + 1 tries per failing request and the success rate of 4 tries; without them, the retry step fails', async () => {
    const ok = await run('retry-budget');
    expect(lines(ok)).toEqual(['PASSED routing: reviews', 'PASSED timeouts: reviews/idempotent, reviews/writes', 'PASSED retries: reviews/idempotent', 'SKIPPED Retry budget']);
    expect(ok.steps[2]?.observed).toMatch(/^16 tries reached the workloads \(4 per request\)/);
    expect(ok.steps[3]?.reason).toMatch(/retry-budget: none/);

    const broken = await run('retry-budget', (p) => {
      delete p.spec.routes[0]!.rules[0]!.retries;
    });
    const retries = broken.steps.find((s) => s.name === 'retries: reviews/idempotent')!;
    expect(retries.status).toBe('FAILED');
    expect(retries.expected).toMatch(/16 tries reach the workloads \(4 each\)/);
    expect(retries.observed).toMatch(/^4 tries reached the workloads \(1 per request\)/);
  });

  it('rate limit: no 429 below the limit, 429 above it', async () => {
    const r = await run('local-rate-limit');
    expect(lines(r)).toEqual(['PASSED rate limit: catalog']);
    expect(r.steps[0]?.observed).toMatch(/first 48: catalog\/v1 ×48; \d+ got through, \d+ got 429/);
  });

  it('circuit breaker ejects the failing version and lets it back after the (scaled) ejection time; removed behind the suite\'s back, the step fails', async () => {
    const ok = await run('circuit-breaker');
    expect(lines(ok)).toEqual(['PASSED connection limits: reviews', 'PASSED circuit breaker: reviews']);
    expect(ok.steps[1]?.observed).toMatch(/errors per endpoint: reviews-v3-0 3; .*v3 back after \d+ ms/);

    const broken = await run('circuit-breaker', (p) => {
      p.spec.policies = p.spec.policies.filter((x) => x.kind !== 'CircuitBreaker');
    });
    const cb = broken.steps.find((s) => s.name === 'circuit breaker: reviews')!;
    expect(cb.status).toBe('FAILED');
    expect(cb.expected).toMatch(/answers 3 errors in a row .*then gets no request/);
    expect(cb.observed).toMatch(/still reached after \d+ requests/);
  });

  it('mTLS refuses callers without a certificate and lets the declared callers in; authorization allows and denies as the policies say', async () => {
    const r = await run('zero-trust-mtls');
    expect(lines(r)).toEqual(['PASSED mTLS: frontend, catalog, orders, payments', 'PASSED authorization: frontend', 'PASSED authorization: catalog', 'PASSED authorization: orders', 'PASSED authorization: payments']);
    expect(r.steps[0]?.observed).toMatch(/frontend → GET catalog\/products: 200 from catalog\/v1, caller seen as frontend/);
    expect(r.steps[4]?.observed).toMatch(/orders → POST \/charges: 200 from payments\/v1.*frontend → POST \/charges: 403/);
  });

  it('fault injection: abort and delay shares within their binomial tolerance, only with the header', async () => {
    const r = await run('fault-injection');
    expect(lines(r)).toEqual(['PASSED routing: ratings', 'PASSED faults: ratings/chaos-experiment']);
    expect(r.steps[1]?.observed).toMatch(/aborted.*delayed.*without the matches: ratings\/v1 ×3/);
  });

  it('a pattern with nothing the sandbox can check is one SKIPPED step saying why', async () => {
    const r = await run('proxy-metrics');
    expect(lines(r)).toEqual(['SKIPPED behaviour']);
    expect(r.steps[0]?.reason).toMatch(/^nothing the sandbox can check — Metrics: metrics are served by the proxy's stats listener/);
  });
});

/** Opt-in: every catalog pattern (about 2.5 minutes); MESHLOOM_BEHAVIOUR_MAX_WAIT_MS raises the wait budget. */
describe.skipIf(!haproxyBin || process.env.MESHLOOM_BEHAVIOUR_ALL !== '1')('behaviour suite over the whole catalog', () => {
  it('passes or skips every step of every catalog pattern', { timeout: 1_800_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'meshloom-behaviour-all-'));
    const target = createSandboxTarget({ root });
    const totals = { passed: 0, failed: 0, skipped: 0 };
    const failed: string[] = [];
    const t0 = performance.now();
    try {
      for (const f of readdirSync(join('patterns', 'catalog')).filter((x) => x.endsWith('.yaml')).sort()) {
        const name = f.slice(0, -'.yaml'.length);
        const def = behaviourSuite({ name, text: catalogText(name) });
        const r = await runSuite(def, createSuiteContext({ target, mesh: 'haproxy', deployment: deploymentNameFor(def) }));
        for (const s of r.steps) totals[s.status === 'PASSED' ? 'passed' : s.status === 'FAILED' ? 'failed' : 'skipped']++;
        failed.push(...failures(r).map((x) => `${name}: ${x}`));
      }
    } finally {
      for (const deployment of target.deployments()) await target.delete({ deployment, mesh: 'haproxy' });
      rmSync(root, { recursive: true, force: true });
    }
    console.log(`[behaviour] catalog: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped in ${Math.round((performance.now() - t0) / 1000)} s`);
    expect(failed).toEqual([]);
  });
});
