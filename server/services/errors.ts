import type { TDiagnostic } from '@/patterns/language';

/** The error kinds services report; the same names as tRPC's codes, which they map onto. */
export type ServiceErrorCode = 'BAD_REQUEST' | 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN' | 'UNAUTHORIZED' | 'PRECONDITION_FAILED';

/** A domain error code (e.g. ML7004) and an optional hint, for failures the user can act on. */
export interface ServiceErrorDetail {
  errorCode: string;
  hint?: string;
}

/**
 * What a service throws for an expected failure. `message` is written for the user;
 * `diagnostics` carries the pattern language's findings when a text did not validate.
 */
export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly diagnostics?: TDiagnostic[],
    readonly detail?: ServiceErrorDetail,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export function isServiceError(e: unknown, code?: ServiceErrorCode): e is ServiceError {
  return e instanceof ServiceError && (code === undefined || e.code === code);
}
