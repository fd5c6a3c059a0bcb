import { parseDocument } from 'yaml';
import { generatePattern } from '@/patterns/language/generate';
import { parsePattern, serializePattern } from '@/patterns/language';
import { medianMs, round, type TBenchRow, type TBenchSuite } from './harness';

/** Parse + validate (schema and references) and canonical serialization of generated patterns. */
export const patternLanguageBench: TBenchSuite = {
  name: 'pattern-language',
  async run() {
    const rows: TBenchRow[] = [];
    for (const [n, runs] of [[100, 20], [1000, 7], [5000, 3]] as const) {
      const text = generatePattern(n);
      const yamlOnly = await medianMs(() => parseDocument(text), runs);
      const parse = await medianMs(() => parsePattern(text), runs);
      const parsed = parsePattern(text);
      if (!parsed.ok || !parsed.pattern) throw new Error(`generated pattern of ${n} services is invalid`);
      const serialize = await medianMs(() => serializePattern(parsed.pattern!), runs);
      const lines = text.split('\n').length;
      rows.push(
        { bench: this.name, metric: `parse+validate ${n} services (${lines} lines)`, value: round(parse), unit: 'ms', ratio: { value: round(parse / yamlOnly), against: 'yaml parseDocument alone' } },
        { bench: this.name, metric: `serialize ${n} services`, value: round(serialize), unit: 'ms' },
      );
    }
    return rows;
  },
};
