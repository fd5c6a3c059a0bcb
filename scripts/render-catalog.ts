// Developer tool: render catalog patterns for one mesh into a folder, then validate them.
// usage: tsx scripts/render-catalog.ts MESH OUTDIR [PATTERN_FILE…]
//   then: node ../shared/tools/validate-manifests.mjs OUTDIR/*.yaml
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parsePattern } from '@/patterns/language';
import { renderWithAdapter } from '@/server/adapters/render';
import { manifestsToYaml } from '@/server/adapters/shared/manifests-yaml';
import type { TMeshAdapter } from '@/server/adapters/types';
import { loadSampleAppSource } from '@/server/workload/sample-app-source';

const [mesh, out, ...files] = process.argv.slice(2);
if (!mesh || !out) {
  console.error('usage: tsx scripts/render-catalog.ts MESH OUTDIR [FILE…]');
  process.exit(2);
}
const mod = (await import(`../server/adapters/${mesh}/index.ts`)) as Record<string, TMeshAdapter>;
const adapter = Object.values(mod).find((v) => v && typeof v === 'object' && 'render' in v && v.id === mesh);
if (!adapter) throw new Error(`server/adapters/${mesh}/index.ts exports no adapter with id ${mesh}`);
const catalog = join('patterns', 'catalog');
const inputs = files.length ? files : readdirSync(catalog).filter((f) => f.endsWith('.yaml')).map((f) => join(catalog, f));
mkdirSync(out, { recursive: true });
let diagnostics = 0;
for (const file of inputs) {
  const parsed = parsePattern(readFileSync(file, 'utf8'));
  if (!parsed.pattern) {
    console.error(`${file}: does not parse`);
    continue;
  }
  const result = renderWithAdapter(adapter, parsed.pattern, { sampleAppSource: loadSampleAppSource() });
  diagnostics += result.diagnostics.length;
  writeFileSync(join(out, basename(file)), manifestsToYaml(result.manifests));
  for (const d of result.diagnostics) if (d.severity !== 'info') console.log(`${basename(file)}: ${d.code} ${d.message}`);
}
console.log(`${inputs.length} patterns rendered for ${mesh} into ${out} (${diagnostics} diagnostics)`);
