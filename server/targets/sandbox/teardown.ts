/**
 * `delete` and `rollback` for the sandbox. Delete stops the proxy first (no traffic to dying
 * workloads), then every workload, then any stray process still carrying the deployment's tag
 * (a crash between a spawn and the state write), each with SIGTERM then SIGKILL, and removes
 * the deployment folder: no process, listening port or file is left. Rollback undoes an apply
 * from its outcomes: created processes and files go, updated ones get their `previous` back.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { targetError } from '../errors';
import type { TApplyResult, TDeployRef, TObjectOutcome, TRunOptions } from '../types';
import { applyFailure, refuseInput, SandboxFailure } from './apply';
import { CA_FILE, CA_KEY_FILE } from './certs';
import { programHash, startWorkload, type TSandboxContext } from './context';
import { loadedHashOf, workloadHashOf } from './desired';
import { checkConfig, reloadHaproxy } from './haproxy';
import { certKey, CONFIG_KEY, layoutOf, LUA_KEY, PROXY_KEY, TAG_ENV } from './layout';
import { tryLock } from './lock';
import { httpStatus, waitUntil } from './probe';
import { isAlive, stopProcess, taggedProcesses } from './proc';
import { readState, writeState, type TWorkloadSpec } from './state';

const workloadName = (key: string) => key.replace(/^process\//, '').replace(/\//g, '-');

export async function deleteSandbox(ctx: TSandboxContext, ref: TDeployRef, options: TRunOptions = {}): Promise<TApplyResult> {
  const refused = refuseInput(ref.mesh, ref.deployment);
  if (refused) return applyFailure(refused);
  const l = layoutOf(ctx.root, ref.deployment);
  const release = tryLock(l.lock);
  if (!release) return applyFailure(new SandboxFailure('ML7004', `another operation on sandbox deployment ${ref.deployment} is in progress`));
  try {
    const state = readState(l);
    const objects: TObjectOutcome[] = [];
    const report = (o: Omit<TObjectOutcome, 'action' | 'status'>, ok = true, message?: string) => {
      const outcome: TObjectOutcome = { ...o, action: 'delete', status: ok ? 'deleted' : 'failed', ...(message ? { message } : {}) };
      objects.push(outcome);
      options.onProgress?.({ phase: 'delete', message: `${o.kind} ${o.name}: ${ok ? 'deleted' : 'failed'}`, object: outcome });
    };
    if (state?.proxy) {
      await stopProcess(state.proxy.proc, ctx.stopGraceMs);
      report({ key: PROXY_KEY, kind: 'Proxy', name: 'haproxy' }, !isAlive(state.proxy.proc));
    }
    await Promise.all(
      Object.entries(state?.workloads ?? {}).map(async ([key, rec]) => {
        await stopProcess(rec.proc, ctx.stopGraceMs);
        report({ key, kind: 'Workload', name: workloadName(key) }, !isAlive(rec.proc));
      }),
    );
    // Processes of this deployment the state does not know (spawned just before a crash).
    const strays = taggedProcesses(TAG_ENV, l.dir);
    await Promise.all(strays.map((p) => stopProcess(p, ctx.stopGraceMs)));
    for (const p of strays) report({ key: `process/stray/${p.pid}`, kind: 'Workload', name: `pid ${p.pid}` }, !isAlive(p), 'not in the state: stopped');
    if (!state && !existsSync(l.dir) && strays.length === 0) return { ok: true, changed: false, objects: [], diagnostics: [] };

    if (existsSync(l.cfg)) report({ key: CONFIG_KEY, kind: 'ProxyConfig', name: 'haproxy.cfg' });
    if (existsSync(l.lua)) report({ key: LUA_KEY, kind: 'ProxyConfig', name: 'meshloom.lua' });
    for (const f of state?.certificates ?? []) report({ key: certKey(f), kind: 'Certificate', name: f });
    const alive = objects.filter((o) => o.status === 'failed');
    if (alive.length) {
      return { ok: false, changed: true, objects, error: targetError('ML7011', `could not stop ${alive.map((o) => o.name).join(', ')}`), diagnostics: [] };
    }
    rmSync(l.dir, { recursive: true, force: true });
    return { ok: true, changed: true, objects, diagnostics: [] };
  } catch (e) {
    return applyFailure(new SandboxFailure('ML7011', `the sandbox failed: ${(e as Error).message}`));
  } finally {
    release();
  }
}

/**
 * Undoes an apply: stops what it started, restores what it replaced (workload specs, the
 * previous haproxy.cfg and Lua, then a reload), removes the certificates it issued. When nothing
 * of the deployment runs afterwards, the deployment folder goes too.
 */
export async function rollbackSandbox(ctx: TSandboxContext, ref: TDeployRef, applied: TObjectOutcome[], options: TRunOptions = {}): Promise<TApplyResult> {
  const refused = refuseInput(ref.mesh, ref.deployment);
  if (refused) return applyFailure(refused);
  const l = layoutOf(ctx.root, ref.deployment);
  const state = readState(l);
  if (!state) return { ok: true, changed: false, objects: [], diagnostics: [] };
  const release = tryLock(l.lock);
  if (!release) return applyFailure(new SandboxFailure('ML7004', `another operation on sandbox deployment ${ref.deployment} is in progress`));
  const objects: TObjectOutcome[] = [];
  const done = (o: TObjectOutcome, ok: boolean, message?: string) => {
    const r: TObjectOutcome = { key: o.key, kind: o.kind, name: o.name, action: o.action, status: ok ? (o.action === 'create' ? 'deleted' : 'applied') : 'failed', ...(message ? { message } : {}) };
    objects.push(r);
    options.onProgress?.({ phase: 'rollback', message: `${o.kind} ${o.name}: ${ok ? 'undone' : 'failed'}`, object: r });
  };
  try {
    const todo = applied.filter((o) => o.status === 'applied' || o.status === 'deleted' || o.status === 'failed').reverse();
    let reload = false;
    const removeCerts: string[] = [];
    for (const o of todo) {
      if (o.kind === 'Workload') {
        const rec = state.workloads[o.key];
        if (o.action === 'create') {
          await stopProcess(rec?.proc, ctx.stopGraceMs);
          delete state.workloads[o.key];
          done(o, true);
        } else if ((o.action === 'update' || o.action === 'delete') && o.previous) {
          const spec = o.previous as TWorkloadSpec;
          await stopProcess(rec?.proc, ctx.stopGraceMs);
          try {
            const proc = await startWorkload(ctx, l, o.key, spec);
            state.workloads[o.key] = { spec, hash: workloadHashOf(spec, programHash(ctx)), proc, startedAt: new Date().toISOString() };
            const up = await waitUntil(async () => (await httpStatus(spec.port, '/health', 1000)) === 200, { timeoutMs: ctx.readyTimeoutMs, fatal: () => (isAlive(proc) ? undefined : 'exited') });
            done(o, up === true, up === true ? 'restored' : 'restarted, but it does not answer /health');
          } catch (e) {
            done(o, false, (e as Error).message);
          }
        }
        writeState(l, state);
      } else if (o.kind === 'ProxyConfig' && (o.action === 'update' || o.action === 'delete') && typeof o.previous === 'string') {
        const file = o.key === LUA_KEY ? l.lua : l.cfg;
        if (o.key === CONFIG_KEY) {
          writeFileSync(l.cfgNext, o.previous);
          const problem = ctx.haproxy ? await checkConfig(ctx.haproxy, l.cfgNext, l.dir) : 'haproxy is not installed';
          if (problem) {
            done(o, false, problem);
            continue;
          }
          renameSync(l.cfgNext, l.cfg);
        } else writeFileSync(file, o.previous);
        reload = true;
        done(o, true, 'previous content restored');
      } else if (o.kind === 'ProxyConfig' && o.action === 'create' && o.key === LUA_KEY) {
        removeCerts.push(l.lua);
        done(o, true);
      } else if (o.kind === 'Proxy' && o.action === 'create') {
        await stopProcess(state.proxy?.proc, ctx.stopGraceMs);
        delete state.proxy;
        writeState(l, state);
        done(o, true);
      } else if (o.kind === 'Certificate' && o.action === 'create') {
        removeCerts.push(join(l.certs, o.name));
        if (o.name === CA_FILE) removeCerts.push(join(l.certs, CA_KEY_FILE));
        state.certificates = state.certificates.filter((f) => f !== o.name);
        done(o, true);
      }
    }
    if (reload && state.proxy?.proc && isAlive(state.proxy.proc)) {
      const r = await reloadHaproxy(state.proxy.proc, l.proxyLog, ctx.readyTimeoutMs);
      // The restored files are what the proxy runs now; the next apply compares against them.
      const cfg = readFileSync(l.cfg, 'utf8');
      state.proxy.loaded = loadedHashOf(cfg, cfg.includes('lua-load') && existsSync(l.lua) ? readFileSync(l.lua, 'utf8') : undefined);
      state.proxy.reloads++;
      if (!r.ok) return { ok: false, changed: true, objects, error: targetError('ML7014', `HAProxy could not be reloaded: ${r.message}`), diagnostics: [] };
    }
    for (const f of removeCerts) rmSync(f, { force: true });
    const running = isAlive(state.proxy?.proc) || Object.values(state.workloads).some((w) => isAlive(w.proc));
    if (!running) {
      // Nothing of the deployment runs any more: it was a first apply; leave nothing behind.
      rmSync(l.dir, { recursive: true, force: true });
    } else writeState(l, state);
    const failed = objects.filter((o) => o.status === 'failed');
    return {
      ok: failed.length === 0,
      changed: objects.some((o) => o.status !== 'failed'),
      objects,
      ...(failed.length ? { error: targetError('ML7011', `could not undo ${failed.map((o) => o.name).join(', ')}`) } : {}),
      diagnostics: [],
    };
  } catch (e) {
    return applyFailure(new SandboxFailure('ML7011', `the sandbox failed: ${(e as Error).message}`), [], objects);
  } finally {
    release();
  }
}

