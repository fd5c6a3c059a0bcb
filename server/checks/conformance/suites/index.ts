/**
 * The suite registry: which suites a group (`--suite` of the CLI) runs. The behaviour group is
 * one suite per pattern (`behaviourSuite` of ./behaviour).
 */
import type { TSuiteDef, TSuiteGroup } from '../types';
import { behaviourSuite } from './behaviour';
import { gammaSuite } from './gamma';
import { smiAccessSuite } from './smi-access';
import { smiSpecSuite } from './smi-spec';
import { smiSplitSuite } from './smi-split';

export { behaviourSuite, gammaSuite, smiAccessSuite, smiSpecSuite, smiSplitSuite };

/**
 * Fresh suite definitions of a group (suites keep per-run state: build them for each run). The
 * behaviour group checks `patterns` (one suite each).
 */
export function suitesFor(group: TSuiteGroup, patterns: { name: string; text: string }[] = []): TSuiteDef[] {
  if (group === 'smi') return [smiAccessSuite(), smiSpecSuite(), smiSplitSuite()];
  if (group === 'gamma') return [gammaSuite()];
  return patterns.map((p) => behaviourSuite(p));
}
