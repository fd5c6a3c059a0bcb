/**
 * Live state against desired state, object by object: certificates, haproxy.cfg, meshloom.lua,
 * one Workload per process and the Proxy. Shared by plan, apply and drift, so what `plan` shows
 * is exactly what `apply` does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { TChangeAction, TObjectChange } from '../types';
import { CA_FILE, CA_KEY_FILE, describeCertificate } from './certs';
import type { TDesired } from './desired';
import { certKey, CONFIG_KEY, LUA_KEY, PROXY_KEY, type TLayout } from './layout';
import { hasChildren, isAlive } from './proc';
import type { TSandboxState, TWorkloadSpec } from './state';

export interface TLive {
  state: TSandboxState | undefined;
  cfg: string | undefined;
  lua: string | undefined;
  /** Certificate files present under certs/. */
  certFiles: Set<string>;
  proxyAlive: boolean;
}

const readIf = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined);

export function readLive(l: TLayout, state: TSandboxState | undefined): TLive {
  const certFiles = new Set<string>();
  for (const f of [CA_FILE, CA_KEY_FILE, ...(state?.certificates ?? [])]) if (existsSync(join(l.certs, f))) certFiles.add(f);
  // A master whose worker died serves nothing: it counts as down (the next apply restarts it).
  const master = state?.proxy?.proc;
  return { state, cfg: readIf(l.cfg), lua: readIf(l.lua), certFiles, proxyAlive: !!master && isAlive(master) && hasChildren(master) };
}

export function unifiedDiff(name: string, before: string, after: string): string {
  if (before === after) return '';
  return createTwoFilesPatch(`${name} (live)`, `${name} (desired)`, before, after, undefined, undefined, { context: 3 });
}

export const specText = (s: TWorkloadSpec | undefined) =>
  s
    ? `${Object.entries({ SERVICE: s.service, VERSION: s.version, INSTANCE: s.instance, PORT: s.port, LATENCY_MS: s.latencyMs, ERROR_RATE: s.errorRate, UPSTREAMS: JSON.stringify(s.upstreams) })
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`
    : '';

const workloadName = (key: string) => key.replace(/^process\//, '').replace(/\//g, '-');

/** Every object with its action and diff, in apply order (deletions last). */
export function computeChanges(d: TDesired, live: TLive): TObjectChange[] {
  const out: TObjectChange[] = [];
  const add = (key: string, kind: string, name: string, action: TChangeAction, diff = '') => out.push({ key, kind, name, action, diff: action === 'unchanged' ? '' : diff });

  // Certificates: kept once issued; a lost CA means every certificate is issued again.
  const caLost = d.certificates.length > 0 && !(live.certFiles.has(CA_FILE) && live.certFiles.has(CA_KEY_FILE));
  const certs = d.certificates.length > 0 ? [...new Set([CA_FILE, ...d.certificates])] : [];
  for (const f of certs) {
    const exists = live.certFiles.has(f);
    const action: TChangeAction = !exists ? 'create' : caLost ? 'update' : 'unchanged';
    const cn = f === CA_FILE ? 'meshloom-sandbox-ca' : f.replace(/\.pem$/, '');
    add(certKey(f), 'Certificate', f, action, unifiedDiff(`certs/${f}`, exists ? describeCertificate(cn) : '', describeCertificate(cn)));
  }

  add(CONFIG_KEY, 'ProxyConfig', 'haproxy.cfg', live.cfg === undefined ? 'create' : live.cfg === d.cfg ? 'unchanged' : 'update', unifiedDiff('haproxy.cfg', live.cfg ?? '', d.cfg));
  if (d.lua !== undefined) add(LUA_KEY, 'ProxyConfig', 'meshloom.lua', live.lua === undefined ? 'create' : live.lua === d.lua ? 'unchanged' : 'update', unifiedDiff('meshloom.lua', live.lua ?? '', d.lua));

  const records = live.state?.workloads ?? {};
  for (const [key, w] of d.workloads) {
    const rec = records[key];
    const running = isAlive(rec?.proc);
    const action: TChangeAction = !rec || !running ? 'create' : rec.hash === w.hash ? 'unchanged' : 'update';
    add(key, 'Workload', workloadName(key), action, unifiedDiff(`${key}.env`, running ? specText(rec?.spec) : '', specText(w.spec)));
  }

  // Re-issued certificates are new files under the same names: only a reload loads them.
  const reissued = caLost && certs.some((f) => live.certFiles.has(f));
  const proxyAction: TChangeAction = !live.proxyAlive ? 'create' : live.state?.proxy?.loaded === d.loadedHash && !reissued ? 'unchanged' : 'update';
  add(PROXY_KEY, 'Proxy', 'haproxy', proxyAction, proxyAction === 'update' ? 'reload: the master starts a new worker on the new configuration; the old one finishes in-flight requests\n' : '');

  // What this deployment has and the pattern no longer needs.
  for (const [key, rec] of Object.entries(records)) if (!d.workloads.has(key)) add(key, 'Workload', workloadName(key), 'delete', unifiedDiff(`${key}.env`, specText(rec.spec), ''));
  if (d.lua === undefined && live.lua !== undefined) add(LUA_KEY, 'ProxyConfig', 'meshloom.lua', 'delete', unifiedDiff('meshloom.lua', live.lua, ''));
  const wanted = new Set(certs);
  for (const f of live.state?.certificates ?? []) if (!wanted.has(f)) add(certKey(f), 'Certificate', f, 'delete', unifiedDiff(`certs/${f}`, describeCertificate(f.replace(/\.pem$/, '')), ''));
  return out;
}

export function summarize(changes: { action: TChangeAction }[]): Record<TChangeAction, number> {
  const s: Record<TChangeAction, number> = { create: 0, update: 0, delete: 0, unchanged: 0 };
  for (const c of changes) s[c.action]++;
  return s;
}
