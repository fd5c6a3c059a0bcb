/**
 * Diagnostic codes of the importer (ML5xxx). Codes never change meaning once published; new
 * problems get new codes. Titles are what `meshloom import` and the web importer show.
 */
export const IMPORT_CODES = {
  ML5000: 'internal import error',
  ML5001: 'nothing to import',
  ML5002: 'unreadable input',
  ML5003: 'unsupported kind (kept as override)',
  ML5004: 'field not mapped (kept as override)',
  ML5005: 'service inferred',
  ML5006: 'ambiguous mapping',
  ML5007: 'conflicting objects',
  ML5008: 'mapped item not representable (kept as override)',
  ML5009: 'not a mesh object (skipped)',
  ML5010: 'mapped with a note',
} as const;

export type TImportCode = keyof typeof IMPORT_CODES;

/** Default severity of each code (a mapper may raise or lower it for one diagnostic). */
export const IMPORT_CODE_SEVERITY: Record<TImportCode, TImportDiagnostic['severity']> = {
  ML5000: 'error',
  ML5001: 'error',
  ML5002: 'error',
  ML5003: 'warning',
  ML5004: 'warning',
  ML5005: 'info',
  ML5006: 'info',
  ML5007: 'warning',
  ML5008: 'warning',
  ML5009: 'info',
  ML5010: 'info',
};

/** One finding of an import. Never thrown: every problem is one of these. */
export interface TImportDiagnostic {
  code: TImportCode;
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** The input (file) name the finding is about. */
  file?: string;
  /** The object, as `Kind/namespace/name`. */
  object?: string;
  /** Path inside the object (or, for ML5002, `['line', n]`). */
  path?: (string | number)[];
  /** 1-based line in `file`, when known. */
  line?: number;
}
