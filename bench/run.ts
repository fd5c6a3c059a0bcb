// npm run bench [-- NAME…]: runs the benchmark suites (all, or those named) and prints figures
// and ratios; the rows are also written to bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { TBenchRow, TBenchSuite } from './harness';
import { adaptersBench } from './adapters';
import { catalogPageBench } from './catalog-page';
import { designerBench } from './designer';
import { patternLanguageBench } from './pattern-language';
import { perfBench } from './perf';
import { sandboxBench } from './sandbox';

const SUITES: TBenchSuite[] = [patternLanguageBench, adaptersBench, catalogPageBench, designerBench, sandboxBench, perfBench];

async function main() {
  const wanted = process.argv.slice(2);
  const suites = wanted.length ? SUITES.filter((s) => wanted.includes(s.name)) : SUITES;
  if (suites.length === 0) {
    console.error(`unknown suite; available: ${SUITES.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
  const all: TBenchRow[] = [];
  for (const suite of suites) {
    console.log(`== ${suite.name}`);
    const rows = await suite.run();
    for (const r of rows) {
      const ratio = r.ratio ? `  (${r.ratio.value}× ${r.ratio.against})` : '';
      const target = r.target ? `  target ${r.target}` : '';
      console.log(`  ${r.metric}: ${r.value} ${r.unit}${ratio}${target}`);
    }
    all.push(...rows);
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.json', JSON.stringify({ at: new Date().toISOString(), rows: all }, null, 2));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
