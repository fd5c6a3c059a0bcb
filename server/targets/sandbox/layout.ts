/**
 * Where a sandbox deployment lives on disk: `<root>/<deployment>/` holds state.json,
 * haproxy.cfg, meshloom.lua, certs/ (CA and one certificate per service/gateway) and logs/
 * (one file per workload process, haproxy.log for the proxy). The per-deployment lock file sits
 * beside the folder (`<root>/<deployment>.lock`) so deleting the folder never drops the lock.
 */
import { join, resolve } from 'node:path';

/** DNS-label deployment names only: they become folder names, so nothing like `../x` gets through. */
const DEPLOYMENT_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isDeploymentName(name: string): boolean {
  return DEPLOYMENT_NAME.test(name);
}

/** Environment variable set on every process of a deployment (its folder): finds strays. */
export const TAG_ENV = 'MESHLOOM_SANDBOX_DEPLOYMENT';

export interface TLayout {
  root: string;
  deployment: string;
  dir: string;
  state: string;
  lock: string;
  cfg: string;
  /** The candidate configuration, checked with `haproxy -c` before it replaces haproxy.cfg. */
  cfgNext: string;
  lua: string;
  certs: string;
  logs: string;
  proxyLog: string;
}

export function layoutOf(root: string, deployment: string): TLayout {
  const r = resolve(root);
  const dir = join(r, deployment);
  return {
    root: r,
    deployment,
    dir,
    state: join(dir, 'state.json'),
    lock: join(r, `${deployment}.lock`),
    cfg: join(dir, 'haproxy.cfg'),
    cfgNext: join(dir, 'haproxy.cfg.next'),
    lua: join(dir, 'meshloom.lua'),
    certs: join(dir, 'certs'),
    logs: join(dir, 'logs'),
    proxyLog: join(dir, 'logs', 'haproxy.log'),
  };
}

/** Object key of one workload process, e.g. `process/reviews/v1/0`. */
export function workloadKey(service: string, version: string, instance: number): string {
  return `process/${service}/${version}/${instance}`;
}

export const PROXY_KEY = 'process/haproxy';
export const CONFIG_KEY = 'file/haproxy.cfg';
export const LUA_KEY = 'file/meshloom.lua';
export const certKey = (file: string) => `file/certs/${file}`;

/** Log file of a workload process (`logs/reviews.v1.0.log`). */
export function workloadLog(l: TLayout, key: string): string {
  return join(l.logs, `${key.replace(/^process\//, '').replace(/\//g, '.')}.log`);
}
