/** A problem found in a pattern file. Codes are stable: ML1xxx syntax, ML2xxx schema, ML3xxx references. */
export interface TDiagnostic {
  /** Stable code, one of {@link DIAGNOSTIC_CODES}. */
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
  /** How to fix it, when there is something useful to say. */
  hint?: string;
}

/**
 * Every diagnostic code with its title. Codes never change meaning once published;
 * new problems get new codes.
 */
export const DIAGNOSTIC_CODES = {
  ML1000: 'internal parser error',
  ML1001: 'YAML syntax error',
  ML1002: 'document too large',
  ML1003: 'multiple YAML documents',
  ML1004: 'too many aliases',
  ML1005: 'not valid UTF-8',
  ML1006: 'forbidden key',
  ML1007: 'empty document',
  ML1008: 'root is not a mapping',
  ML1009: 'duplicate key',
  ML1010: 'nesting too deep',
  ML1011: 'too many problems to list',
  ML2000: 'invalid value',
  ML2001: 'missing required field',
  ML2002: 'wrong type',
  ML2003: 'unknown field',
  ML2004: 'invalid enum value',
  ML2005: 'out of range',
  ML2006: 'invalid format',
  ML2007: 'unsupported apiVersion',
  ML2008: 'unknown kind',
  ML2009: 'unknown policy kind',
  ML3001: 'unknown service',
  ML3002: 'unknown version',
  ML3003: 'backend weights do not sum to 100',
  ML3004: 'bad duration',
  ML3005: 'include cycle',
  ML3006: 'unknown included pattern',
  ML3007: 'unknown parameter',
  ML3008: 'invalid parameter value',
  ML3009: 'duplicate name',
  ML3010: 'unknown gateway',
  ML3011: 'unknown route',
  ML3012: 'policy needs a target',
  ML3013: 'rule without backends or redirect',
  ML3014: 'layout names no node',
  ML3015: 'name clash with an included pattern',
  ML3016: 'parameter without a value',
} as const;

export type TDiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** Limits the parser enforces before any schema work. */
export const PARSE_LIMITS = {
  /** Bytes of UTF-8 text; a 5,000-service pattern fits comfortably. */
  maxBytes: 8 * 1024 * 1024,
  /** yaml's alias expansion budget (a "billion laughs" document exceeds it at once). */
  maxAliasCount: 100,
  /** Nesting of mappings and sequences. */
  maxDepth: 64,
} as const;

const CODE_PREFIX_RE = /^(ML\d{4})\s+/;

/** Splits a message like `'ML3004 bad duration: …'` into its code and the rest. */
export function splitCodedMessage(message: string): { code?: TDiagnosticCode; message: string } {
  const m = CODE_PREFIX_RE.exec(message);
  if (m && m[1]! in DIAGNOSTIC_CODES) return { code: m[1] as TDiagnosticCode, message: message.slice(m[0].length) };
  return { message };
}

/** Builds a diagnostic; position defaults to 1:1 until the parser places it. */
export function createDiagnostic(
  code: TDiagnosticCode,
  message: string,
  path: (string | number)[] = [],
  extra: Partial<Omit<TDiagnostic, 'code' | 'message' | 'path'>> = {},
): TDiagnostic {
  return { code, severity: 'error', message, path, line: 1, column: 1, ...extra };
}

/** True when any diagnostic is an error (warnings and infos do not fail a pattern). */
export function hasErrors(diagnostics: readonly TDiagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by position, then code (stable for equal keys). */
export function sortDiagnostics(diagnostics: TDiagnostic[]): TDiagnostic[] {
  return diagnostics.sort((a, b) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
}

/** `LINE:COL CODE message` — the one-line form the CLI prints after the file name. */
export function formatDiagnostic(d: TDiagnostic): string {
  return `${d.line}:${d.column} ${d.code} ${d.severity === 'error' ? '' : `${d.severity}: `}${d.message}`;
}

/** Levenshtein distance, bounded work for the short keys we compare. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length > 64 || b.length > 64) return Math.max(a.length, b.length);
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate within a distance that scales with the word, if any. */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** `did you mean 'x'?` or the list of allowed values. */
export function suggestionHint(word: string, candidates: readonly string[], noun = 'allowed'): string | undefined {
  const close = closestMatch(word, candidates);
  if (close) return `did you mean '${close}'?`;
  if (candidates.length === 0) return undefined;
  return `${noun}: ${candidates.join(', ')}`;
}
