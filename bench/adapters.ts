import { parseDocument } from 'yaml';
import { parsePattern } from '@/patterns/language';
import { generatePattern } from '@/patterns/language/generate';
import { ADAPTERS, KUBERNETES_MESHES } from '@/server/adapters/registry';
import { renderWithAdapter } from '@/server/adapters/render';
import { loadSampleAppSource } from '@/server/workload/sample-app-source';
import { medianMs, round, type TBenchRow, type TBenchSuite } from './harness';

/** Parse + validate + render for all seven meshes, for generated patterns of growing size. */
export const adaptersBench: TBenchSuite = {
  name: 'adapters',
  async run() {
    const rows: TBenchRow[] = [];
    const sampleAppSource = loadSampleAppSource();
    let per1000 = 0;
    for (const [n, runs] of [[100, 15], [1000, 7], [5000, 3]] as const) {
      const text = generatePattern(n);
      const yamlOnly = await medianMs(() => parseDocument(text), runs);
      const total = await medianMs(() => {
        const { pattern } = parsePattern(text);
        if (!pattern) throw new Error('generated pattern is invalid');
        for (const m of KUBERNETES_MESHES) renderWithAdapter(ADAPTERS[m], pattern, { sampleAppSource });
      }, runs);
      const { pattern } = parsePattern(text);
      const renderOnly = await medianMs(() => {
        for (const m of KUBERNETES_MESHES) renderWithAdapter(ADAPTERS[m], pattern!, { sampleAppSource });
      }, runs);
      if (n === 1000) per1000 = total;
      rows.push({
        bench: this.name,
        metric: `${n} services: parse + validate + render ${KUBERNETES_MESHES.length} meshes`,
        value: round(total),
        unit: 'ms',
        ...(n === 1000 ? { target: '< 200 ms' } : {}),
        ratio: { value: round(renderOnly / yamlOnly), against: 'render-only time / yaml parseDocument alone' },
      });
      if (n === 5000) rows.push({ bench: this.name, metric: 'growth 1,000 → 5,000 services (5× the input)', value: round(total / per1000), unit: '×', target: '≈ 5 (linear)' });
    }
    return rows;
  },
};
