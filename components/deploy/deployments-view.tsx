'use client';
import './deploy.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { Fragment, useState } from 'react';
import { useTRPC, useTRPCClient } from '@/components/providers/trpc';
import type { TDeploymentDto } from '@/server/services/deploy/dto';
import { Endpoints, ErrorMessage, RunProgress, RunResult, UnifiedDiff, useRunEvents } from './run-view';

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className={`status-badge status-${status}`} data-testid={testId}>
      {status}
    </span>
  );
}

/** Every deployment: target, mesh, pattern and version, who, when, status; per deployment its live status, drift, logs and undeploy. */
export function DeploymentsView({ canOperate }: { canOperate: boolean }) {
  const trpc = useTRPC();
  const list = useQuery({
    ...trpc.deployments.list.queryOptions(),
    // While something is running, follow it.
    refetchInterval: (q) => (q.state.data?.some((d) => d.activeRunId || d.status === 'deploying' || d.status === 'deleting') ? 2000 : false),
  });
  const [open, setOpen] = useState<string | null>(null);

  if (list.isPending) return <p className="meta">Loading deployments…</p>;
  if (list.error) return <ErrorMessage error={list.error} />;
  if (list.data.length === 0)
    return (
      <p className="empty" data-testid="no-deployments">
        Nothing is deployed yet. Open a pattern and use its Deploy panel.
      </p>
    );
  return (
    <table className="data-table deployments" data-testid="deployments">
      <thead>
        <tr>
          <th scope="col">Pattern</th>
          <th scope="col">Target</th>
          <th scope="col">Mesh</th>
          <th scope="col">Status</th>
          <th scope="col">By</th>
          <th scope="col">Updated</th>
          <th scope="col">
            <span className="visually-hidden">Details</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {list.data.map((d) => (
          <Fragment key={d.id}>
            <tr data-testid={`deployment-${d.name}-${d.target}-${d.mesh}`}>
              <td>
                {d.latestVersion !== null ? <Link href={`/patterns/${encodeURIComponent(d.patternName)}`}>{d.patternName}</Link> : d.patternName}
                <span className="meta">
                  {d.patternVersion !== null ? ` v${d.patternVersion}` : ' (unsaved text)'}
                  {d.latestVersion !== null && d.patternVersion !== null && d.latestVersion > d.patternVersion ? ` · v${d.latestVersion} saved since` : ''}
                </span>
              </td>
              <td>{d.target}</td>
              <td>{d.mesh}</td>
              <td>
                <StatusBadge status={d.status} testId="deployment-status" />
              </td>
              <td>{d.createdBy ?? <span className="meta">deleted account</span>}</td>
              <td>{when(d.updatedAt)}</td>
              <td>
                <button type="button" className="btn small" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? null : d.id)} data-testid="deployment-details">
                  {open === d.id ? 'Hide' : 'Details'}
                </button>
              </td>
            </tr>
            {open === d.id && (
              <tr>
                <td colSpan={7}>
                  <DeploymentDetail deployment={d} canOperate={canOperate} />
                </td>
              </tr>
            )}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

function DeploymentDetail({ deployment: d, canOperate }: { deployment: TDeploymentDto; canOperate: boolean }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const live = d.status !== 'deleted';
  const status = useQuery({ ...trpc.deployments.status.queryOptions({ id: d.id }), staleTime: 0, retry: false });
  const [driftAsked, setDriftAsked] = useState(false);
  const drift = useQuery({ ...trpc.deployments.drift.queryOptions({ id: d.id }), enabled: driftAsked, staleTime: 0, retry: false });
  const [logsAsked, setLogsAsked] = useState(false);
  const logs = useQuery({ ...trpc.deployments.logs.queryOptions({ id: d.id, tail: 100 }), enabled: logsAsked, staleTime: 0, retry: false });
  const [runId, setRunId] = useState<string | null>(d.activeRunId);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.deployments.list.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.deployments.status.queryKey({ id: d.id }) });
  };
  const watch = useRunEvents(runId, refresh);
  const running = runId !== null && watch.end === null && watch.error === null;
  const undeploy = useMutation({
    mutationFn: () => client.deployments.undeploy.mutate({ id: d.id }),
    onSuccess: ({ runId: id }) => setRunId(id),
  });
  const rollback = useMutation({
    mutationFn: (failed: string) => client.deployments.rollback.mutate({ runId: failed }),
    onSuccess: ({ runId: id }) => setRunId(id),
  });

  return (
    <div className="deployment-detail" data-testid="deployment-detail">
      <section aria-label="Live status">
        <h3>Status on {d.target}</h3>
        {status.isPending ? (
          <p className="meta">Checking…</p>
        ) : status.error ? (
          <ErrorMessage error={status.error} />
        ) : (
          <>
            <p data-testid="deployment-health">
              {!status.data.exists ? <StatusBadge status="missing" /> : status.data.healthy ? <StatusBadge status="healthy" /> : <StatusBadge status="degraded" />}{' '}
              <span className="meta">{!status.data.exists ? 'Nothing of this deployment exists on the target.' : `${status.data.objects.length} object(s)`}</span>{' '}
              <button type="button" className="btn small" onClick={() => void status.refetch()} disabled={status.isFetching}>
                Refresh
              </button>
            </p>
            {status.data.objects.length > 0 && (
              <table className="data-table" data-testid="deployment-objects">
                <tbody>
                  {status.data.objects.map((o) => (
                    <tr key={o.key}>
                      <td>
                        {o.kind} <code>{o.namespace ? `${o.namespace}/` : ''}{o.name}</code>
                      </td>
                      <td>
                        <StatusBadge status={o.health} />
                        {o.message ? <span className="meta"> {o.message}</span> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
        {Object.keys(d.endpoints).length > 0 && <Endpoints endpoints={d.endpoints} />}
      </section>

      <div className="row">
        <button type="button" className="btn" onClick={() => (driftAsked ? void drift.refetch() : setDriftAsked(true))} disabled={drift.isFetching || !live} data-testid="check-drift">
          {drift.isFetching ? 'Checking drift…' : 'Check drift'}
        </button>
        <button type="button" className="btn" onClick={() => (logsAsked ? void logs.refetch() : setLogsAsked(true))} disabled={logs.isFetching || !live} data-testid="show-logs">
          {logs.isFetching ? 'Loading logs…' : 'Logs'}
        </button>
        {canOperate && live && (
          <button
            type="button"
            className="btn danger"
            disabled={running || undeploy.isPending}
            data-testid="undeploy"
            onClick={() => {
              if (window.confirm(`Undeploy ${d.name} from ${d.target} (${d.mesh})? Everything it created there is removed.`)) undeploy.mutate();
            }}
          >
            Undeploy
          </button>
        )}
        {!canOperate && <span className="meta">Undeploying needs the operator role.</span>}
      </div>

      {driftAsked && drift.error && <ErrorMessage error={drift.error} />}
      {driftAsked && drift.data && (
        <section aria-label="Drift" data-testid="drift-result">
          <p>
            {drift.data.drifted ? <StatusBadge status="drifted" /> : <StatusBadge status="in-sync" />}{' '}
            {drift.data.drifted ? 'The live state differs from the deployed pattern:' : 'In sync: the live state matches the deployed pattern.'}
          </p>
          {drift.data.objects
            .filter((o) => o.state !== 'in-sync')
            .map((o) => (
              <details key={o.key} open>
                <summary>
                  <StatusBadge status={o.state === 'changed' ? 'drifted' : o.state} /> {o.kind} <code>{o.name}</code>
                </summary>
                <UnifiedDiff diff={o.diff} />
              </details>
            ))}
        </section>
      )}
      {logsAsked && logs.error && <ErrorMessage error={logs.error} />}
      {logsAsked && logs.data && (
        <section aria-label="Logs" data-testid="logs">
          {logs.data.length === 0 ? (
            <p className="meta">This target keeps no logs for the deployment.</p>
          ) : (
            logs.data.map((l) => (
              <div key={l.source}>
                <strong>{l.source}</strong>
                <pre>{l.lines.length ? l.lines.join('\n') : '(no lines yet)'}</pre>
              </div>
            ))
          )}
        </section>
      )}

      <ErrorMessage error={undeploy.error ?? rollback.error} />
      <RunProgress watch={watch} />
      {watch.end ? (
        <RunResult run={watch.end} />
      ) : (
        !runId &&
        d.lastRun && (
          <div>
            <h3>Last operation ({d.lastRun.kind}, {when(d.lastRun.startedAt)}{d.lastRun.actor ? `, by ${d.lastRun.actor}` : ''})</h3>
            <RunResult run={d.lastRun} onRollback={canOperate && d.lastRun.kind === 'apply' && d.lastRun.ok === false ? () => rollback.mutate(d.lastRun!.id) : undefined} rollbackPending={rollback.isPending} />
          </div>
        )
      )}
    </div>
  );
}
