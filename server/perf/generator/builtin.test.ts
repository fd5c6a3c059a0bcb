// The built-in generator against a real HTTP server in its own process on 127.0.0.1 (so a stall
// blocks the server, never the generator). Bounded runs of a few seconds each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHistogram } from '../histogram';
import { startTarget, type TTargetServer } from '../testing/target';
import type { TLoadSpec } from '../types';
import { runEngine } from './engine';

let server: TTargetServer;
beforeAll(async () => {
  server = await startTarget();
});
afterAll(async () => {
  await server?.stop();
});

const spec = (o: Partial<TLoadSpec>): TLoadSpec => ({ url: `${server.url}/`, method: 'GET', headers: {}, connections: 4, rps: 0, durationMs: 1000, timeoutMs: 5000, ...o });
const pct = (encoded: string, p: number) => decodeHistogram(encoded).getValueAtPercentile(p) / 1000; // ms

describe('the built-in generator at a constant rate', () => {
  it('sends exactly rate × duration requests on schedule and holds the rate', async () => {
    const r = await runEngine(spec({ rps: 1000, durationMs: 4000, connections: 8 }));
    expect(r.errors).toEqual({});
    expect(r.requests).toBe(4000);
    expect(r.statusCodes).toEqual({ '200': 4000 });
    const window = Math.max(4000, r.endMs - r.startMs);
    const achieved = r.requests / (window / 1000);
    // The benchmark measures the ±1% figure on a quiet machine; this test runs while other suites
    // load both cores (the last responses can be late), so it only checks that the rate is the
    // schedule's, not a closed loop's (which would be several times higher here).
    expect(Math.abs(achieved / 1000 - 1)).toBeLessThan(0.25);
    expect(r.perSecond.reduce((a, b) => a + b, 0)).toBe(4000);
    // Most requests left close to their intended times.
    expect(pct(r.lagHistogram!, 50)).toBeLessThan(5);
  }, 30_000);

  it('reports a 1 s stall of the target in its high percentiles (coordinated omission corrected), where a closed loop hides it', async () => {
    // Constant rate: requests keep falling due during the stall; each is measured from its
    // intended send time, so ~1/4 of this run's requests show latencies spread up to 1 s.
    server.stall(1000, 1500);
    const open = await runEngine(spec({ rps: 500, durationMs: 4000, connections: 8, timeoutMs: 5000 }));
    expect(open.requests).toBe(2000);
    const openP99 = pct(open.histogram, 99);
    const openP90 = pct(open.histogram, 90);
    const openMax = pct(open.histogram, 100);
    expect(openMax).toBeGreaterThan(900);
    expect(openP99).toBeGreaterThan(800);
    expect(openP90).toBeGreaterThan(300);

    // Closed loop on the same server and the same stall: only the few requests in flight during
    // it wait; the others were never sent, so p99 stays at normal latencies and only max shows it.
    server.stall(1000, 1500);
    const closed = await runEngine(spec({ rps: 0, durationMs: 4000, connections: 8, timeoutMs: 5000 }));
    const closedP99 = pct(closed.histogram, 99);
    const closedMax = pct(closed.histogram, 100);
    expect(closedMax).toBeGreaterThan(900);
    expect(closedP99).toBeLessThan(250);
    expect(closedP99 * 4).toBeLessThan(openP99);
  }, 60_000);
});

describe('the built-in generator counts', () => {
  it('every status code exactly', async () => {
    // /cycle answers 200, 200, 404, 503 in turn: 800 requests make exactly 400, 200, 200.
    const r = await runEngine(spec({ url: `${server.url}/cycle`, rps: 400, durationMs: 2000 }));
    expect(r.requests).toBe(800);
    expect(r.statusCodes).toEqual({ '200': 400, '404': 200, '503': 200 });
    expect(r.errors).toEqual({});
    const closed = await runEngine(spec({ url: `${server.url}/status/503`, durationMs: 500 }));
    expect(Object.keys(closed.statusCodes)).toEqual(['503']);
    expect(closed.statusCodes['503']).toBe(closed.requests);
  }, 30_000);

  it('chunked bodies and connection: close responses without errors', async () => {
    const chunked = await runEngine(spec({ url: `${server.url}/chunked`, durationMs: 500 }));
    expect(chunked.requests).toBeGreaterThan(50);
    expect(chunked.errors).toEqual({});
    expect(chunked.statusCodes).toEqual({ '200': chunked.requests });
    const close = await runEngine(spec({ url: `${server.url}/close`, durationMs: 500 }));
    expect(close.requests).toBeGreaterThan(20);
    expect(close.errors).toEqual({});
  }, 30_000);

  it('timeouts as errors, not as latencies', async () => {
    const r = await runEngine(spec({ url: `${server.url}/slow?ms=2000`, rps: 20, durationMs: 1000, connections: 4, timeoutMs: 300 }));
    expect(r.errors.timeout).toBeGreaterThan(0);
    expect(r.requests).toBe(0);
    expect(decodeHistogram(r.histogram).totalCount).toBe(0);
  }, 30_000);

  it('headers, cookies and a body on the wire', async () => {
    const r = await runEngine(spec({ method: 'POST', headers: { 'X-Test': '1', Cookie: 'a=b', 'Content-Type': 'application/json' }, body: '{"x":1}', durationMs: 300 }));
    expect(r.requests).toBeGreaterThan(0);
    expect(r.errors).toEqual({});
  }, 30_000);

  it('refuses with ML8012 when nothing listens', async () => {
    await expect(runEngine(spec({ url: 'http://127.0.0.1:1/', durationMs: 300 }))).rejects.toMatchObject({ code: 'ML8012' });
  });
});
