import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findHaproxy } from '../server/targets/sandbox/haproxy';
import type { TCheckRun } from '../server/checks/conformance/types';
import { formatStep } from './commands/check';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STACK_LINE = /^\s+at /m;
const tmp = mkdtempSync(path.join(tmpdir(), 'meshloom-check-cli-'));

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The real binary, with the sandbox under a temporary folder and no cluster configured. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // An empty MESHLOOM_KUBECONFIG counts as unset (server/env.ts).
  const env = { ...process.env, MESHLOOM_SANDBOX_DIR: path.join(tmp, 'sandbox'), MESHLOOM_KUBECONFIG: '' };
  return new Promise((resolve) => {
    execFile('node', ['bin/meshloom.mjs', ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr }),
    );
  });
}

describe('meshloom check conformance', () => {
  it('formats one line per step: status, suite k/N, name, duration; failures say expected and observed', () => {
    const base = { suite: 'smi-split' as const, specVersion: 'SMI traffic split v1alpha4', index: 6, name: '100/0 → b gets all', assertion: 'b gets all', durationMs: 412 };
    expect(formatStep({ ...base, status: 'PASSED', observed: 'b received 200 of 200' }, 11)).toBe('PASSED  smi-split 6/11  100/0 → b gets all (412 ms)');
    expect(formatStep({ ...base, status: 'FAILED', expected: 'b receives exactly 200', observed: 'b received 0\nof 200' }, 11)).toBe(
      'FAILED  smi-split 6/11  100/0 → b gets all (412 ms)  expected: b receives exactly 200  observed: b received 0 of 200',
    );
    expect(formatStep({ ...base, suite: 'behaviour', status: 'SKIPPED', reason: 'no probe' }, 3, 'circuit-breaker')).toBe('SKIPPED behaviour[circuit-breaker] 6/3  100/0 → b gets all (412 ms)  reason: no probe');
  });

  it('exits 2 on usage errors, with one line and no stack', async () => {
    for (const args of [
      ['check'],
      ['check', 'performance', '--target', 'sandbox'],
      ['check', 'conformance'],
      ['check', 'conformance', '--target', 'moon'],
      ['check', 'conformance', '--target', 'sandbox', '--suite', 'istio'],
      ['check', 'conformance', '--target', 'sandbox', '--suite', 'smi', 'patterns/catalog/circuit-breaker.yaml'],
      ['check', 'conformance', '--target', 'sandbox', '--bogus'],
      ['check', 'conformance', '--target', 'sandbox', '--suite', 'behaviour', 'missing.yaml'],
    ]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(STACK_LINE.test(r.stderr), args.join(' ')).toBe(false);
    }
  }, 120_000);

  it('an unavailable target: every step SKIPPED with the reason, the totals line, exit 0', async () => {
    const r = await cli('check', 'conformance', '--target', 'kubernetes', '--suite', 'smi');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(25);
    expect(lines.slice(0, -1).every((l) => /^SKIPPED smi-(access|spec|split) \d+\/\d+  .+ \(0 ms\)  reason: the Kubernetes target is not available: No cluster is configured/.test(l))).toBe(true);
    expect(lines.at(-1)).toBe('0 passed, 0 failed, 24 skipped');
  }, 60_000);

  it.skipIf(!findHaproxy())('runs the SMI suites on the sandbox: 24 PASSED lines, the totals line, --json, exit 0', async () => {
    const json = path.join(tmp, 'run.json');
    const r = await cli('check', 'conformance', '--target', 'sandbox', '--suite', 'smi', '--json', json);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(0, -1).map((l) => l.replace(/\(\d+ ms\)/, '(… ms)'))).toEqual([
      'PASSED  smi-access 1/7  TrafficTarget is available (… ms)',
      'PASSED  smi-access 2/7  the sample app is deployed (… ms)',
      'PASSED  smi-access 3/7  all traffic is blocked by default (… ms)',
      'PASSED  smi-access 4/7  a rule allowing a→b is applied (… ms)',
      'PASSED  smi-access 5/7  a→b succeeds and b saw exactly that request, from a (… ms)',
      'PASSED  smi-access 6/7  the rule is deleted (… ms)',
      'PASSED  smi-access 7/7  a→b is blocked again (… ms)',
      'PASSED  smi-spec 1/6  HTTPRouteGroup is available (… ms)',
      'PASSED  smi-spec 2/6  the sample app is deployed (… ms)',
      "PASSED  smi-spec 3/6  allow only b's /metrics, any method (… ms)",
      'PASSED  smi-spec 4/6  /metrics succeeds and /echo fails (… ms)',
      "PASSED  smi-spec 5/6  allow b's /* for GET only (… ms)",
      'PASSED  smi-spec 6/6  GET succeeds and POST fails (… ms)',
      'PASSED  smi-split 1/11  TrafficSplit is available (… ms)',
      'PASSED  smi-split 2/11  the sample app is deployed (… ms)',
      'PASSED  smi-split 3/11  by default both b and c get requests (… ms)',
      'PASSED  smi-split 4/11  a split 100/0 is applied (… ms)',
      'PASSED  smi-split 5/11  100/0 → b gets all (… ms)',
      'PASSED  smi-split 6/11  a split 0/100 is applied (… ms)',
      'PASSED  smi-split 7/11  0/100 → c gets all (… ms)',
      'PASSED  smi-split 8/11  a split 75/25 is applied (… ms)',
      'PASSED  smi-split 9/11  75/25 → the share matches the weights (… ms)',
      'PASSED  smi-split 10/11  a split 25/75 is applied (… ms)',
      'PASSED  smi-split 11/11  25/75 → the share matches the weights (… ms)',
    ]);
    expect(lines.at(-1)).toBe('24 passed, 0 failed, 0 skipped');
    const run = JSON.parse(readFileSync(json, 'utf8')) as TCheckRun;
    expect(run).toMatchObject({ target: 'sandbox', mesh: 'haproxy', totals: { passed: 24, failed: 0, skipped: 0 } });
    expect(run.suites.map((s) => s.capability)).toEqual(['FULL', 'FULL', 'FULL']);
  }, 90_000);
});
