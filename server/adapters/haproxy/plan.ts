/**
 * The port plan of the HAProxy sandbox: where each listener binds and where each workload
 * instance listens — always on loopback. `defaultPlan` derives one deterministically from the
 * pattern (so `render` stays pure); the sandbox calls `renderHaproxyConfig` with real free ports.
 */
import type { TPattern, TService } from '@/patterns/language/schema';

export interface THaproxyEndpoint {
  host: string;
  port: number;
}

export interface THaproxyPlan {
  /** Listener port per service, external service and gateway listener (`<gateway>:<listenerPort>`). */
  listeners: Record<string, number>;
  /** Workload instances per `<service>/<version>` (services without versions: `<service>/v1`; external services: `<name>/external`). */
  workloads: Record<string, THaproxyEndpoint[]>;
  /** mTLS inbound listener per `<service>/<version>` (only for services under mutual TLS); derived when absent. */
  inbound?: Record<string, number>;
  /** Folder with ca.pem and one <name>.pem (certificate + key) per service and gateway. */
  certDir?: string;
  /** Access log target: a unix datagram socket path, or `stdout`. Default stdout. */
  logPath?: string;
  /** Folder holding meshloom.lua (fault-injection delays). */
  luaDir?: string;
  /** Loopback port of the stats page (/stats) and the Prometheus exporter (/metrics). */
  statsPort?: number;
}

export const LISTENER_BASE = 20000;
export const WORKLOAD_BASE = 21000;
export const INBOUND_BASE = 23000;
export const STATS_PORT = 19999;
export const LOOPBACK = '127.0.0.1';

/** Versions of a service as the sandbox runs them (a service without versions runs one `v1`). */
export function versionsOf(s: TService): { name: string; replicas: number; locality?: string }[] {
  return s.versions.length > 0 ? s.versions.map((v) => ({ name: v.name, replicas: v.replicas, ...(v.locality ? { locality: v.locality } : {}) })) : [{ name: 'v1', replicas: 1 }];
}

/** Listener keys in a stable order: services, external services, then gateway listeners. */
export function listenerKeys(pattern: TPattern): string[] {
  const keys = [...pattern.spec.services.map((s) => s.name), ...pattern.spec.externalServices.map((e) => e.name)];
  for (const g of pattern.spec.gateways) for (const port of [...new Set(g.listeners.map((l) => l.port))]) keys.push(`${g.name}:${port}`);
  return keys;
}

/** Listener of service i at LISTENER_BASE+i; every workload instance at WORKLOAD_BASE+n in declaration order. */
export function defaultPlan(pattern: TPattern): THaproxyPlan {
  const listeners: Record<string, number> = {};
  listenerKeys(pattern).forEach((k, i) => (listeners[k] = LISTENER_BASE + i));
  const workloads: Record<string, THaproxyEndpoint[]> = {};
  const inbound: Record<string, number> = {};
  let n = 0;
  let m = 0;
  for (const s of pattern.spec.services) {
    for (const v of versionsOf(s)) {
      const key = `${s.name}/${v.name}`;
      workloads[key] = Array.from({ length: v.replicas }, () => ({ host: LOOPBACK, port: WORKLOAD_BASE + n++ }));
      inbound[key] = INBOUND_BASE + m++;
    }
  }
  return { listeners, workloads, inbound, certDir: '/etc/meshloom/certs', luaDir: '/etc/meshloom', statsPort: STATS_PORT };
}
