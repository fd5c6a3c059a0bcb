/**
 * The table of kinds the Kubernetes target knows (kinds.ts): complete for what the adapters
 * render, and — when ../shared is present — true to the upstream CRDs (plural, scope, version).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { HAS_SHARED, loadCatalog, SHARED_DIR } from '@/server/adapters/_testing/catalog';
import { KUBERNETES_MESHES, renderPattern } from '@/server/adapters/registry';
import { crdName, KNOWN_KINDS, knownGroupKinds, knownKind, providerOf } from './kinds';

describe('the kinds table', () => {
  it('has every kind the adapters render for every catalog pattern on every Kubernetes mesh', () => {
    const unknown = new Set<string>();
    let count = 0;
    for (const pattern of loadCatalog()) {
      for (const mesh of KUBERNETES_MESHES) {
        for (const m of renderPattern(mesh, pattern, { sampleAppSource: '' }).manifests) {
          count++;
          const k = knownKind(m.apiVersion, m.kind);
          if (!k) unknown.add(`${m.apiVersion} ${m.kind} (${mesh})`);
          else expect(k.namespaced, `${m.apiVersion} ${m.kind} scope`).toBe(m.metadata.namespace !== undefined);
        }
      }
    }
    expect(count).toBeGreaterThan(1000);
    expect([...unknown]).toEqual([]);
  });

  it('names CRDs and the install that provides them', () => {
    expect(crdName('networking.istio.io/v1', 'VirtualService')).toBe('virtualservices.networking.istio.io');
    expect(crdName('kuma.io/v1alpha1', 'MeshTLS')).toBe('meshtlses.kuma.io');
    expect(crdName('v1', 'ConfigMap')).toBe('configmaps');
    expect(crdName('example.com/v1', 'Policy')).toBe('policies.example.com');
    expect(providerOf('networking.istio.io/v1', 'VirtualService', 'istio')).toMatchObject({ id: 'istio', install: 'install Istio (istioctl install / the istio-base chart)' });
    expect(providerOf('gateway.networking.k8s.io/v1', 'HTTPRoute', 'gateway-api').id).toBe('gateway-api');
    expect(providerOf('gateway.networking.k8s.io/v1', 'HTTPRoute', 'linkerd')).toMatchObject({ id: 'linkerd', install: expect.stringContaining('installGatewayAPI=true') });
    expect(providerOf('access.smi-spec.io/v1alpha3', 'TrafficTarget', 'osm').id).toBe('osm');
    expect(providerOf('access.smi-spec.io/v1alpha3', 'TrafficTarget', 'smi').id).toBe('smi');
    expect(providerOf('example.com/v1', 'Policy').id).toBe('unknown');
    // One entry per group and kind for listing.
    const ids = knownGroupKinds().map((k) => `${k.group}|${k.kind}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.skipIf(!HAS_SHARED)('matches the upstream CRDs in ../shared/crds (plural, scope, served version)', () => {
    const crds = new Map<string, { plural: string; namespaced: boolean; served: Set<string> }[]>();
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => {
        const p = path.join(dir, f);
        if (statSync(p).isDirectory()) return f === 'helm-templates' ? [] : walk(p); // Helm templates are not YAML yet
        return p.endsWith('.yaml') ? [p] : [];
      });
    for (const file of walk(path.join(SHARED_DIR, 'crds'))) {
      for (const doc of loadAll(readFileSync(file, 'utf8')) as { kind?: string; spec?: { group: string; names: { kind: string; plural: string }; scope: string; versions: { name: string; served: boolean }[] } }[]) {
        if (doc?.kind !== 'CustomResourceDefinition' || !doc.spec) continue;
        const id = `${doc.spec.group}|${doc.spec.names.kind}`;
        crds.set(id, [
          ...(crds.get(id) ?? []),
          { plural: doc.spec.names.plural, namespaced: doc.spec.scope === 'Namespaced', served: new Set(doc.spec.versions.filter((v) => v.served).map((v) => v.name)) },
        ]);
      }
    }
    const problems: string[] = [];
    for (const k of KNOWN_KINDS) {
      if (k.providers.includes('kubernetes')) continue;
      const found = crds.get(`${k.group}|${k.kind}`);
      if (!found) {
        problems.push(`${k.apiVersion} ${k.kind}: no CRD`);
        continue;
      }
      if (!found.some((c) => c.plural === k.plural)) problems.push(`${k.kind}: plural ${k.plural}, upstream ${found.map((c) => c.plural).join('/')}`);
      if (!found.some((c) => c.namespaced === k.namespaced)) problems.push(`${k.kind}: namespaced ${k.namespaced}`);
      if (!found.some((c) => c.served.has(k.version))) problems.push(`${k.apiVersion} ${k.kind}: version not served upstream`);
    }
    expect(problems).toEqual([]);
  });
});

if (!HAS_SHARED) console.warn(`kinds.test.ts: ${SHARED_DIR} is missing (upstream CRDs): the check of plurals and scopes against them is skipped`);
