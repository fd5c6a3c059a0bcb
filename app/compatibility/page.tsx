import type { Metadata } from 'next';
import { FEATURE_IDS, FEATURES } from '@/patterns/language/features';
import { MESH_IDS } from '@/patterns/language/schema';
import { ADAPTERS } from '@/server/adapters/registry';

export const metadata: Metadata = { title: 'Compatibility matrix' };

const MARK = { full: '✓', partial: '◐', none: '✕' } as const;
const WORD = { full: 'full', partial: 'partial', none: 'not supported' } as const;

/** Mesh × feature, straight from each adapter's declared capabilities (never hand-kept here). */
export default function CompatibilityPage() {
  const groups = [...new Set(FEATURE_IDS.map((f) => FEATURES[f].group))];
  return (
    <>
      <h1>Compatibility matrix</h1>
      <p className="lede">
        What each adapter can express of the pattern language: ✓ full, ◐ partial (approximated — hover for how), ✕ not rendered (a diagnostic says so when a pattern uses it). The catalog&apos;s
        compatibility badges and filters are computed from this table.
      </p>
      <div className="matrix-wrap">
        <table className="matrix" data-testid="matrix">
          <caption className="visually-hidden">Pattern features by mesh</caption>
          <thead>
            <tr>
              <th scope="col">Feature</th>
              {MESH_IDS.map((m) => (
                <th key={m} scope="col" title={`targets ${ADAPTERS[m].targets}`}>
                  {ADAPTERS[m].title}
                </th>
              ))}
            </tr>
          </thead>
          {groups.map((g) => (
            <tbody key={g}>
              <tr className="matrix-group">
                <th colSpan={MESH_IDS.length + 1} scope="colgroup">
                  {g}
                </th>
              </tr>
              {FEATURE_IDS.filter((f) => FEATURES[f].group === g).map((f) => (
                <tr key={f}>
                  <th scope="row">{FEATURES[f].title}</th>
                  {MESH_IDS.map((m) => {
                    const c = ADAPTERS[m].capabilities[f];
                    const label = `${ADAPTERS[m].title}, ${FEATURES[f].title}: ${WORD[c.level]}${c.note ? ` — ${c.note}` : ''}`;
                    return (
                      <td key={m} className={`cap cap-${c.level}`} title={label} aria-label={label} data-mesh={m} data-feature={f}>
                        {MARK[c.level]}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          ))}
        </table>
      </div>
    </>
  );
}
