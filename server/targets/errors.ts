/** Coded errors of the deploy targets (ML7xxx): one code per kind of failure a user can act on. */
import type { TTargetError } from './types';

export const TARGET_ERROR_CODES = {
  ML7001: 'target not available here (a tool is not installed, no kubeconfig is configured)',
  ML7002: 'the target cannot run this mesh',
  ML7003: 'the pattern does not render (it has errors)',
  ML7004: 'another operation on this deployment is in progress',
  ML7005: 'the operation was cancelled',
  ML7006: 'no such deployment on this target',
  ML7010: 'no free loopback port',
  ML7011: 'a sandbox process did not start or exited',
  ML7012: 'the proxy rejected its configuration',
  ML7013: 'the deployment did not become healthy in time',
  ML7014: 'the proxy could not be reloaded',
  ML7020: 'the Kubernetes API server is unreachable',
  ML7021: 'a resource kind (CRD) is not installed in the cluster',
  ML7022: 'the API server rejected an object',
  ML7023: 'the credentials lack the rights for this operation',
  ML7024: 'the kubeconfig is invalid or its context does not exist',
} as const;

export type TTargetErrorCode = keyof typeof TARGET_ERROR_CODES;

export function targetError(code: TTargetErrorCode, message: string, hint?: string): TTargetError {
  return { code, message, ...(hint ? { hint } : {}) };
}
