'use client';
import './checks.css';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { ErrorMessage } from '@/components/deploy/run-view';
import { useTRPCClient } from '@/components/providers/trpc';
import type { TCapabilityLevel, TStepResult, TSuiteResult } from '@/server/checks/conformance/types';
import type { TCheckRunDto, TCheckRunStatus, TCheckTotals } from '@/server/services/checks/dto';
import { useCheckEvents, type TCheckWatch } from './use-check-events';

const STATUS_WORD: Record<TStepResult['status'], string> = { PASSED: 'passed', FAILED: 'failed', SKIPPED: 'skipped' };
const STATUS_MARK: Record<TStepResult['status'], string> = { PASSED: '✓', FAILED: '✗', SKIPPED: '–' };

export function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function ms(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`;
}

export function RunStatusBadge({ status, testId }: { status: TCheckRunStatus; testId?: string }) {
  return (
    <span className={`status-badge check-${status}`} data-testid={testId}>
      {status}
    </span>
  );
}

export function CapabilityBadge({ level }: { level: TCapabilityLevel }) {
  const words = { FULL: 'every step passed', PARTIAL: 'some steps passed', NONE: 'no step passed' } as const;
  return (
    <span className={`capability-badge capability-${level}`} title={`Capability ${level}: ${words[level]}`} data-testid="capability-badge" data-level={level}>
      {level}
    </span>
  );
}

export function totalsText(t: TCheckTotals): string {
  return `${t.passed + t.failed + t.skipped} steps: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`;
}

/**
 * One check run: while it runs, one line per finished step as it streams in, with running
 * totals; once it ends, the result per suite (capability, every step with its assertion,
 * duration and what was expected and observed, or why it was skipped) and "Download JSON".
 */
export function CheckRunView({ runId, canOperate, onEnd }: { runId: string; canOperate?: boolean; onEnd?: (run: TCheckRunDto) => void }) {
  const watch = useCheckEvents(runId, onEnd);
  const client = useTRPCClient();
  const cancel = useMutation({ mutationFn: () => client.checks.cancel.mutate({ id: runId }) });
  const run = watch.end;
  const running = !run && !watch.error;
  const steps = watch.events.flatMap((e) => (e.type === 'step' ? [e.result] : []));
  const live: TCheckTotals = { passed: 0, failed: 0, skipped: 0 };
  for (const s of steps) live[s.status === 'PASSED' ? 'passed' : s.status === 'FAILED' ? 'failed' : 'skipped'] += 1;
  const totals = run?.totals ?? live;

  return (
    <section className="check-run card" aria-label="Check run" data-testid="check-run" data-status={run?.status ?? 'running'}>
      <div className="check-run-head">
        <RunStatusBadge status={run?.status ?? 'running'} testId="check-run-status" />
        <p data-testid="check-totals" aria-live="polite">
          {running ? 'Running… ' : ''}
          {totalsText(totals)}
        </p>
        {run && (
          <p className="meta">
            {run.target} · {run.mesh} · {run.suites.join(', ')}
            {run.patternName ? ` · pattern ${run.patternName}` : ''} · started {when(run.startedAt)}
            {run.actor ? ` by ${run.actor}` : ''}
          </p>
        )}
        {running && canOperate && (
          <button type="button" className="btn small danger" onClick={() => cancel.mutate()} disabled={cancel.isPending} data-testid="check-cancel">
            Cancel
          </button>
        )}
        {run && run.finishedAt && <DownloadJson runId={run.id} />}
      </div>
      {watch.error && (
        <p role="alert" className="error">
          Lost the progress stream: {watch.error}
        </p>
      )}
      {run?.error && (
        <p className={run.status === 'failed' ? 'error' : 'meta'} role={run.status === 'failed' ? 'alert' : undefined} data-testid="check-run-error">
          {run.error}
        </p>
      )}
      <ErrorMessage error={cancel.error} />
      {watch.events.length > 0 && <ProgressLines watch={watch} />}
      {run && run.results.length > 0 && (
        <div className="check-results" data-testid="check-results">
          {run.results.map((r, i) => (
            <SuiteResult key={i} result={r} />
          ))}
        </div>
      )}
      {run && run.results.length === 0 && <p className="meta">No suite finished in this run.</p>}
    </section>
  );
}

/** The live list: a line per suite start and per finished step. */
function ProgressLines({ watch }: { watch: TCheckWatch }) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [watch.events.length]);
  return (
    <details open={!watch.end}>
      <summary>Progress ({watch.events.filter((e) => e.type === 'step').length} steps)</summary>
      <ol className="check-progress" data-testid="check-progress" ref={list}>
        {watch.events.map((e) =>
          e.type === 'suite-start' ? (
            <li key={e.seq} className="suite-line">
              {e.title}
              {e.pattern ? ` — ${e.pattern}` : ''}
            </li>
          ) : e.type === 'step' ? (
            <li key={e.seq} className="step-line" data-testid="check-step-line" data-status={e.result.status}>
              <span className={`step-status step-${e.result.status}`}>
                {STATUS_MARK[e.result.status]} {STATUS_WORD[e.result.status]}
              </span>{' '}
              {e.result.index}. {e.result.name} <span className="meta">({ms(e.result.durationMs)})</span>
            </li>
          ) : (
            <li key={e.seq} className="meta step-line">
              {e.result.title}: <CapabilityBadge level={e.result.capability} />
            </li>
          ),
        )}
      </ol>
    </details>
  );
}

export function SuiteResult({ result }: { result: TSuiteResult }) {
  return (
    <section className="check-suite" data-testid="check-suite" data-suite={result.suite}>
      <h3>
        {result.title}
        {result.pattern ? <span className="meta">{result.pattern}</span> : null}
        <CapabilityBadge level={result.capability} />
        <span className="meta">
          {result.specVersion} · {ms(result.durationMs)}
        </span>
      </h3>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Step</th>
            <th scope="col">Status</th>
            <th scope="col">Duration</th>
            <th scope="col">Expected / observed, or reason</th>
          </tr>
        </thead>
        <tbody>
          {result.steps.map((s) => (
            <tr key={s.index} data-testid="check-step" data-status={s.status}>
              <td>{s.index}</td>
              <td>
                {s.name}
                <div className="meta">{s.assertion}</div>
              </td>
              <td className={`step-${s.status}`}>{s.status}</td>
              <td>{ms(s.durationMs)}</td>
              <td className="detail">
                {s.status === 'SKIPPED' ? (
                  s.reason
                ) : (
                  <>
                    {s.expected !== undefined && (
                      <div>
                        <b>expected</b> {s.expected}
                      </div>
                    )}
                    {s.observed !== undefined && (
                      <div>
                        <b>observed</b> {s.observed}
                      </div>
                    )}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Fetches the run's export and saves it as a .json file. */
function DownloadJson({ runId }: { runId: string }) {
  const client = useTRPCClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const data = await client.checks.export.query({ id: runId });
      const url = URL.createObjectURL(new Blob([`${JSON.stringify(data, null, 2)}\n`], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `meshloom-check-${runId}.json`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="btn small" onClick={() => void download()} disabled={busy} data-testid="check-download">
        Download JSON
      </button>
      <ErrorMessage error={error} />
    </>
  );
}
