import './checks.css';
import Link from 'next/link';
import type { TPatternCheckDto } from '@/server/services/checks/latest-pattern-check';

const WORD = { passed: 'passed', failed: 'failed', untested: 'untested' } as const;
const MARK = { passed: '✓', failed: '✗', untested: '?' } as const;

/**
 * A pattern's conformance badge: its latest behaviour result (passed / failed / untested, with
 * the date, target and mesh), linking to the run, plus the pattern's measured compatibility.
 */
export function PatternCheckBadge({ check, name }: { check: TPatternCheckDto | null; name: string }) {
  const status = check?.status ?? 'untested';
  const latest = check?.latest ?? null;
  const detail = latest ? `${latest.target}, ${latest.mesh}, ${new Date(latest.at).toISOString().slice(0, 10)} — ${latest.totals.passed} passed, ${latest.totals.failed} failed, ${latest.totals.skipped} skipped` : 'no behaviour check has run for this pattern';
  const label = `Conformance: ${WORD[status]} (${detail})`;
  return (
    <p className="row" data-testid="pattern-check">
      {latest ? (
        <Link href={`/checks?run=${encodeURIComponent(latest.runId)}`} className={`check-badge check-${status}`} title={label} aria-label={label} data-testid="pattern-check-badge" data-status={status}>
          <span aria-hidden="true">{MARK[status]}</span> conformance {WORD[status]} · {new Date(latest.at).toISOString().slice(0, 10)}
        </Link>
      ) : (
        <span className={`check-badge check-${status}`} title={label} aria-label={label} data-testid="pattern-check-badge" data-status={status}>
          <span aria-hidden="true">{MARK[status]}</span> conformance {WORD[status]}
        </span>
      )}
      <Link className="meta" href={`/compatibility?pattern=${encodeURIComponent(name)}`} data-testid="pattern-compat-link">
        measured compatibility
      </Link>
      <a className="meta" href={`/api/badges/${encodeURIComponent(name)}`}>
        SVG badge
      </a>
    </p>
  );
}
