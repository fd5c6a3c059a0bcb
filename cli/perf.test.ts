// `meshloom perf` end to end: the real CLI (bin/meshloom.mjs) against a loopback HTTP server in a
// child process; the summary, the SMP file it writes, and its refusals.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSmp } from '../server/perf/smp';
import { startTarget, type TTargetServer } from '../server/perf/testing/target';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STACK_LINE = /^\s+at /m;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['bin/meshloom.mjs', ...args], { cwd: ROOT, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr }),
    );
  });
}

let server: TTargetServer;
const dir = mkdtempSync(path.join(tmpdir(), 'meshloom-perf-cli-'));
beforeAll(async () => {
  server = await startTarget();
});
afterAll(async () => {
  await server?.stop();
});

describe('meshloom perf', () => {
  it('runs a constant rate against a loopback URL, prints a summary and writes SMP JSON with -o', async () => {
    const out = path.join(dir, 'result.json');
    const r = await cli('perf', `${server.url}/cycle`, '--rps', '400', '--duration', '1s', '--connections', '4', '-H', 'X-Run: cli', '--cookie', 'session=1', '-o', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`meshloom perf: ${server.url}/cycle (GET)`);
    expect(r.stdout).toMatch(/load {7}constant rate 400 rps \(coordinated omission corrected\) · 4 connections/);
    expect(r.stdout).toMatch(/requests {3}400 in 1\.\d\d s → [\d.,]+ rps achieved/);
    expect(r.stdout).toMatch(/latency {4}p50 [\d.]+ ms · p90 [\d.]+ ms · p99 [\d.]+ ms · max [\d.]+ ms/);
    expect(r.stdout).toContain('status     200 × 200 · 404 × 100 · 503 × 100');
    expect(r.stdout).toContain('errors     none');
    expect(r.stdout).toContain(`written    ${out} (SMP JSON)`);
    const imported = importSmp(readFileSync(out, 'utf8'));
    expect(imported.result).toMatchObject({ requests: 400, statusCodes: { '200': 200, '404': 100, '503': 100 }, mode: 'constant_rate', requestedRps: 400 });
    expect(imported.document.performance_test_config!.clients![0]).toMatchObject({ headers: { 'X-Run': 'cli' }, cookies: { session: '1' } });
  }, 60_000);

  it('runs closed loop over worker processes, and writes YAML for a .yaml file', async () => {
    const out = path.join(dir, 'result.yaml');
    const r = await cli('perf', `${server.url}/`, '--duration', '1s', '--connections', '4', '--workers', '2', '-o', out, '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/closed loop \(as fast as responses come\) · 4 connections · 2 workers/);
    expect(r.stderr).toBe('');
    expect(importSmp(readFileSync(out, 'utf8')).result!.workers).toBe(2);
  }, 60_000);

  it('runs a profile file (SMP PerformanceTestConfig), command-line options overriding it', async () => {
    const profile = path.join(dir, 'profile.yaml');
    writeFileSync(profile, `name: from a file\nduration: 5s\nclients:\n  - {connections: 2, rps: 100, endpoint_urls: ["${server.url}/status/201"]}\n`);
    const r = await cli('perf', profile, '--duration', '1s', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('status     201 × 100');
  }, 60_000);

  it('refuses targets off loopback, bad profiles and bad options: coded one-line errors, no stack', async () => {
    const off = await cli('perf', 'http://192.0.2.1/', '--duration', '1s');
    expect(off.code).toBe(1);
    expect(off.stderr).toMatch(/^meshloom perf: ML8004 http:\/\/192\.0\.2\.1\/: refused/m);
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: x\nclients:\n  - {rps: -5, qps: 1}\n');
    const invalid = await cli('perf', bad);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('ML8002');
    expect(invalid.stderr).toContain("clients[0]: unknown field 'qps'");
    expect(invalid.stderr).toContain('clients[0].rps: must be ≥ 0');
    for (const args of [['perf'], ['perf', `${server.url}/`, '--rps', 'lots'], ['perf', `${server.url}/`, '--generator', 'jmeter'], ['perf', `${server.url}/`, '--target', 'sandbox'], ['perf', 'missing.yaml']]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(STACK_LINE.test(r.stdout + r.stderr)).toBe(false);
    }
    expect(STACK_LINE.test(off.stderr + invalid.stderr)).toBe(false);
  }, 60_000);
});
