'use client';
import { TRPCClientError } from '@trpc/client';
import { useEffect, useRef } from 'react';
import { useRunStream, type TRunStream } from '@/components/runs/use-run-stream';
import type { TDiagnostic } from '@/patterns/language/diagnostics';
import type { TDeployProgressEvent, TOutcomeDto, TRunDto } from '@/server/services/deploy/dto';

export type TRunWatch = TRunStream<TDeployProgressEvent, TRunDto>;

/** Follows a run's progress over SSE: every event so far, then live ones, until the run ends. */
export function useRunEvents(runId: string | null, onEnd?: (run: TRunDto) => void): TRunWatch {
  return useRunStream<TDeployProgressEvent, TRunDto>(runId, (client, id, handlers) => client.deployments.progress.subscribe({ runId: id }, handlers), onEnd);
}

const PHASES: Record<TDeployProgressEvent['phase'], string> = {
  render: 'Render',
  plan: 'Plan',
  apply: 'Apply',
  wait: 'Wait',
  delete: 'Delete',
  rollback: 'Roll back',
};

/** The live list of a run's progress events. */
export function RunProgress({ watch }: { watch: TRunWatch }) {
  const list = useRef<HTMLOListElement>(null);
  // Keep the newest event in view.
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [watch.events.length]);
  if (!watch.runId) return null;
  const last = watch.events.at(-1);
  return (
    <div className="run-progress" data-testid="run-progress">
      <p className="meta" aria-live="polite" data-testid="run-progress-status">
        {watch.end ? 'Finished.' : watch.error ? null : `Working… ${last?.total ? `${last.done ?? 0} of ${last.total}` : ''}`}
      </p>
      {watch.error && (
        <p role="alert" className="error">
          Lost the progress stream: {watch.error}
        </p>
      )}
      <ol className="progress-list" data-testid="progress-list" ref={list}>
        {watch.events.map((e) => (
          <li key={e.seq} className={e.object?.status === 'failed' ? 'error' : undefined}>
            <span className="phase">{PHASES[e.phase]}</span> {e.message}
            {e.total ? <span className="meta"> ({e.done ?? 0}/{e.total})</span> : null}
          </li>
        ))}
      </ol>
    </div>
  );
}

const KIND_DONE: Record<TRunDto['kind'], string> = { plan: 'Planned', apply: 'Deployed', delete: 'Undeployed', rollback: 'Rolled back' };

/** A run's result: ok or failed, changed or not, endpoints as links, per-object outcomes; on a failed deploy, what was applied and a "Roll back" button. */
export function RunResult({ run, endpoints, onRollback, rollbackPending }: { run: TRunDto; endpoints?: Record<string, string>; onRollback?: () => void; rollbackPending?: boolean }) {
  const applied = run.outcomes.filter((o) => o.status === 'applied' || o.status === 'deleted');
  return (
    <div className={`run-result card ${run.ok ? 'ok' : 'failed'}`} data-testid="run-result" data-ok={String(run.ok)}>
      {run.ok ? (
        <p className="success" data-testid="run-result-summary">
          <strong>{KIND_DONE[run.kind]}.</strong> {run.changed ? describeChanges(run) : 'No changes: everything was already as the pattern says.'}
        </p>
      ) : (
        <div role="alert">
          <p className="error" data-testid="run-result-summary">
            <strong>{run.state === 'interrupted' ? 'Interrupted' : 'Failed'}.</strong> {run.error ? `${run.error.code}: ${run.error.message}` : 'The operation did not finish.'}
          </p>
          {run.error?.hint && <p className="meta">{run.error.hint}</p>}
        </div>
      )}
      {endpoints && Object.keys(endpoints).length > 0 && <Endpoints endpoints={endpoints} />}
      {!run.ok && run.kind === 'apply' && (
        <div className="applied-before-failure" data-testid="applied-before-failure">
          {applied.length === 0 ? (
            <p className="meta">Nothing was applied before the failure.</p>
          ) : (
            <>
              <p>
                <strong>Applied before the failure</strong> ({applied.length}):
              </p>
              <ul>
                {applied.map((o) => (
                  <li key={o.key}>
                    {o.action} {o.kind} <code>{o.name}</code>
                  </li>
                ))}
              </ul>
            </>
          )}
          {onRollback && (
            <button type="button" className="btn danger" onClick={onRollback} disabled={rollbackPending} data-testid="rollback">
              Roll back
            </button>
          )}
        </div>
      )}
      {run.outcomes.length > 0 && <OutcomesTable outcomes={run.outcomes} />}
    </div>
  );
}

function describeChanges(run: TRunDto): string {
  const s = run.summary;
  const parts = [s.create ? `${s.create} created` : '', s.update ? `${s.update} updated` : '', s.delete ? `${s.delete} deleted` : '', s.unchanged ? `${s.unchanged} unchanged` : ''].filter(Boolean);
  return parts.length ? `${parts.join(', ')}.` : 'Changed.';
}

export function Endpoints({ endpoints }: { endpoints: Record<string, string> }) {
  return (
    <div data-testid="endpoints">
      <strong>Endpoints</strong>
      <ul className="endpoints">
        {Object.entries(endpoints).map(([name, url]) => (
          <li key={name}>
            {name}:{' '}
            <a href={url} target="_blank" rel="noreferrer noopener" data-testid="endpoint-link">
              {url}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function OutcomesTable({ outcomes }: { outcomes: TOutcomeDto[] }) {
  return (
    <details className="outcomes" open={outcomes.some((o) => o.status === 'failed')}>
      <summary>Objects ({outcomes.length})</summary>
      <table className="data-table" data-testid="outcomes">
        <thead>
          <tr>
            <th scope="col">Object</th>
            <th scope="col">Action</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {outcomes.map((o) => (
            <tr key={o.key} className={o.status === 'failed' ? 'error' : undefined}>
              <td>
                {o.kind} <code>{o.namespace ? `${o.namespace}/` : ''}{o.name}</code>
              </td>
              <td>{o.action}</td>
              <td>
                {o.status}
                {o.message ? <span className="meta"> — {o.message}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** A unified diff, line by line: additions green, removals red (as text, never as HTML). */
export function UnifiedDiff({ diff, testId }: { diff: string; testId?: string }) {
  if (!diff) return <p className="meta">No differences.</p>;
  return (
    <pre className="text-diff" data-testid={testId}>
      {diff.split('\n').map((line, i) => (
        <span key={i} className={line.startsWith('+') && !line.startsWith('+++') ? 'diff-add' : line.startsWith('-') && !line.startsWith('---') ? 'diff-del' : line.startsWith('@@') ? 'diff-gap' : 'diff-same'}>
          {line}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

/** A tRPC error as the user should read it, with the pattern's diagnostics when there are some. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const data = error instanceof TRPCClientError ? (error.data as { diagnostics?: TDiagnostic[]; hint?: string } | undefined) : undefined;
  return (
    <div role="alert" className="error" data-testid="deploy-error">
      <p>{message}</p>
      {data?.hint && <p className="meta">{data.hint}</p>}
      {data?.diagnostics && data.diagnostics.length > 0 && (
        <ul className="diagnostics">
          {data.diagnostics
            .filter((d) => d.severity === 'error')
            .slice(0, 20)
            .map((d, i) => (
              <li key={i} className="sev-error">
                {d.line}:{d.column} {d.code} {d.message}
              </li>
            ))}
        </ul>
      )}
    </div>
  );
}
