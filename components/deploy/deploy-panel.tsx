'use client';
import './deploy.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { CheckAfterDeploy, CheckAfterDeployStatus, useCheckAfterDeploy } from '@/components/checks/check-after-deploy';
import { useTRPC, useTRPCClient } from '@/components/providers/trpc';
import { hasRole, type TRole } from '@/server/auth/roles';
import type { TMeshId } from '@/patterns/language/schema';
import { MESH_TITLES } from '@/patterns/language/meshes';
import type { TPlanDto, TRunDto } from '@/server/services/deploy/dto';
import { ErrorMessage, RunProgress, RunResult, UnifiedDiff, useRunEvents } from './run-view';

type TTargetId = 'sandbox' | 'kubernetes';

export interface DeployPanelProps {
  /** The saved pattern to deploy; null when there is nothing saved to deploy. */
  patternName: string | null;
  /** The saved version to deploy (default: the current one). */
  version?: number;
  /** Why there is nothing to deploy (e.g. "save first"), shown instead of the controls. */
  blockedReason?: string;
  /** The signed-in user's role, when the page knows it (null: signed out); fetched otherwise. */
  role?: TRole | null;
}

/**
 * Deploying one saved pattern: choose a target and mesh, see the plan (per-object changes with
 * diffs), deploy it and watch the progress live, then the result — endpoints, per-object
 * outcomes, and on failure what was applied and a "Roll back" button. Operators only; others
 * are told why. The server checks every right again.
 */
export function DeployPanel({ patternName, version, blockedReason, role: knownRole }: DeployPanelProps) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const me = useQuery({ ...trpc.session.me.queryOptions(), enabled: knownRole === undefined });
  const role = knownRole === undefined ? (me.data?.role ?? (me.isPending ? undefined : null)) : knownRole;
  const targets = useQuery(trpc.deployments.targets.queryOptions());
  const [targetId, setTargetId] = useState<TTargetId | null>(null);
  const [mesh, setMesh] = useState<string | null>(null);
  const [plan, setPlan] = useState<TPlanDto | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  const [lastRun, setLastRun] = useState<TRunDto | null>(null);

  const available = targets.data?.filter((t) => t.available) ?? [];
  const target = targets.data?.find((t) => t.id === targetId) ?? available[0] ?? null;
  const meshes = target?.meshes ?? [];
  const chosenMesh = mesh && meshes.includes(mesh) ? mesh : (meshes[0] ?? null);
  const canOperate = role ? hasRole(role, 'operator') : false;
  const input = target && chosenMesh && patternName ? { target: target.id, mesh: chosenMesh as TMeshId, pattern: patternName, ...(version ? { version } : {}) } : null;

  const checkAfter = useCheckAfterDeploy();
  const watch = useRunEvents(runId, (run) => {
    setLastRun(run);
    checkAfter.onDeployEnd(run, target?.id);
    // What is live has changed: the plan is stale, the deployments list too.
    setPlan(null);
    void queryClient.invalidateQueries({ queryKey: trpc.deployments.list.queryKey() });
  });
  const running = runId !== null && watch.end === null && watch.error === null;

  const planMutation = useMutation({
    mutationFn: () => client.deployments.plan.mutate(input!),
    onMutate: () => setPlan(null),
    onSuccess: (p) => setPlan(p),
  });
  // A plan is for one version: a new save (in the designer) needs a new plan.
  useEffect(() => setPlan(null), [patternName, version]);
  const deployMutation = useMutation({
    mutationFn: () => client.deployments.deploy.mutate(input!),
    onSuccess: ({ runId: id }) => {
      setLastRun(null);
      setRunId(id);
    },
  });
  const rollbackMutation = useMutation({
    mutationFn: (failedRunId: string) => client.deployments.rollback.mutate({ runId: failedRunId }),
    onSuccess: ({ runId: id }) => {
      setLastRun(null);
      setRunId(id);
    },
  });
  const reset = () => {
    setPlan(null);
    planMutation.reset();
    deployMutation.reset();
  };

  return (
    <div className="deploy-panel" data-testid="deploy-panel">
      {blockedReason ? (
        <p className="meta" data-testid="deploy-blocked">
          {blockedReason}
        </p>
      ) : role === undefined ? (
        <p className="meta">Loading…</p>
      ) : role === null ? (
        <p className="meta" data-testid="deploy-why">
          Deploying needs an account with the operator role. <Link href={`/sign-in${patternName ? `?next=/patterns/${encodeURIComponent(patternName)}` : ''}`}>Sign in</Link>
        </p>
      ) : !canOperate ? (
        <p className="meta" data-testid="deploy-why">
          Deploying needs the operator role; you are {role}. Ask an admin to make you an operator. You can still see deployments on the <Link href="/deployments">deployments page</Link>.
        </p>
      ) : (
        <>
          <div className="row deploy-controls">
            <label>
              Target
              <select
                value={target?.id ?? ''}
                onChange={(e) => {
                  setTargetId(e.target.value as TTargetId);
                  setMesh(null);
                  reset();
                }}
                disabled={running || !targets.data}
                data-testid="deploy-target"
              >
                {!targets.data && <option value="">Loading…</option>}
                {targets.data?.map((t) => (
                  <option key={t.id} value={t.id} disabled={!t.available} title={t.reason}>
                    {t.title}
                    {t.available ? '' : ' (unavailable)'}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Mesh
              <select
                value={chosenMesh ?? ''}
                onChange={(e) => {
                  setMesh(e.target.value);
                  reset();
                }}
                disabled={running || meshes.length === 0}
                data-testid="deploy-mesh"
              >
                {meshes.map((m) => (
                  <option key={m} value={m}>
                    {MESH_TITLES[m as TMeshId] ?? m}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" className="btn" onClick={() => planMutation.mutate()} disabled={!input || running || planMutation.isPending} data-testid="deploy-plan">
              {planMutation.isPending ? 'Planning…' : 'Plan'}
            </button>
            <button
              type="button"
              className="btn primary"
              onClick={() => deployMutation.mutate()}
              disabled={!input || !plan || running || deployMutation.isPending}
              title={plan ? undefined : 'Plan first: see what will change'}
              data-testid="deploy-apply"
            >
              {running ? 'Deploying…' : 'Deploy'}
            </button>
            <CheckAfterDeploy state={checkAfter} target={target?.id} disabled={running} />
          </div>
          {targets.data && available.length === 0 && (
            <p className="error" data-testid="deploy-no-target">
              No deploy target is available on this server.
            </p>
          )}
          {targets.data?.some((t) => !t.available) && (
            <ul className="meta unavailable-targets" data-testid="deploy-unavailable">
              {targets.data
                .filter((t) => !t.available)
                .map((t) => (
                  <li key={t.id}>
                    {t.title} is unavailable here: {t.reason ?? 'not configured'}
                  </li>
                ))}
            </ul>
          )}
          <ErrorMessage error={planMutation.error ?? deployMutation.error ?? rollbackMutation.error} />
          {plan && <PlanView plan={plan} />}
          <RunProgress watch={watch} />
          {lastRun && (
            <RunResult
              run={lastRun}
              onRollback={lastRun.kind === 'apply' && !lastRun.ok ? () => rollbackMutation.mutate(lastRun.id) : undefined}
              rollbackPending={rollbackMutation.isPending || running}
            />
          )}
          {lastRun && <DeploymentEndpoints deploymentId={lastRun.deploymentId} show={lastRun.ok === true && lastRun.kind === 'apply'} />}
          <CheckAfterDeployStatus state={checkAfter} />
        </>
      )}
    </div>
  );
}

/** Endpoints belong to the deployment (not the run): fetched once a deploy has succeeded. */
function DeploymentEndpoints({ deploymentId, show }: { deploymentId: string; show: boolean }) {
  const trpc = useTRPC();
  const deployment = useQuery({ ...trpc.deployments.get.queryOptions({ id: deploymentId }), enabled: show, staleTime: 0 });
  if (!show || !deployment.data) return null;
  const entries = Object.entries(deployment.data.endpoints);
  return (
    <div className="card deploy-endpoints" data-testid="deploy-endpoints">
      {entries.length === 0 ? (
        <p className="meta">This deployment has no endpoints.</p>
      ) : (
        <>
          <strong>Endpoints</strong>
          <ul className="endpoints">
            {entries.map(([name, url]) => (
              <li key={name}>
                {name}:{' '}
                <a href={url} target="_blank" rel="noreferrer noopener" data-testid="endpoint-link">
                  {url}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
      <p className="meta">
        Status, drift, logs and undeploy: <Link href="/deployments">Deployments</Link>
      </p>
    </div>
  );
}

const ACTION_LABEL = { create: 'create', update: 'update', delete: 'delete', unchanged: 'unchanged' } as const;

/** The plan: what deploying would change, object by object, each with its diff. */
export function PlanView({ plan }: { plan: TPlanDto }) {
  const s = plan.summary;
  const changes = plan.changes.filter((c) => c.action !== 'unchanged');
  const unchanged = plan.changes.length - changes.length;
  return (
    <section className="plan card" aria-label="Plan" data-testid="plan">
      <p data-testid="plan-summary">
        <strong>Plan</strong> for <code>{plan.deployment}</code>
        {plan.patternVersion ? ` (version ${plan.patternVersion})` : ''}:{' '}
        {plan.changed ? `${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged.` : 'No changes — the deployment is already up to date.'}
      </p>
      {plan.existing && (
        <p className="meta">
          Already deployed here (status {plan.existing.status}); deploying updates the same deployment.
        </p>
      )}
      {plan.diagnostics.length > 0 && (
        <ul className="diagnostics" data-testid="plan-diagnostics">
          {plan.diagnostics.map((d, i) => (
            <li key={i} className={`sev-${d.severity}`}>
              {d.code} {d.message}
            </li>
          ))}
        </ul>
      )}
      {changes.length > 0 && (
        <ul className="plan-changes" data-testid="plan-changes">
          {changes.map((c) => (
            <li key={c.key}>
              <details>
                <summary>
                  <span className={`action action-${c.action}`}>{ACTION_LABEL[c.action]}</span> {c.kind} <code>{c.namespace ? `${c.namespace}/` : ''}{c.name}</code>
                </summary>
                <UnifiedDiff diff={c.diff} testId="plan-diff" />
              </details>
            </li>
          ))}
        </ul>
      )}
      {unchanged > 0 && changes.length > 0 && <p className="meta">{unchanged} other object(s) unchanged.</p>}
    </section>
  );
}
