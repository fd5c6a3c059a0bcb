/**
 * The HAProxy sandbox adapter: one ConfigMap-shaped object per pattern holding haproxy.cfg (a
 * real HAProxy 2.6 configuration bound to loopback only), sandbox.json (the port plan it was
 * rendered with) and meshloom.lua (fault-injection delays).
 *
 * `render` is pure: it uses `defaultPlan(pattern)`. The sandbox calls `renderHaproxyConfig`
 * with real free ports and real certificate/log/Lua paths.
 */
import type { TPattern } from '@/patterns/language/schema';
import { objectName } from '../shared/k8s';
import type { TMeshAdapter, TRenderResult } from '../types';
import { haproxyCapabilities } from './capabilities';
import { renderHaproxyConfig } from './config';
import { MESHLOOM_LUA } from './lua';
import { defaultPlan, type THaproxyPlan } from './plan';

export { renderHaproxyConfig, SOURCE_HEADER } from './config';
export { defaultPlan, type THaproxyPlan, type THaproxyEndpoint } from './plan';
export { MESHLOOM_LUA } from './lua';

export function haproxyConfigMapName(pattern: TPattern): string {
  return objectName('meshloom-haproxy', pattern.metadata.name);
}

/** The sandbox's description of a rendering: the plan, and what the config expects on disk. */
export function sandboxDescription(pattern: TPattern, plan: THaproxyPlan, extra: { certificates: string[]; usesLua: boolean }): Record<string, unknown> {
  return {
    pattern: pattern.metadata.name,
    haproxy: '2.6',
    bind: '127.0.0.1',
    sourceHeader: 'x-meshloom-source',
    plan,
    certificates: extra.certificates,
    lua: extra.usesLua ? 'meshloom.lua' : null,
  };
}

export function renderHaproxy(pattern: TPattern): TRenderResult {
  const plan = defaultPlan(pattern);
  const r = renderHaproxyConfig(pattern, plan);
  const data: Record<string, string> = {
    'haproxy.cfg': r.cfg,
    'sandbox.json': `${JSON.stringify(sandboxDescription(pattern, plan, r), null, 2)}\n`,
  };
  if (r.usesLua) data['meshloom.lua'] = MESHLOOM_LUA;
  return {
    manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: haproxyConfigMapName(pattern) }, data }],
    diagnostics: r.diagnostics,
  };
}

export const haproxyAdapter: TMeshAdapter = {
  id: 'haproxy',
  title: 'HAProxy sandbox',
  targets: 'HAProxy 2.6',
  capabilities: haproxyCapabilities,
  render: renderHaproxy,
};
