import type { Metadata } from 'next';
import '@/components/checks/checks.css';
import Link from 'next/link';
import { getServerCaller } from '@/server/api/server-caller';
import type { TCompatibilityMatrixDto, TMatrixCellDto } from '@/server/services/checks/compatibility-matrix';

export const metadata: Metadata = { title: 'Compatibility matrix' };

const MARK = { full: '✓', partial: '◐', none: '✕' } as const;
const WORD = { full: 'full', partial: 'partial', none: 'not supported' } as const;

function day(iso: string): string {
  return iso.slice(0, 10);
}

/** What was measured, for a tooltip: result, step counts, date, target, versions. */
function measuredText(m: NonNullable<TMatrixCellDto['measured']>): string {
  const versions = Object.entries(m.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `measured ${m.status} on ${day(m.at)} (${m.passed} passed, ${m.failed} failed${m.skipped ? `, ${m.skipped} skipped` : ''}) on ${m.target}${versions ? `; ${versions}` : ''}`;
}

/**
 * Mesh × feature: each adapter's declared capability (never hand-kept here) and, where a
 * conformance run has measured it, the latest result. `?pattern=NAME`: that pattern's features,
 * measured by its own behaviour runs.
 */
export default async function CompatibilityPage({ searchParams }: { searchParams: Promise<{ pattern?: string | string[] }> }) {
  const raw = (await searchParams).pattern;
  const pattern = typeof raw === 'string' && raw.trim() ? raw.trim() : undefined;
  const caller = await getServerCaller();
  let matrix: TCompatibilityMatrixDto | null = null;
  let missing = false;
  try {
    matrix = await caller.checks.matrix(pattern ? { pattern } : undefined);
  } catch {
    missing = true;
    matrix = await caller.checks.matrix();
  }
  const { meshes, features, cells } = matrix;
  const cell = new Map(cells.map((c) => [`${c.mesh}/${c.feature}`, c]));
  const groups = [...new Set(features.map((f) => f.group))];

  return (
    <>
      <h1>{matrix.pattern ? `Compatibility of ${matrix.pattern.title}` : 'Compatibility matrix'}</h1>
      {matrix.pattern ? (
        <p className="lede" data-testid="matrix-pattern">
          The features <Link href={`/patterns/${encodeURIComponent(matrix.pattern.name)}`}>{matrix.pattern.name}</Link> uses, by mesh: what each adapter declares (✓ full, ◐ partial, ✕ not
          rendered) and what this pattern&apos;s latest behaviour check measured. <Link href="/compatibility">All features</Link>
        </p>
      ) : (
        <p className="lede">
          What each adapter can express of the pattern language: ✓ full, ◐ partial (approximated — hover for how), ✕ not rendered (a diagnostic says so when a pattern uses it). The catalog&apos;s
          compatibility badges and filters are computed from this table. Below a mark, the latest <Link href="/checks">conformance check</Link> result where one measured the feature: ✓ passed, ✗
          failed, with its date (hover for the target and versions).
        </p>
      )}
      <form action="/compatibility" className="row" role="search" aria-label="Per-pattern view" style={{ marginBottom: 12 }}>
        <label className="row">
          Pattern
          <input name="pattern" defaultValue={pattern ?? ''} placeholder="pattern name, e.g. request-timeouts" data-testid="matrix-pattern-input" />
        </label>
        <button type="submit" className="btn small">
          Show its features
        </button>
      </form>
      {missing && (
        <p className="error" role="alert" data-testid="matrix-pattern-missing">
          No pattern named &quot;{pattern}&quot;; showing every feature.
        </p>
      )}
      {features.length === 0 ? (
        <p className="empty">This pattern uses no feature an adapter declares a capability for.</p>
      ) : (
        <div className="matrix-wrap">
          <table className="matrix" data-testid="matrix">
            <caption className="visually-hidden">Pattern features by mesh</caption>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                {meshes.map((m) => (
                  <th key={m.id} scope="col" title={`targets ${m.targets}`}>
                    {m.title}
                  </th>
                ))}
              </tr>
            </thead>
            {groups.map((g) => (
              <tbody key={g}>
                <tr className="matrix-group">
                  <th colSpan={meshes.length + 1} scope="colgroup">
                    {g}
                  </th>
                </tr>
                {features
                  .filter((f) => f.group === g)
                  .map((f) => (
                    <tr key={f.id}>
                      <th scope="row">{f.title}</th>
                      {meshes.map((m) => {
                        const c = cell.get(`${m.id}/${f.id}`)!;
                        const declared = `${m.title}, ${f.title}: ${WORD[c.declared.level]}${c.declared.note ? ` — ${c.declared.note}` : ''}`;
                        const label = c.measured ? `${declared}; ${measuredText(c.measured)}` : declared;
                        return (
                          <td
                            key={m.id}
                            className={`cap cap-${c.declared.level}`}
                            title={label}
                            aria-label={label}
                            data-mesh={m.id}
                            data-feature={f.id}
                            data-measured={c.measured?.status}
                          >
                            {MARK[c.declared.level]}
                            {c.measured && (
                              <span className={`measured measured-${c.measured.status}`} data-testid="measured">
                                {c.measured.status === 'passed' ? '✓' : '✗'} {day(c.measured.at)}
                              </span>
                            )}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
              </tbody>
            ))}
          </table>
        </div>
      )}
    </>
  );
}
