import { parsePattern } from '@/patterns/language';
import { generatePattern } from '@/patterns/language/generate';
import { ADAPTERS, KUBERNETES_MESHES } from '@/server/adapters/registry';
import { renderWithAdapter } from '@/server/adapters/render';
for (const n of [1000, 5000]) {
  const { pattern } = parsePattern(generatePattern(n));
  for (const m of KUBERNETES_MESHES) {
    renderWithAdapter(ADAPTERS[m], pattern!, { sampleAppSource: 'x' });
    const t0 = performance.now();
    renderWithAdapter(ADAPTERS[m], pattern!, { sampleAppSource: 'x' });
    const t1 = performance.now();
    ADAPTERS[m].render(pattern!);
    const t2 = performance.now();
    console.log(n, m, 'total', (t1 - t0).toFixed(0), 'adapter', (t2 - t1).toFixed(0));
  }
}
