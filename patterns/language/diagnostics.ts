/** A problem found in a pattern file. Codes are stable: ML1xxx syntax, ML2xxx schema, ML3xxx references. */
export interface TDiagnostic {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** JSON path into the document, e.g. ['spec', 'routes', 0, 'service'] */
  path: (string | number)[];
  /** 1-based line and column of the start of the offending node */
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  hint?: string;
}
