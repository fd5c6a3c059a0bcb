import { describe, expect, it } from 'vitest';
import { MESH_IDS } from '@/patterns/language/schema';
import { describeAdapter, type TAdapterSuiteOptions } from './_testing/adapter-suite';
import { ADAPTERS, getAdapter, renderPattern, UnknownMeshError } from './registry';

/** Per-adapter exceptions to the shared suite, each with its reason. */
const OPTIONS: Partial<Record<keyof typeof ADAPTERS, TAdapterSuiteOptions>> = {
  linkerd: {
    implicit: {
      metrics: 'Linkerd proxies always expose golden metrics; there is nothing to render',
      'load-balancing': 'Linkerd always balances with EWMA; the algorithm is not configurable',
    },
  },
  osm: {
    implicit: {
      mtls: 'OSM always encrypts between sidecars',
      metrics: 'the openservicemesh.io/metrics annotation is on every workload namespace already',
    },
  },
  smi: { implicit: { metrics: 'the implementing mesh emits metrics; SMI configures none' } },
  'gateway-api': { implicit: { metrics: 'the mesh implementing GAMMA emits metrics; nothing to configure' } },
  haproxy: { implicit: { metrics: 'the Prometheus exporter is always served at /metrics' } },
};

for (const adapter of Object.values(ADAPTERS)) describeAdapter(adapter, OPTIONS[adapter.id]);

describe('the adapter registry', () => {
  it('has one adapter per mesh id, under its own id', () => {
    expect(Object.keys(ADAPTERS).sort()).toEqual([...MESH_IDS].sort());
    for (const [id, adapter] of Object.entries(ADAPTERS)) expect(adapter.id).toBe(id);
  });

  it('throws a coded UnknownMeshError (ML4005) for an unknown mesh', () => {
    expect(() => getAdapter('nope')).toThrow(UnknownMeshError);
    try {
      getAdapter('nope');
      expect.unreachable();
    } catch (e) {
      expect((e as UnknownMeshError).code).toBe('ML4005');
      expect((e as Error).message).toContain("'nope'");
    }
    expect(() => renderPattern('nope', {} as never)).toThrow(expect.objectContaining({ code: 'ML4005' }));
  });
});
