'use client';
import './checks.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { ErrorMessage } from '@/components/deploy/run-view';
import { useTRPC, useTRPCClient } from '@/components/providers/trpc';
import type { TSuiteGroup } from '@/server/checks/conformance/types';
import { CheckRunView, RunStatusBadge, totalsText, when } from './check-run-view';

const GROUPS: { id: TSuiteGroup; label: string; hint: string }[] = [
  { id: 'smi', label: 'SMI', hint: 'traffic access, traffic spec, traffic split' },
  { id: 'gamma', label: 'GAMMA', hint: 'the same behaviours through Gateway API HTTPRoutes' },
  { id: 'behaviour', label: 'Behaviour', hint: 'one check per policy kind of each catalog pattern' },
];

/**
 * The Checks page: start a run (operators), watch it live, see its result per suite; and every
 * run so far. The selected run is in the URL (`?run=ID`), so a reload or a link shows it again.
 */
export function ChecksView({ canOperate }: { canOperate: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const runId = params.get('run');
  const runs = useQuery({
    ...trpc.checks.list.queryOptions(),
    refetchInterval: (q) => (q.state.data?.some((r) => r.status === 'running') ? 3000 : false),
  });
  const select = (id: string | null) => router.replace(id ? `${pathname}?run=${encodeURIComponent(id)}` : pathname, { scroll: false });

  return (
    <div className="checks-view">
      {canOperate ? (
        <StartCheck onStarted={(id) => select(id)} />
      ) : (
        <p className="meta" data-testid="checks-why">
          Starting a check needs the operator role (the suites deploy to the target). You can look at every run below.
        </p>
      )}
      {runId && (
        <>
          <h2>Run</h2>
          <CheckRunView key={runId} runId={runId} canOperate={canOperate} onEnd={() => void queryClient.invalidateQueries({ queryKey: trpc.checks.list.queryKey() })} />
        </>
      )}
      <h2>Runs</h2>
      {runs.isPending ? (
        <p className="meta">Loading runs…</p>
      ) : runs.error ? (
        <ErrorMessage error={runs.error} />
      ) : runs.data.length === 0 ? (
        <p className="empty" data-testid="no-check-runs">
          No check has run yet.
        </p>
      ) : (
        <table className="data-table check-runs" data-testid="check-runs">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Target</th>
              <th scope="col">Mesh</th>
              <th scope="col">Suites</th>
              <th scope="col">Status</th>
              <th scope="col">Result</th>
              <th scope="col">By</th>
              <th scope="col">
                <span className="visually-hidden">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {runs.data.map((r) => (
              <tr key={r.id} data-testid="check-run-row" aria-current={r.id === runId ? 'true' : undefined}>
                <td>{when(r.startedAt)}</td>
                <td>{r.target}</td>
                <td>{r.mesh}</td>
                <td>
                  {r.suites.join(', ')}
                  {r.patternName ? <span className="meta"> · {r.patternName}</span> : null}
                </td>
                <td>
                  <RunStatusBadge status={r.status} />
                </td>
                <td>{r.status === 'running' ? '' : totalsText(r.totals)}</td>
                <td>{r.actor ?? <span className="meta">deleted account</span>}</td>
                <td>
                  <button type="button" className="btn small" onClick={() => select(r.id)} disabled={r.id === runId}>
                    View
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function StartCheck({ onStarted }: { onStarted: (runId: string) => void }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const targets = useQuery(trpc.deployments.targets.queryOptions());
  const [targetId, setTargetId] = useState<string | null>(null);
  const [groups, setGroups] = useState<TSuiteGroup[]>(['smi']);
  const [pattern, setPattern] = useState('');
  const available = targets.data?.filter((t) => t.available) ?? [];
  const target = targets.data?.find((t) => t.id === targetId && t.available) ?? available[0] ?? null;
  const onlyPattern = groups.includes('behaviour') && pattern.trim() !== '' ? pattern.trim() : undefined;

  const start = useMutation({
    mutationFn: () => client.checks.start.mutate({ target: target!.id, suites: groups, ...(onlyPattern ? { pattern: onlyPattern } : {}) }),
    onSuccess: ({ runId }) => {
      void queryClient.invalidateQueries({ queryKey: trpc.checks.list.queryKey() });
      onStarted(runId);
    },
  });

  return (
    <form
      className="checks-start card"
      aria-label="Start a check"
      onSubmit={(e) => {
        e.preventDefault();
        start.mutate();
      }}
    >
      <div className="row">
        <label>
          Target
          <select value={target?.id ?? ''} onChange={(e) => setTargetId(e.target.value)} disabled={!targets.data} data-testid="check-target">
            {!targets.data && <option value="">Loading…</option>}
            {targets.data?.map((t) => (
              <option key={t.id} value={t.id} disabled={!t.available} title={t.reason}>
                {t.title}
                {t.available ? ` (${t.meshes.join(', ')})` : ' (unavailable)'}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Suites</legend>
          {GROUPS.map((g) => (
            <label key={g.id} title={g.hint}>
              <input
                type="checkbox"
                checked={groups.includes(g.id)}
                onChange={(e) => setGroups((gs) => (e.target.checked ? [...gs, g.id] : gs.filter((x) => x !== g.id)))}
                data-testid={`check-suite-${g.id}`}
              />
              {g.label}
            </label>
          ))}
        </fieldset>
        {groups.includes('behaviour') && (
          <label>
            Behaviour of one pattern (name; empty: every catalog pattern)
            <input value={pattern} onChange={(e) => setPattern(e.target.value)} placeholder="e.g. request-timeouts" data-testid="check-pattern" />
          </label>
        )}
        <button type="submit" className="btn primary" disabled={!target || groups.length === 0 || start.isPending} data-testid="check-start">
          {start.isPending ? 'Starting…' : 'Run checks'}
        </button>
      </div>
      {targets.data && available.length === 0 && <p className="error">No target is available on this server.</p>}
      <ErrorMessage error={start.error} />
    </form>
  );
}
