/**
 * What a deployment should look like for a pattern and a set of ports: the haproxy.cfg the
 * adapter renders with the real plan (loopback ports, the deployment's cert/Lua folders, access
 * log to the proxy's stdout), the certificate files it reads, and one sample-workload process per
 * service version instance whose UPSTREAMS point at the proxy listeners (so a→b traffic crosses
 * HAProxy). Pure apart from reading nothing: the same inputs give the same result.
 */
import { createHash } from 'node:crypto';
import type { TPattern } from '@/patterns/language/schema';
import { defaultPlan, haproxyAdapter, MESHLOOM_LUA, renderHaproxyConfig, type THaproxyEndpoint, type THaproxyPlan } from '@/server/adapters/haproxy';
import { listenerKeys, versionsOf } from '@/server/adapters/haproxy/plan';
import { renderWithAdapter } from '@/server/adapters/render';
import { durationMs } from '@/server/adapters/shared/k8s';
import type { TAdapterDiagnostic } from '@/server/adapters/types';
import { targetError } from '../errors';
import type { TTargetError } from '../types';
import { workloadKey, type TLayout } from './layout';
import { listenersOf, nonLoopbackUse, type TListener } from './loopback';
import { LOOPBACK } from './ports';
import type { TWorkloadSpec } from './state';

export interface TDesired {
  ports: Record<string, number>;
  plan: THaproxyPlan;
  cfg: string;
  /** meshloom.lua when the configuration loads it. */
  lua?: string;
  /** Files under certs/ the configuration reads (ca.pem, <name>.pem). */
  certificates: string[];
  /** By object key `process/<service>/<version>/<i>`. */
  workloads: Map<string, { spec: TWorkloadSpec; hash: string }>;
  listeners: TListener[];
  endpoints: Record<string, string>;
  /** What the running proxy must have loaded (see loadedHashOf). */
  loadedHash: string;
  diagnostics: TAdapterDiagnostic[];
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** What a running proxy has loaded: its configuration and Lua (certificates are named in the configuration). */
export const loadedHashOf = (cfg: string, lua: string | undefined) => sha(`${cfg}\n${lua ?? ''}`);

/** Identity of a workload process: its spec and the program it runs. */
export const workloadHashOf = (spec: TWorkloadSpec, programHash: string) => sha(`${JSON.stringify(spec)}\n${programHash}`);

/** Versions of a service that have mTLS inbound listeners (from a render with the default plan). */
function inboundVersions(pattern: TPattern): Set<string> {
  const cfg = renderHaproxyConfig(pattern, defaultPlan(pattern)).cfg;
  const out = new Set<string>();
  for (const s of pattern.spec.services) for (const v of versionsOf(s)) if (cfg.includes(`\nfrontend in_${s.name}_${v.name}\n`)) out.add(`${s.name}/${v.name}`);
  return out;
}

/** Every port key the pattern needs: listeners, workload instances, mTLS inbound listeners, stats. */
export function portKeys(pattern: TPattern): string[] {
  const keys = listenerKeys(pattern).map((k) => `listener:${k}`);
  for (const s of pattern.spec.services) for (const v of versionsOf(s)) for (let i = 0; i < v.replicas; i++) keys.push(`workload:${s.name}/${v.name}/${i}`);
  for (const sv of inboundVersions(pattern)) keys.push(`inbound:${sv}`);
  keys.push('stats');
  return keys;
}

function endpointsOf(pattern: TPattern, ports: Record<string, number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of pattern.spec.services) {
    const p = ports[`listener:${s.name}`];
    if (p !== undefined) out[s.name] = `${s.protocol === 'tcp' ? 'tcp' : 'http'}://${LOOPBACK}:${p}`;
  }
  for (const g of pattern.spec.gateways) {
    if (g.type === 'egress') continue;
    for (const port of [...new Set(g.listeners.map((l) => l.port))]) {
      const p = ports[`listener:${g.name}:${port}`];
      if (p === undefined) continue;
      const ls = g.listeners.filter((l) => l.port === port);
      const first = ls[0];
      const scheme = first?.protocol === 'tcp' || first?.tls?.mode === 'passthrough' ? 'tcp' : ls.some((l) => l.protocol === 'https' || (l.tls && l.tls.mode !== 'passthrough')) ? 'https' : 'http';
      out[`${g.name}:${port}`] = `${scheme}://${LOOPBACK}:${p}`;
    }
  }
  return out;
}

/** The desired deployment, or the coded reason there is none (render errors, non-loopback use). */
export function buildDesired(pattern: TPattern, l: TLayout, ports: Record<string, number>, programHash: string): { ok: true; desired: TDesired } | { ok: false; error: TTargetError; diagnostics: TAdapterDiagnostic[] } {
  const workloads: Record<string, THaproxyEndpoint[]> = {};
  const inbound: Record<string, number> = {};
  for (const s of pattern.spec.services)
    for (const v of versionsOf(s)) {
      const key = `${s.name}/${v.name}`;
      workloads[key] = Array.from({ length: v.replicas }, (_, i) => ({ host: LOOPBACK, port: ports[`workload:${key}/${i}`] ?? 0 }));
      const ib = ports[`inbound:${key}`];
      if (ib !== undefined) inbound[key] = ib;
    }
  const listeners: Record<string, number> = {};
  for (const k of listenerKeys(pattern)) listeners[k] = ports[`listener:${k}`] ?? 0;
  const plan: THaproxyPlan = { listeners, workloads, inbound, certDir: l.certs, logPath: 'stdout', luaDir: l.dir, statsPort: ports.stats ?? 0 };

  // Capability notes (what HAProxy cannot express) come from the adapter's own render; the
  // approximation notes from the render with the real plan.
  const capability = renderWithAdapter(haproxyAdapter, pattern).diagnostics.filter((d) => d.code !== 'ML4006');
  let r: ReturnType<typeof renderHaproxyConfig>;
  try {
    r = renderHaproxyConfig(pattern, plan);
  } catch (e) {
    return { ok: false, error: targetError('ML7003', `the HAProxy configuration does not render: ${(e as Error).message}`), diagnostics: capability };
  }
  const diagnostics = [...capability, ...r.diagnostics];
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) return { ok: false, error: targetError('ML7003', errors.map((d) => d.message).join('; ')), diagnostics };
  const outside = nonLoopbackUse(r.cfg);
  if (outside) return { ok: false, error: targetError('ML7003', `the rendered configuration leaves loopback (${outside}): refused`, 'the sandbox binds and connects to 127.0.0.1 only'), diagnostics };

  const upstreams: Record<string, string> = {};
  for (const k of [...pattern.spec.services.map((s) => s.name), ...pattern.spec.externalServices.map((e) => e.name)].sort()) {
    const p = listeners[k];
    if (p) upstreams[k] = `http://${LOOPBACK}:${p}`;
  }
  const specs = new Map<string, { spec: TWorkloadSpec; hash: string }>();
  for (const s of pattern.spec.services)
    for (const v of versionsOf(s)) {
      const decl = s.versions.find((x) => x.name === v.name);
      for (let i = 0; i < v.replicas; i++) {
        const spec: TWorkloadSpec = {
          service: s.name,
          version: v.name,
          instance: i,
          port: ports[`workload:${s.name}/${v.name}/${i}`] ?? 0,
          latencyMs: decl?.latency ? Math.round(durationMs(decl.latency)) : 0,
          errorRate: decl?.errorRate ?? 0,
          upstreams,
        };
        specs.set(workloadKey(s.name, v.name, i), { spec, hash: workloadHashOf(spec, programHash) });
      }
    }
  const certificates = r.certificates;
  const lua = r.usesLua ? MESHLOOM_LUA : undefined;
  const desired: TDesired = {
    ports,
    plan,
    cfg: r.cfg,
    ...(lua ? { lua } : {}),
    certificates,
    workloads: specs,
    listeners: listenersOf(r.cfg),
    endpoints: endpointsOf(pattern, ports),
    loadedHash: loadedHashOf(r.cfg, lua),
    diagnostics,
  };
  return { ok: true, desired };
}
