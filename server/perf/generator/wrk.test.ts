// wrk: the parser on real wrk output (testdata/wrk-4.1.0-cycle.txt was captured from Debian's
// wrk 4.1.0 running this module's Lua script against testing/target-server.mjs /cycle), and wrk
// itself against a loopback server when it is installed.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHistogram } from '../histogram';
import { startTarget, type TTargetServer } from '../testing/target';
import type { TLoadSpec } from '../types';
import { findBinary } from './external';
import { createWrkGenerator, luaString, parseWrkOutput, wrkPartial, wrkScript } from './wrk';

const CAPTURED = readFileSync(new URL('./testdata/wrk-4.1.0-cycle.txt', import.meta.url), 'utf8');
const WRK = findBinary('wrk');

describe('the wrk output parser, on real wrk output', () => {
  it('reads the summary, exact status codes, the latency histogram and the per-second counts', () => {
    const p = parseWrkOutput(CAPTURED);
    expect(p.requests).toBe(14270);
    expect(p.durationUs).toBe(1000821);
    expect(p.statusCodes).toEqual({ '200': 7136, '404': 3567, '503': 3567 });
    // wrk's own counter of responses ≥ 400 agrees with the per-status counts.
    expect(p.status400).toBe(3567 + 3567);
    expect(p.errors).toEqual({});
    const run = wrkPartial(p, Date.parse('2026-11-25T14:52:02Z'));
    expect(Object.values(run.statusCodes).reduce((a, b) => a + b, 0)).toBe(run.requests);
    expect(run.perSecond.reduce((a, b) => a + b, 0)).toBe(14270);
    // The histogram holds every (value, count) wrk reported; wrk 4 adds its own coordinated-omission
    // samples before done() sees them, so there are at least as many samples as requests.
    const h = decodeHistogram(run.histogram);
    expect(h.totalCount).toBe(p.values.reduce((n, [, c]) => n + c, 0));
    expect(h.totalCount).toBeGreaterThanOrEqual(p.requests);
    // …and it agrees with the statistics wrk printed itself ("Latency 1.69ms 4.13ms 36.01ms").
    const [, avg, , max] = /Latency\s+([\d.]+)ms\s+([\d.]+)ms\s+([\d.]+)ms/.exec(CAPTURED)!;
    expect(Math.abs(h.mean / 1000 - Number(avg))).toBeLessThan(0.01);
    expect(Math.abs(h.getValueAtPercentile(100) / 1000 - Number(max)) / Number(max)).toBeLessThan(0.001);
  });

  it('refuses output without a result block or with garbage in it', () => {
    expect(() => parseWrkOutput('Running 1s test @ http://127.0.0.1:1/\n')).toThrow(/no result block/);
    expect(() => parseWrkOutput('MESHLOOM-WRK-BEGIN\nsummary 1 2 3\nMESHLOOM-WRK-END\n')).toThrow(/unexpected line|no summary/);
  });

  it('writes the request into Lua safely', () => {
    expect(luaString('a"b\\c\nd é')).toBe('"a\\"b\\\\c\\010d \\195\\169"');
    const script = wrkScript({ method: 'post', headers: { 'X-A': '1"' }, body: 'x' }, false);
    expect(script).toContain('wrk.method = "POST"');
    expect(script).toContain('wrk.headers["X-A"] = "1\\""');
    expect(script).not.toContain('function response');
  });
});

describe.skipIf(!WRK)('wrk against a loopback server', () => {
  let server: TTargetServer;
  beforeAll(async () => {
    server = await startTarget();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const spec = (o: Partial<TLoadSpec>): TLoadSpec => ({ url: `${server.url}/cycle`, method: 'GET', headers: {}, connections: 4, rps: 0, durationMs: 1000, timeoutMs: 5000, ...o });

  it('reports exact status codes that add up to its request count', async () => {
    const gen = createWrkGenerator();
    expect(await gen.available()).toMatchObject({ ok: true });
    const r = await gen.run(spec({}));
    expect(r.requests).toBeGreaterThan(100);
    expect(Object.keys(r.statusCodes).sort()).toEqual(['200', '404', '503']);
    expect(Object.values(r.statusCodes).reduce((a, b) => a + b, 0)).toBe(r.requests);
    expect(decodeHistogram(r.histogram).totalCount).toBeGreaterThanOrEqual(r.requests);
  }, 30_000);

  it('at full speed (no response hook) reports status classes from its own counters', async () => {
    const r = await createWrkGenerator({ exactStatusCodes: false }).run(spec({ threads: 2 }));
    expect(r.statusCodes).toEqual({});
    expect(r.statusClasses!.below400 + r.statusClasses!.from400).toBe(r.requests);
    expect(r.statusClasses!.from400 / r.requests).toBeGreaterThan(0.4);
  }, 30_000);

  it('refuses a constant rate (Debian wrk has no such mode)', async () => {
    await expect(createWrkGenerator().run(spec({ rps: 100 }))).rejects.toMatchObject({ code: 'ML8003' });
  });
});
