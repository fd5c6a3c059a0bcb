/**
 * Coded errors of performance checks (ML8xxx): one code per kind of failure a user can act on.
 * Validation failures carry every issue (path + message), so a bad profile or SMP document is
 * reported whole, and nothing of it is used.
 */

export const PERF_ERROR_CODES = {
  ML8001: 'the file is not valid YAML or JSON',
  ML8002: 'the performance profile is invalid',
  ML8003: 'not supported by this load generator or by Meshloom (protocol, TLS, option)',
  ML8004: 'the target is not on loopback (refused)',
  ML8005: 'the target URL is not valid',
  ML8010: 'the load generator is not installed here',
  ML8011: 'the load generator failed or its output could not be read',
  ML8012: 'the target cannot be reached (no connection could be opened)',
  ML8020: 'the SMP document is invalid',
  ML8021: 'the SMP document is inconsistent (ids, histogram, counts)',
  ML8030: 'the deployment could not be run on the sandbox',
  ML8031: 'the deployment has no HTTP entry service to load',
  ML8040: 'a distributed load worker failed',
  ML8041: 'the run was cancelled',
} as const;

export type TPerfErrorCode = keyof typeof PERF_ERROR_CODES;

export interface TPerfIssue {
  /** Where in the input: `clients[0].rps`, `performance_test_result.latencies_ms.p50`, … ('' for the whole input). */
  path: string;
  message: string;
}

export class PerfError extends Error {
  constructor(
    readonly code: TPerfErrorCode,
    message: string,
    readonly issues: TPerfIssue[] = [],
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'PerfError';
  }

  /** One line per issue, `CODE path: message`, or the message alone. */
  describe(): string {
    const head = `${this.code} ${this.message}`;
    const lines = this.issues.map((i) => `  ${i.path || '(document)'}: ${i.message}`);
    return [head, ...lines, ...(this.hint ? [`  hint: ${this.hint}`] : [])].join('\n');
  }
}

export function isPerfError(e: unknown): e is PerfError {
  return e instanceof PerfError;
}
