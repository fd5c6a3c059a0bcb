import type { TDiagnostic } from '@/patterns/language/diagnostics';

/** Coded diagnostics as `LINE:COL CODE message` rows, with the hint underneath. */
export function DiagnosticsList({ diagnostics }: { diagnostics: TDiagnostic[] }) {
  if (diagnostics.length === 0) return null;
  return (
    <ul className="diagnostics" data-testid="diagnostics" aria-live="polite">
      {diagnostics.map((d, i) => (
        <li key={`${d.code}-${d.line}-${d.column}-${i}`} className={`sev-${d.severity}`}>
          {d.line}:{d.column} {d.code} {d.message}
          {d.hint ? <span className="meta"> — {d.hint}</span> : null}
        </li>
      ))}
    </ul>
  );
}
