'use client';
import './checks.css';
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ErrorMessage } from '@/components/deploy/run-view';
import { useTRPCClient } from '@/components/providers/trpc';
import type { TRunDto } from '@/server/services/deploy/dto';
import { RunStatusBadge, totalsText } from './check-run-view';
import { useCheckEvents } from './use-check-events';

export interface TCheckAfterDeploy {
  enabled: boolean;
  setEnabled: (v: boolean) => void;
  /** Call when a deploy run ends: starts the behaviour check of what was deployed when asked for and the deploy succeeded on the sandbox. */
  onDeployEnd: (run: TRunDto, target: string | null | undefined) => void;
  runId: string | null;
  error: unknown;
}

/** State of the deploy panel's "Run conformance after deploy" option. */
export function useCheckAfterDeploy(): TCheckAfterDeploy {
  const client = useTRPCClient();
  const [enabled, setEnabled] = useState(false);
  const [runId, setRunId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const enabledRef = useRef(enabled);
  useEffect(() => {
    enabledRef.current = enabled;
  });
  const onDeployEnd = useCallback(
    (run: TRunDto, target: string | null | undefined) => {
      if (!enabledRef.current || run.kind !== 'apply' || run.ok !== true || target !== 'sandbox') return;
      setError(null);
      setRunId(null);
      client.checks.start.mutate({ deploymentId: run.deploymentId, suites: ['behaviour'] }).then(
        ({ runId: id }) => setRunId(id),
        (e: unknown) => setError(e),
      );
    },
    [client],
  );
  return { enabled, setEnabled, onDeployEnd, runId, error };
}

/** The checkbox (sandbox only) and, once a check has started, its live status with a link to the full result. */
export function CheckAfterDeploy({ state, target, disabled }: { state: TCheckAfterDeploy; target: string | null | undefined; disabled?: boolean }) {
  if (target !== 'sandbox') return null;
  return (
    <label className="check-after-deploy" title="After a successful deploy, run the behaviour checks of this pattern on the sandbox">
      <input type="checkbox" checked={state.enabled} onChange={(e) => state.setEnabled(e.target.checked)} disabled={disabled} data-testid="deploy-check-after" />
      Run conformance after deploy
    </label>
  );
}

export function CheckAfterDeployStatus({ state }: { state: TCheckAfterDeploy }) {
  if (state.error) return <ErrorMessage error={state.error} />;
  if (!state.runId) return null;
  return <CheckSummary runId={state.runId} />;
}

function CheckSummary({ runId }: { runId: string }) {
  const watch = useCheckEvents(runId);
  const steps = watch.events.filter((e) => e.type === 'step').length;
  return (
    <p className="row card" data-testid="deploy-check">
      <strong>Conformance</strong>
      <RunStatusBadge status={watch.end?.status ?? 'running'} testId="deploy-check-status" />
      <span>{watch.end ? totalsText(watch.end.totals) : `${steps} step(s) so far…`}</span>
      <Link href={`/checks?run=${encodeURIComponent(runId)}`} data-testid="deploy-check-link">
        Details
      </Link>
    </p>
  );
}
