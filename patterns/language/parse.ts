// PLACEHOLDER, replaced by the full parser (positions, coded diagnostics, params, references).
import { parse } from 'yaml';
import type { TDiagnostic } from './diagnostics';
import { ZPattern, type TPattern } from './schema';

export interface TParseResult {
  ok: boolean;
  pattern?: TPattern;
  source?: unknown;
  diagnostics: TDiagnostic[];
}

export function parsePattern(text: string): TParseResult {
  try {
    const raw = parse(text);
    const r = ZPattern.safeParse(raw);
    if (r.success) return { ok: true, pattern: r.data, source: raw, diagnostics: [] };
    return {
      ok: false,
      diagnostics: r.error.issues.map((i) => ({ code: 'ML2000', severity: 'error', message: i.message, path: i.path as (string | number)[], line: 1, column: 1 })),
    };
  } catch (e) {
    return { ok: false, diagnostics: [{ code: 'ML1001', severity: 'error', message: String(e), path: [], line: 1, column: 1 }] };
  }
}
