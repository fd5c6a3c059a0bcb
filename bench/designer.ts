import { chromium, type Page } from '@playwright/test';
import { generatePattern } from '@/patterns/language/generate';
import { startAppServer } from './app-server';
import { median, round, type TBenchRow, type TBenchSuite } from './harness';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

type TStoreHook = { store: { getState(): { setText(text: string, origin: string): void } } };

async function openDesigner(page: Page, url: string) {
  // tsx compiles named functions with an `__name` helper; functions sent to the page need it too.
  await page.addInitScript({ content: 'window.__name = (f) => f;' });
  await page.goto(`${url}/designer`);
  await page.waitForFunction(() => !!(window as unknown as { __meshloomDesigner?: unknown }).__meshloomDesigner && !!(window as unknown as { __meshloomYaml?: unknown }).__meshloomYaml, null, { timeout: 60_000 });
}

/** Loads `text` as the design and measures until React Flow has rendered nodes and the next frame is free. */
async function timeToInteractive(page: Page, text: string): Promise<number> {
  return page.evaluate(async (t) => {
    const hook = (window as unknown as { __meshloomDesigner: TStoreHook }).__meshloomDesigner;
    const t0 = performance.now();
    hook.store.getState().setText(t, 'load');
    await new Promise<void>((resolve) => {
      const check = () => (document.querySelectorAll('.react-flow__node').length > 0 ? resolve() : requestAnimationFrame(check));
      requestAnimationFrame(check);
    });
    // Interactive: a frame after the one that painted the nodes runs without waiting.
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - t0;
  }, text);
}

/** Frames per second while dragging a visible node across the canvas for ~2 s. */
async function dragFps(page: Page): Promise<number> {
  const node = page.locator('.react-flow__node').first();
  const box = await node.boundingBox();
  if (!box) throw new Error('no node to drag');
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number; __counting: boolean };
    w.__frames = 0;
    w.__counting = true;
    const tick = () => {
      if (!w.__counting) return;
      w.__frames++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const x = box.x + 40;
  const y = box.y + 15;
  await page.mouse.move(x, y);
  await page.mouse.down();
  const t0 = Date.now();
  const steps = 120;
  for (let i = 1; i <= steps; i++) {
    await page.mouse.move(x + Math.sin(i / 10) * 200 + i, y + Math.cos(i / 10) * 120);
    await page.waitForTimeout(16);
  }
  const seconds = (Date.now() - t0) / 1000;
  const frames = await page.evaluate(() => {
    const w = window as unknown as { __frames: number; __counting: boolean };
    w.__counting = false;
    return w.__frames;
  });
  await page.mouse.up();
  return frames / seconds;
}

/**
 * From a keystroke in Monaco to the canvas showing it: one character typed at the end of the
 * first service's name (the new name is then dangling elsewhere, as while really typing).
 */
async function editToCanvas(page: Page, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ms = await page.evaluate(async (suffix) => {
      type TEditor = {
        getModel(): { findMatches(s: string, a: boolean, b: boolean, c: boolean, d: null, e: boolean): { range: { endLineNumber: number; endColumn: number } }[] };
        executeEdits(source: string, edits: { range: object; text: string }[]): void;
      };
      const editor = (window as unknown as { __meshloomYaml: { editor: TEditor } }).__meshloomYaml.editor;
      const hit = editor.getModel().findMatches('- name: svc-0\n', false, false, true, null, false)[0]!;
      const line = hit.range.endLineNumber - 1;
      const col = '    - name: svc-0'.length + 1;
      const t0 = performance.now();
      editor.executeEdits('bench', [{ range: { startLineNumber: line, startColumn: col, endLineNumber: line, endColumn: col }, text: suffix }]);
      await new Promise<void>((resolve) => {
        const check = () => (document.querySelector(`.react-flow__node[data-id="service:svc-0${suffix}"]`) ? resolve() : requestAnimationFrame(check));
        check();
      });
      const ms = performance.now() - t0;
      // Type it away again (backspace), so every run starts from the same text.
      const back = editor.getModel().findMatches(`- name: svc-0${suffix}\n`, false, false, true, null, false)[0]!.range.endLineNumber - 1;
      editor.executeEdits('bench', [{ range: { startLineNumber: back, startColumn: col, endLineNumber: back, endColumn: col + suffix.length }, text: '' }]);
      return ms;
    }, String.fromCharCode(97 + i));
    times.push(ms);
    await page.waitForTimeout(300);
  }
  return times;
}

/** The designer with big patterns in headless Chromium (production build). */
export const designerBench: TBenchSuite = {
  name: 'designer',
  async run() {
    const app = await startAppServer();
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ARGS });
    try {
      const rows: TBenchRow[] = [];
      const big = generatePattern(2000, { routes: 3000 });
      const tti: number[] = [];
      let fps = 0;
      for (let i = 0; i < 3; i++) {
        const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
        await openDesigner(page, app.url);
        tti.push(await timeToInteractive(page, big));
        if (i === 2) {
          await page.waitForTimeout(500);
          fps = await dragFps(page);
        }
        await page.close();
      }
      rows.push({ bench: this.name, metric: '2,000 services / 3,000 routes: load until the canvas is interactive (median of 3)', value: round(median(tti)), unit: 'ms', target: '< 1000 ms' });
      rows.push({ bench: this.name, metric: '2,000 services: frames per second while dragging a node', value: round(fps, 1), unit: 'fps', target: '≥ 50' });

      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await openDesigner(page, app.url);
      const thousand = generatePattern(1000);
      await timeToInteractive(page, thousand);
      await page.evaluate(() => (window as unknown as { __meshloomDesigner: { flow: { setCenter(x: number, y: number, o: object): void } } }).__meshloomDesigner.flow.setCenter(0, 0, { zoom: 1 }));
      await page.waitForTimeout(300);
      const edits = await editToCanvas(page, 7);
      rows.push({ bench: this.name, metric: '1,000 services: keystroke in the YAML → canvas updated (median of 7)', value: round(median(edits)), unit: 'ms', target: '< 100 ms' });
      return rows;
    } finally {
      await browser.close();
      await app.stop();
    }
  },
};
