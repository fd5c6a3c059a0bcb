import { FEATURE_IDS, FEATURES } from '../../patterns/language/features';
import { MESH_IDS } from '../../patterns/language/index';
import { ADAPTERS } from '../../server/adapters/registry';
import type { TCliIO, TCommand } from '../types';

const MARK = { full: '✓', partial: '◐', none: '·' } as const;

const meshes: TCommand = {
  name: 'meshes',
  summary: 'the capability table: which pattern features each mesh expresses (✓ full, ◐ partial, · none)',
  usage: 'meshloom meshes [--notes]',
  async run(args: string[], io: TCliIO) {
    const notes = args.includes('--notes');
    const width = Math.max(...FEATURE_IDS.map((f) => FEATURES[f].title.length));
    const cols = MESH_IDS.map((m) => m.padEnd(Math.max(m.length, 3)));
    io.stdout(`${'feature'.padEnd(width)}  ${cols.join('  ')}\n`);
    for (const f of FEATURE_IDS) {
      const row = MESH_IDS.map((m, i) => MARK[ADAPTERS[m].capabilities[f].level].padEnd(cols[i]!.length));
      io.stdout(`${FEATURES[f].title.padEnd(width)}  ${row.join('  ')}\n`);
    }
    io.stdout(`\n${MESH_IDS.map((m) => `${m}: ${ADAPTERS[m].title} (targets ${ADAPTERS[m].targets})`).join('\n')}\n`);
    if (notes) {
      for (const m of MESH_IDS) {
        io.stdout(`\n${ADAPTERS[m].title}\n`);
        for (const f of FEATURE_IDS) {
          const c = ADAPTERS[m].capabilities[f];
          if (c.level !== 'full') io.stdout(`  ${MARK[c.level]} ${FEATURES[f].title}: ${c.note ?? ''}\n`);
        }
      }
    }
    return 0;
  },
};

export default meshes;
