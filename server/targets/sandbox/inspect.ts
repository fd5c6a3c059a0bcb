/**
 * Read-only views of a sandbox deployment: `status` (each process by pid + start time and a
 * quick probe; certificates and config files by presence), `drift` (the live deployment against
 * what the pattern renders now, with the deployment's recorded ports) and `logs` (the last lines
 * of each workload's output and of HAProxy's, access log included). None of them take the lock.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TDeployInput, TDeployRef, TDrift, THealth, TObjectRef, TStatus } from '../types';
import { prepare, refuseInput } from './apply';
import type { TSandboxContext } from './context';
import { certKey, CONFIG_KEY, layoutOf, LUA_KEY, PROXY_KEY, workloadLog } from './layout';
import { listenersOf } from './loopback';
import { tailLines } from './logs';
import { httpStatus, tcpConnects } from './probe';
import { isAlive } from './proc';
import { readState } from './state';

type TStatusObject = TObjectRef & { health: THealth; message?: string };

const workloadName = (key: string) => key.replace(/^process\//, '').replace(/\//g, '-');

export async function statusSandbox(ctx: TSandboxContext, ref: TDeployRef): Promise<TStatus> {
  const refused = refuseInput(ref.mesh, ref.deployment);
  if (refused) throw Object.assign(new Error(refused.message), { code: refused.code });
  const l = layoutOf(ctx.root, ref.deployment);
  const state = readState(l);
  if (!state) return { deployment: ref.deployment, exists: false, healthy: false, objects: [] };
  const objects: TStatusObject[] = [];
  const file = (key: string, kind: string, name: string, path: string) => objects.push({ key, kind, name, health: existsSync(path) ? 'healthy' : 'missing', ...(existsSync(path) ? {} : { message: `${path} is gone` }) });
  for (const f of state.certificates) file(certKey(f), 'Certificate', f, join(l.certs, f));
  file(CONFIG_KEY, 'ProxyConfig', 'haproxy.cfg', l.cfg);
  if (existsSync(l.lua)) file(LUA_KEY, 'ProxyConfig', 'meshloom.lua', l.lua);

  const workloads = await Promise.all(
    Object.entries(state.workloads).map(async ([key, rec]): Promise<TStatusObject> => {
      const base = { key, kind: 'Workload', name: workloadName(key) };
      if (!isAlive(rec.proc)) return { ...base, health: 'missing', message: rec.proc ? `process ${rec.proc.pid} is not running (the next apply restarts it)` : 'never started' };
      const code = await httpStatus(rec.spec.port, '/health', 1000);
      return code === 200 ? { ...base, health: 'healthy', message: `pid ${rec.proc!.pid}, 127.0.0.1:${rec.spec.port}` } : { ...base, health: 'degraded', message: `pid ${rec.proc!.pid} runs but /health answers ${code ?? 'nothing'}` };
    }),
  );
  objects.push(...workloads);

  const proxy = { key: PROXY_KEY, kind: 'Proxy', name: 'haproxy' };
  if (!isAlive(state.proxy?.proc)) objects.push({ ...proxy, health: 'missing', message: state.proxy?.proc ? `HAProxy (pid ${state.proxy.proc.pid}) is not running (the next apply restarts it)` : 'never started' });
  else {
    const listeners = existsSync(l.cfg) ? listenersOf(readFileSync(l.cfg, 'utf8')) : [];
    const down: number[] = [];
    await Promise.all(listeners.map(async (li) => ((await tcpConnects(li.port, 1000)) ? undefined : down.push(li.port))));
    objects.push(
      down.length === 0
        ? { ...proxy, health: 'healthy', message: `pid ${state.proxy!.proc!.pid}, ${listeners.length} listener(s), ${state.proxy!.reloads} reload(s)${state.ports.stats ? `, stats on http://127.0.0.1:${state.ports.stats}/stats` : ''}` }
        : { ...proxy, health: 'degraded', message: `listener(s) not accepting: ${down.sort().map((p) => `127.0.0.1:${p}`).join(', ')}` },
    );
  }
  return { deployment: ref.deployment, exists: true, healthy: objects.every((o) => o.health === 'healthy'), objects, endpoints: state.endpoints };
}

export async function driftSandbox(ctx: TSandboxContext, input: TDeployInput): Promise<TDrift> {
  const refused = refuseInput(input.mesh, input.deployment);
  if (refused) throw Object.assign(new Error(refused.message), { code: refused.code });
  const p = await prepare(ctx, input);
  if ('error' in p) throw Object.assign(new Error(p.error.message), { code: p.error.code });
  const state = { create: 'missing', update: 'changed', delete: 'extra', unchanged: 'in-sync' } as const;
  const objects = p.changes.map((c) => ({ key: c.key, kind: c.kind, name: c.name, state: state[c.action], diff: c.diff }));
  return { deployment: input.deployment, drifted: objects.some((o) => o.state !== 'in-sync'), objects };
}

export async function logsSandbox(ctx: TSandboxContext, ref: TDeployRef, tail = 100): Promise<{ source: string; lines: string[] }[]> {
  const refused = refuseInput(ref.mesh, ref.deployment);
  if (refused) throw Object.assign(new Error(refused.message), { code: refused.code });
  const l = layoutOf(ctx.root, ref.deployment);
  const state = readState(l);
  if (!state) return [];
  const out = Object.keys(state.workloads)
    .sort()
    .map((key) => ({ source: key.replace(/^process\//, ''), lines: tailLines(workloadLog(l, key), tail) }));
  out.push({ source: 'haproxy', lines: tailLines(l.proxyLog, tail) });
  return out;
}

