/**
 * `apply` (and `plan`) for the sandbox. Apply order: ports (kept from the state, new ones found
 * free on loopback) → render with the real plan and refuse anything off loopback → certificates
 * → Lua → candidate haproxy.cfg checked with `haproxy -c` → workload processes (stopped, started,
 * each answering /health) → HAProxy started or reloaded → every listener answering. The state is
 * written after each process start. An apply that finds everything as desired touches nothing.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TAdapterDiagnostic } from '@/server/adapters/types';
import { targetError, type TTargetErrorCode } from '../errors';
import type { TApplyResult, TDeployInput, TObjectChange, TObjectOutcome, TPlan, TRunOptions } from '../types';
import { CA_FILE, CA_KEY_FILE, ensureCertificates } from './certs';
import { computeChanges, readLive, summarize } from './changes';
import { baseEnv, programHash, startWorkload, type TSandboxContext } from './context';
import { buildDesired, portKeys, type TDesired } from './desired';
import { checkConfig, reloadHaproxy, startHaproxy } from './haproxy';
import { CONFIG_KEY, isDeploymentName, layoutOf, LUA_KEY, PROXY_KEY, workloadLog, type TLayout } from './layout';
import { tryLock } from './lock';
import { tailLines } from './logs';
import { assignPorts } from './ports';
import { httpAnswers, httpStatus, tcpConnects, waitUntil } from './probe';
import { isAlive, stopProcess } from './proc';
import { emptyState, portsOfOthers, readState, writeState, type TProcessIdentity, type TSandboxState, type TWorkloadSpec } from './state';

export class SandboxFailure extends Error {
  constructor(
    readonly code: TTargetErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Why the sandbox cannot run here at all (no HAProxy, not Linux, an unusable root), or undefined. */
export function unusableReason(ctx: TSandboxContext): string | undefined {
  if (process.platform !== 'linux') return 'the sandbox runs on Linux only (it tracks its processes through /proc)';
  if (!ctx.haproxy) return 'HAProxy is not installed here';
  // The root ends up in haproxy.cfg (certificate and Lua paths), where blanks and quotes would split words.
  if (/[\s'"#\\]/.test(ctx.root)) return `the sandbox folder ${ctx.root} contains a blank, quote, # or backslash: set MESHLOOM_SANDBOX_DIR to a plain path`;
  return undefined;
}

/** Checks shared by every operation: the mesh and the deployment name. */
export function refuseInput(mesh: string, deployment: string): SandboxFailure | undefined {
  if (mesh !== 'haproxy') return new SandboxFailure('ML7002', `the sandbox runs the haproxy mesh only, not ${mesh}`, 'deploy this mesh to a Kubernetes cluster');
  if (!isDeploymentName(deployment)) return new SandboxFailure('ML7006', `invalid deployment name "${deployment}" (a DNS label: a-z, 0-9 and -, at most 63 characters)`);
  return undefined;
}

interface TPrepared {
  l: TLayout;
  state: TSandboxState | undefined;
  desired: TDesired;
  changes: TObjectChange[];
}

/** Ports, render and changes: everything `plan` shows and `apply` then does. */
export async function prepare(ctx: TSandboxContext, input: TDeployInput): Promise<TPrepared | { error: SandboxFailure; diagnostics: TAdapterDiagnostic[] }> {
  const l = layoutOf(ctx.root, input.deployment);
  const state = readState(l);
  const proxyUp = isAlive(state?.proxy?.proc);
  const held = (key: string) => {
    if (key.startsWith('workload:')) {
      const rec = state?.workloads[`process/${key.slice('workload:'.length)}`];
      return !!rec && rec.spec.port === state?.ports[key] && isAlive(rec.proc);
    }
    return proxyUp;
  };
  let ports: Record<string, number>;
  try {
    ports = await assignPorts(portKeys(input.pattern), state?.ports ?? {}, held, portsOfOthers(ctx.root, input.deployment));
  } catch (e) {
    return { error: new SandboxFailure('ML7010', (e as Error).message), diagnostics: [] };
  }
  const built = buildDesired(input.pattern, l, ports, programHash(ctx));
  if (!built.ok) return { error: new SandboxFailure(built.error.code as TTargetErrorCode, built.error.message, built.error.hint), diagnostics: built.diagnostics };
  const changes = computeChanges(built.desired, readLive(l, state));
  return { l, state, desired: built.desired, changes };
}

export async function planSandbox(ctx: TSandboxContext, input: TDeployInput): Promise<TPlan> {
  const base = { target: 'sandbox' as const, mesh: input.mesh, deployment: input.deployment };
  const refused = refuseInput(input.mesh, input.deployment);
  if (refused) throw Object.assign(new Error(refused.message), { code: refused.code });
  const p = await prepare(ctx, input);
  if ('error' in p) {
    const d: TAdapterDiagnostic = { code: p.error.code, severity: 'error', message: p.error.message };
    return { ...base, changes: [], summary: summarize([]), diagnostics: [...p.diagnostics, d] };
  }
  return { ...base, changes: p.changes, summary: summarize(p.changes), diagnostics: p.desired.diagnostics };
}

/** Outcomes of one run: every planned object, 'skipped' until it is done. */
class Outcomes {
  readonly list: TObjectOutcome[];
  private readonly byKey = new Map<string, TObjectOutcome>();
  constructor(
    changes: TObjectChange[],
    private readonly onProgress?: TRunOptions['onProgress'],
  ) {
    this.list = changes.map(({ diff: _diff, ...c }) => ({ ...c, status: c.action === 'unchanged' ? 'unchanged' : 'skipped' }));
    for (const o of this.list) this.byKey.set(`${o.key}\u0000${o.action}`, o);
  }
  get(key: string, action?: string): TObjectOutcome | undefined {
    if (action) return this.byKey.get(`${key}\u0000${action}`);
    return this.list.find((o) => o.key === key && o.action !== 'unchanged') ?? this.list.find((o) => o.key === key);
  }
  done(o: TObjectOutcome | undefined, status: 'applied' | 'failed', extra: { message?: string; previous?: unknown } = {}): void {
    if (!o) return;
    o.status = status === 'applied' && o.action === 'delete' ? 'deleted' : status;
    if (extra.message) o.message = extra.message;
    if (extra.previous !== undefined) o.previous = extra.previous;
    const done = this.list.filter((x) => x.status === 'applied' || x.status === 'deleted' || x.status === 'failed').length;
    const total = this.list.filter((x) => x.action !== 'unchanged').length;
    this.onProgress?.({ phase: 'apply', message: `${o.kind} ${o.name}: ${o.action}${status === 'failed' ? ' failed' : ''}`, object: { ...o }, done, total });
  }
  get changed(): boolean {
    return this.list.some((o) => o.status === 'applied' || o.status === 'deleted');
  }
}

/** A failed run's result: the coded error and the outcomes so far. */
export function applyFailure(e: SandboxFailure, diagnostics: TAdapterDiagnostic[] = [], objects: TObjectOutcome[] = []): TApplyResult {
  return { ok: false, changed: objects.some((o) => o.status === 'applied' || o.status === 'deleted'), objects, error: targetError(e.code, e.message, e.hint), diagnostics };
}

export async function applySandbox(ctx: TSandboxContext, input: TDeployInput, options: TRunOptions = {}): Promise<TApplyResult> {
  const fail = applyFailure;
  const refused = refuseInput(input.mesh, input.deployment);
  if (refused) return fail(refused);
  const unusable = unusableReason(ctx);
  if (unusable) return fail(new SandboxFailure('ML7001', unusable, 'npm run setup installs HAProxy (Debian package haproxy)'));
  if (options.signal?.aborted) return fail(new SandboxFailure('ML7005', 'the operation was cancelled before it started'));
  const l = layoutOf(ctx.root, input.deployment);
  const release = tryLock(l.lock);
  if (!release) return fail(new SandboxFailure('ML7004', `another operation on sandbox deployment ${input.deployment} is in progress`, 'wait for it to finish, then try again'));
  try {
    options.onProgress?.({ phase: 'render', message: `rendering ${input.pattern.metadata.name} for HAProxy` });
    const p = await prepare(ctx, input);
    if ('error' in p) return fail(p.error, p.diagnostics);
    options.onProgress?.({ phase: 'plan', message: `${p.changes.filter((c) => c.action !== 'unchanged').length} object(s) to change` });
    const outcomes = new Outcomes(p.changes, options.onProgress);
    const pending = p.changes.some((c) => c.action !== 'unchanged');
    // A dry run changes nothing; `changed` then says whether the apply would.
    if (options.dryRun || !pending) return { ok: true, changed: pending, objects: outcomes.list, endpoints: p.desired.endpoints, diagnostics: p.desired.diagnostics };
    try {
      await execute(ctx, input, p, outcomes, options.signal, options.onProgress);
    } catch (e) {
      const f = e instanceof SandboxFailure ? e : new SandboxFailure('ML7011', `the sandbox failed: ${(e as Error).message}`);
      return fail(f, p.desired.diagnostics, outcomes.list);
    }
    return { ok: true, changed: outcomes.changed, objects: outcomes.list, endpoints: p.desired.endpoints, diagnostics: p.desired.diagnostics };
  } catch (e) {
    // Targets do not throw for expected failures; an unexpected one (a file system error) is reported too.
    return fail(new SandboxFailure('ML7011', `the sandbox failed: ${(e as Error).message}`));
  } finally {
    release();
  }
}

/** The end of a log, from its first error line when there is one (what a user needs to see). */
function logTail(file: string): string {
  const lines = tailLines(file, 40);
  const err = lines.findIndex((l) => /error|alert/i.test(l));
  const shown = (err >= 0 ? lines.slice(err) : lines.slice(-6)).slice(0, 12);
  return shown.length ? `; its log ends:\n${shown.join('\n')}` : '';
}

async function execute(ctx: TSandboxContext, input: TDeployInput, p: TPrepared, out: Outcomes, signal: AbortSignal | undefined, onProgress: TRunOptions['onProgress']): Promise<void> {
  const { l, desired: d } = p;
  const checkAbort = () => {
    if (signal?.aborted) throw new SandboxFailure('ML7005', 'the operation was cancelled');
  };
  const action = (key: string) => p.changes.find((c) => c.key === key && c.action !== 'unchanged')?.action;
  for (const dir of [l.dir, l.certs, l.logs]) mkdirSync(dir, { recursive: true });
  const state = p.state ?? emptyState(input.deployment, input.pattern.metadata.name);
  state.pattern = input.pattern.metadata.name;
  // Record the new ports first: a crash from here on leaves a state that delete can clean up.
  state.ports = { ...state.ports, ...d.ports };
  writeState(l, state);

  // Certificates (issued once, kept across applies).
  const certChanges = p.changes.filter((c) => c.kind === 'Certificate' && c.action !== 'unchanged' && c.action !== 'delete');
  if (certChanges.length) {
    const names = d.certificates.length ? [...new Set([CA_FILE, ...d.certificates])] : [];
    if (p.changes.some((c) => c.kind === 'Certificate' && c.action === 'update')) rmSync(join(l.certs, CA_KEY_FILE), { force: true });
    try {
      await ensureCertificates(l.certs, names);
    } catch (e) {
      for (const c of certChanges) out.done(out.get(c.key), 'failed', { message: (e as Error).message });
      throw new SandboxFailure('ML7011', `cannot issue certificates: ${(e as Error).message}`);
    }
    state.certificates = [...new Set([...state.certificates, ...names])];
    writeState(l, state);
    for (const c of certChanges) out.done(out.get(c.key, c.action), 'applied');
  }
  checkAbort();

  // Lua and the candidate configuration, checked before anything runs on it.
  const luaAction = action(LUA_KEY);
  let previousLua: string | undefined;
  if (d.lua !== undefined && luaAction) {
    previousLua = existsSync(l.lua) ? readFileSync(l.lua, 'utf8') : undefined;
    writeFileSync(l.lua, d.lua);
  }
  writeFileSync(l.cfgNext, d.cfg);
  const problem = await checkConfig(ctx.haproxy!, l.cfgNext, l.dir);
  if (problem) {
    rmSync(l.cfgNext, { force: true });
    out.done(out.get(CONFIG_KEY), 'failed', { message: problem });
    throw new SandboxFailure('ML7012', `haproxy -c rejected the configuration:\n${problem}`, 'HAProxy names the line it rejects: fix the pattern value behind it (a regular expression, a header name), or report an adapter bug with the pattern');
  }
  if (d.lua !== undefined && luaAction) out.done(out.get(LUA_KEY), 'applied', previousLua !== undefined ? { previous: previousLua } : {});
  checkAbort();

  // Workloads: stop what goes away or changes, then start what is new, changed or dead.
  const toStop = p.changes.filter((c) => c.kind === 'Workload' && (c.action === 'delete' || c.action === 'update'));
  await Promise.all(
    toStop.map(async (c) => {
      const rec = state.workloads[c.key];
      await stopProcess(rec?.proc, ctx.stopGraceMs);
      if (c.action === 'delete') {
        delete state.workloads[c.key];
        out.done(out.get(c.key, 'delete'), 'applied', rec ? { previous: rec.spec } : {});
      }
    }),
  );
  if (toStop.length) writeState(l, state);
  const toStart = p.changes.filter((c) => c.kind === 'Workload' && (c.action === 'create' || c.action === 'update'));
  onProgress?.({ phase: 'apply', message: `starting ${toStart.length} workload process(es)` });
  const started = await Promise.allSettled(
    toStart.map(async (c) => {
      const w = d.workloads.get(c.key)!;
      const previous = c.action === 'update' ? state.workloads[c.key]?.spec : undefined;
      const proc = await startWorkload(ctx, l, c.key, w.spec);
      state.workloads[c.key] = { spec: w.spec, hash: w.hash, proc, startedAt: new Date().toISOString() };
      writeState(l, state);
      return { c, proc, previous, spec: w.spec };
    }),
  );
  const failedStart = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failedStart) throw new SandboxFailure('ML7011', `a workload process did not start: ${(failedStart.reason as Error).message}`);
  checkAbort();
  onProgress?.({ phase: 'wait', message: 'waiting for the workloads to answer /health' });
  const ready = await Promise.all(
    started.map(async (r) => {
      const { c, proc, previous, spec } = (r as PromiseFulfilledResult<{ c: TObjectChange; proc: TProcessIdentity; previous?: TWorkloadSpec; spec: TWorkloadSpec }>).value;
      const res = await waitUntil(async () => (await httpStatus(spec.port, '/health', 1000)) === 200, {
        timeoutMs: ctx.readyTimeoutMs,
        ...(signal ? { signal } : {}),
        fatal: () => (isAlive(proc) ? undefined : `exited${logTail(workloadLog(l, c.key))}`),
      });
      const o = out.get(c.key, c.action);
      if (res === true) out.done(o, 'applied', previous ? { previous } : {});
      else out.done(o, 'failed', { message: res === 'timeout' ? 'no answer on /health' : res === 'aborted' ? 'cancelled' : res.fatal });
      return { key: c.key, res };
    }),
  );
  const bad = ready.find((r) => r.res !== true);
  if (bad && bad.res !== true) {
    if (bad.res === 'aborted') throw new SandboxFailure('ML7005', 'the operation was cancelled');
    if (bad.res === 'timeout') throw new SandboxFailure('ML7013', `workload ${bad.key} did not answer /health within ${ctx.readyTimeoutMs} ms`);
    throw new SandboxFailure('ML7011', `workload ${bad.key} ${bad.res.fatal}`);
  }
  checkAbort();

  // The proxy: install the checked configuration, then start or reload.
  const cfgAction = action(CONFIG_KEY);
  const previousCfg = cfgAction === 'update' && existsSync(l.cfg) ? readFileSync(l.cfg, 'utf8') : undefined;
  renameSync(l.cfgNext, l.cfg);
  if (cfgAction) out.done(out.get(CONFIG_KEY), 'applied', previousCfg !== undefined ? { previous: previousCfg } : {});
  const proxyAction = action(PROXY_KEY);
  const proxyOut = out.get(PROXY_KEY);
  if (proxyAction === 'create') {
    await stopProcess(state.proxy?.proc, ctx.stopGraceMs);
    onProgress?.({ phase: 'apply', message: 'starting HAProxy' });
    const r = await startHaproxy({ bin: ctx.haproxy!, cfg: l.cfg, cwd: l.dir, log: l.proxyLog, env: baseEnv(l), timeoutMs: ctx.readyTimeoutMs });
    if (r.proc) {
      state.proxy = { proc: r.proc, startedAt: new Date().toISOString(), reloads: 0 };
      writeState(l, state);
    }
    if (!r.ok) {
      out.done(proxyOut, 'failed', { message: r.message });
      throw new SandboxFailure('ML7011', `HAProxy did not start: ${r.message}`);
    }
    state.proxy = { proc: r.proc, startedAt: new Date().toISOString(), reloads: 0 };
  } else if (proxyAction === 'update' && state.proxy?.proc) {
    onProgress?.({ phase: 'apply', message: 'reloading HAProxy' });
    const r = await reloadHaproxy(state.proxy.proc, l.proxyLog, ctx.readyTimeoutMs);
    if (!r.ok) {
      out.done(proxyOut, 'failed', { message: r.message });
      throw new SandboxFailure('ML7014', `HAProxy could not be reloaded: ${r.message}`);
    }
    state.proxy.reloads++;
  }
  state.proxy = { ...state.proxy!, loaded: d.loadedHash };
  writeState(l, state);
  checkAbort();

  // Every listener must answer (HTTP listeners with any HTTP status, the others accept).
  if (proxyAction) {
    onProgress?.({ phase: 'wait', message: `waiting for ${d.listeners.length} listener(s)` });
    const proxyProc = state.proxy.proc;
    const results = await Promise.all(
      d.listeners.map(async (li) => ({
        li,
        res: await waitUntil(async () => (li.http ? await httpAnswers(li.port, '/health', 500) : await tcpConnects(li.port, 1000)), {
          timeoutMs: ctx.readyTimeoutMs,
          ...(signal ? { signal } : {}),
          fatal: () => (isAlive(proxyProc) ? undefined : `HAProxy exited${logTail(l.proxyLog)}`),
        }),
      })),
    );
    const down = results.find((r) => r.res !== true);
    if (down) {
      const r = down.res;
      const msg = r === 'timeout' ? `${down.li.section} (127.0.0.1:${down.li.port}) did not answer within ${ctx.readyTimeoutMs} ms` : r === 'aborted' ? 'cancelled' : r === true ? '' : r.fatal;
      out.done(proxyOut, 'failed', { message: msg });
      if (down.res === 'aborted') throw new SandboxFailure('ML7005', 'the operation was cancelled');
      throw new SandboxFailure(down.res === 'timeout' ? 'ML7013' : 'ML7011', msg);
    }
    out.done(proxyOut, 'applied', { message: proxyAction === 'update' ? 'reloaded (SIGUSR2 to the master)' : `pid ${proxyProc?.pid}` });
  }

  // Files the pattern no longer needs, and the final record.
  if (action(LUA_KEY) === 'delete') {
    rmSync(l.lua, { force: true });
    out.done(out.get(LUA_KEY, 'delete'), 'applied');
  }
  for (const c of p.changes.filter((x) => x.kind === 'Certificate' && x.action === 'delete')) {
    rmSync(join(l.certs, c.name), { force: true });
    if (c.name === CA_FILE) rmSync(join(l.certs, CA_KEY_FILE), { force: true });
    state.certificates = state.certificates.filter((f) => f !== c.name);
    out.done(out.get(c.key, 'delete'), 'applied');
  }
  state.ports = d.ports;
  state.endpoints = d.endpoints;
  writeState(l, state);
}
