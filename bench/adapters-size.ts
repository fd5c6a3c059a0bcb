// One size of the adapters bench, run in a process of its own (see adapters.ts): prints JSON.
import { parseDocument } from 'yaml';
import { parsePattern } from '@/patterns/language';
import { generatePattern } from '@/patterns/language/generate';
import { ADAPTERS, KUBERNETES_MESHES } from '@/server/adapters/registry';
import { renderWithAdapter } from '@/server/adapters/render';
import { loadSampleAppSource } from '@/server/workload/sample-app-source';
import { medianMs, sampleMs } from './harness';

const [n, runs] = process.argv.slice(2).map(Number) as [number, number];
const sampleAppSource = loadSampleAppSource();
const text = generatePattern(n);
const total = await sampleMs(() => {
  const { pattern } = parsePattern(text);
  if (!pattern) throw new Error('generated pattern is invalid');
  for (const m of KUBERNETES_MESHES) renderWithAdapter(ADAPTERS[m], pattern, { sampleAppSource });
}, runs);
const { pattern } = parsePattern(text);
const renderOnly = await medianMs(() => {
  for (const m of KUBERNETES_MESHES) renderWithAdapter(ADAPTERS[m], pattern!, { sampleAppSource });
}, runs);
const yamlOnly = await medianMs(() => parseDocument(text), runs);
process.stdout.write(JSON.stringify({ total, renderOnly, yamlOnly }));
