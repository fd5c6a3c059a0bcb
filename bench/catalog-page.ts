import { gzipSync } from 'node:zlib';
import { startAppServer } from './app-server';
import { median, round, type TBenchRow, type TBenchSuite } from './harness';

const REQUESTS = 60;

async function timeGet(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return performance.now() - t0;
}

/** Server response time of the catalog page and the JavaScript it ships (production build). */
export const catalogPageBench: TBenchSuite = {
  name: 'catalog-page',
  async run() {
    const app = await startAppServer();
    try {
      const rows: TBenchRow[] = [];
      for (const [label, path] of [
        ['catalog page', '/'],
        ['catalog page, searched and filtered', '/?q=retry&category=resiliency&mesh=istio'],
      ] as const) {
        for (let i = 0; i < 5; i++) await timeGet(app.url + path); // warm up
        const times: number[] = [];
        for (let i = 0; i < REQUESTS; i++) times.push(await timeGet(app.url + path));
        times.sort((a, b) => a - b);
        rows.push({ bench: this.name, metric: `${label}: server response, median of ${REQUESTS}`, value: round(median(times)), unit: 'ms', target: '< 50 ms' });
        rows.push({ bench: this.name, metric: `${label}: server response, p90`, value: round(times[Math.floor(REQUESTS * 0.9)]!), unit: 'ms' });
      }
      const html = await (await fetch(app.url + '/')).text();
      const scripts = [...html.matchAll(/<script[^>]+src="([^"]+\.js[^"]*)"/g)].map((m) => m[1]!);
      let raw = 0;
      let gz = 0;
      let monaco = false;
      for (const src of new Set(scripts)) {
        const body = Buffer.from(await (await fetch(new URL(src, app.url))).arrayBuffer());
        raw += body.length;
        gz += gzipSync(body, { level: 9 }).length;
        if (body.includes('monaco-editor') || body.includes('MonacoEnvironment')) monaco = true;
      }
      rows.push({ bench: this.name, metric: `catalog page JavaScript (${new Set(scripts).size} files, gzip -9)`, value: round(gz / 1024, 1), unit: 'kB', target: '< 250 kB', ratio: { value: round(raw / gz, 1), against: 'uncompressed size' } });
      rows.push({ bench: this.name, metric: 'catalog page includes Monaco', value: monaco ? 1 : 0, unit: '(0 = no)', target: '0' });
      return rows;
    } finally {
      await app.stop();
    }
  },
};
