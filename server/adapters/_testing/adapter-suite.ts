/**
 * Test-only: the one behaviour suite every mesh adapter passes (in the spirit of unstorage's
 * shared driver tests). `describeAdapter(adapter)` declares the tests; which assertion a feature
 * gets is decided by the adapter's own capability declaration, never by a hand-kept list:
 *
 * - 'none'   → rendering the feature's probe does not crash and reports ML4001 for it;
 * - 'full' / 'partial' → the probe's output differs from its comparison point (the feature is
 *   not silently dropped) and there is no ML4001 for it.
 *
 * Plus determinism, purity (the pattern is deep-frozen), the shape, names and labels of every
 * object, and overrides (merge → ML4003, add → ML4004).
 */
import { describe, expect, it } from 'vitest';
import { FEATURE_IDS, featuresOf, type TFeature } from '@/patterns/language/features';
import type { TOverrideObject, TPattern } from '@/patterns/language/schema';
import { renderWithAdapter } from '../render';
import type { TManifest, TMeshAdapter, TRenderResult } from '../types';
import { basePattern, buildPattern, PROBES, probePatterns } from './probes';

export interface TAdapterSuiteOptions {
  /**
   * Features the adapter declares full/partial although nothing in its output changes, because
   * the mesh does it on its own (e.g. Linkerd's always-on metrics). Each needs a reason, and the
   * capability note must say so; the suite then only checks that no ML4001 is reported.
   */
  implicit?: Partial<Record<TFeature, string>>;
}

/** DNS-1123 subdomain (what most kinds, CRDs included, accept as a name). */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** DNS-1123 label. */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kinds whose names must be DNS labels (RFC 1123/1035), not subdomains. */
const LABEL_NAMED_KINDS = new Set(['Namespace', 'Service']);

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/** Problems with one manifest's shape, name and common labels (empty when fine). */
export function manifestProblems(m: TManifest, patternName: string): string[] {
  const id = `${m?.kind ?? '?'} ${m?.metadata?.namespace ?? ''}/${m?.metadata?.name ?? '?'}`;
  const out: string[] = [];
  if (typeof m.apiVersion !== 'string' || !m.apiVersion) out.push(`${id}: no apiVersion`);
  if (typeof m.kind !== 'string' || !m.kind) out.push(`${id}: no kind`);
  const name = m.metadata?.name;
  if (typeof name !== 'string' || !name) out.push(`${id}: no metadata.name`);
  else {
    if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) out.push(`${id}: name is not a DNS-1123 subdomain`);
    if (m.metadata.namespace !== undefined && name.length > 63) out.push(`${id}: name of a namespaced object longer than 63`);
    if (LABEL_NAMED_KINDS.has(m.kind) && (!DNS1123_LABEL.test(name) || name.length > 63)) out.push(`${id}: name is not a DNS-1123 label`);
  }
  const ns = m.metadata?.namespace;
  if (ns !== undefined && (!DNS1123_LABEL.test(ns) || ns.length > 63)) out.push(`${id}: namespace is not a DNS-1123 label`);
  const labels = m.metadata?.labels ?? {};
  if (labels['app.kubernetes.io/managed-by'] !== 'meshloom') out.push(`${id}: label app.kubernetes.io/managed-by is not meshloom`);
  if (labels['meshloom.dev/pattern'] !== patternName) out.push(`${id}: label meshloom.dev/pattern is not ${patternName}`);
  return out;
}

const render = (adapter: TMeshAdapter, pattern: TPattern): TRenderResult => renderWithAdapter(adapter, pattern, { sampleAppSource: '// sample app' });
const ml4001For = (r: TRenderResult, feature: TFeature) => r.diagnostics.filter((d) => d.code === 'ML4001' && d.feature === feature);

/** Every pattern the suite renders: the base and both sides of every probe. */
function allPatterns(): { label: string; pattern: TPattern }[] {
  return [
    { label: 'base', pattern: basePattern() },
    ...FEATURE_IDS.flatMap((f) => {
      const p = probePatterns(f);
      return [
        { label: `${f} (with)`, pattern: p.with },
        { label: `${f} (without)`, pattern: p.without },
      ];
    }),
  ];
}

export function describeAdapter(adapter: TMeshAdapter, options: TAdapterSuiteOptions = {}): void {
  describe(`adapter ${adapter.id}: shared behaviour`, () => {
    it('declares a capability for every feature', () => {
      for (const f of FEATURE_IDS) expect(['full', 'partial', 'none'], f).toContain(adapter.capabilities[f]?.level);
    });

    it('is deterministic and pure: rendering twice is equal, and the (deep-frozen) pattern is not mutated', () => {
      for (const { label, pattern } of allPatterns()) {
        const frozen = deepFreeze(structuredClone(pattern));
        const before = JSON.stringify(frozen);
        const a = render(adapter, frozen);
        const b = render(adapter, frozen);
        expect(b, label).toEqual(a);
        expect(JSON.stringify(frozen), label).toBe(before);
        // Changing a result never changes a later render: objects are either fresh or shared and
        // frozen (the sample workloads are built once per pattern), so a write fails loudly.
        for (const m of a.manifests) {
          try {
            (m.metadata as Record<string, unknown>)['x-probe'] = 1;
          } catch (e) {
            expect(e, label).toBeInstanceOf(TypeError);
          }
        }
        expect(render(adapter, frozen), label).toEqual(b);
      }
    });

    it('renders well-formed objects: apiVersion, kind, a valid name, the common labels', () => {
      for (const { label, pattern } of allPatterns()) {
        const { manifests } = render(adapter, pattern);
        expect(manifests.length, label).toBeGreaterThan(0);
        const problems = manifests.flatMap((m) => manifestProblems(m, pattern.metadata.name));
        expect(problems, label).toEqual([]);
        const keys = manifests.map((m) => `${m.apiVersion.split('/')[0]}|${m.kind}|${m.metadata.namespace ?? ''}|${m.metadata.name}`);
        expect(keys.filter((k, i) => keys.indexOf(k) !== i), `${label}: duplicate objects`).toEqual([]);
      }
    });

    describe('features, by declared capability', () => {
      for (const feature of FEATURE_IDS) {
        const cap = adapter.capabilities[feature];
        const { with: withIt, without } = probePatterns(feature);

        it(`probe ${feature} uses exactly that feature on top of its comparison point`, () => {
          const extra = featuresOf(withIt).filter((f) => !featuresOf(without).includes(f));
          expect(extra).toEqual([feature]);
        });

        if (cap.level === 'none') {
          it(`${feature} (none): reports ML4001 naming it, without crashing`, () => {
            const r = render(adapter, withIt);
            expect(ml4001For(r, feature)).toHaveLength(1);
            expect(ml4001For(r, feature)[0]!.message.length).toBeGreaterThan(0);
          });
        } else if (options.implicit?.[feature]) {
          it(`${feature} (${cap.level}, implicit: ${options.implicit[feature]}): no ML4001`, () => {
            expect(cap.note ?? '').not.toBe('');
            expect(ml4001For(render(adapter, withIt), feature)).toEqual([]);
          });
        } else {
          it(`${feature} (${cap.level}): is rendered (the output differs) and not reported as unsupported`, () => {
            const r = render(adapter, withIt);
            expect(ml4001For(r, feature)).toEqual([]);
            const differs = JSON.stringify(r.manifests) !== JSON.stringify(render(adapter, without).manifests);
            if (cap.level === 'full') expect(differs, `${adapter.id} declares ${feature} full but its output ignores it`).toBe(true);
            else {
              expect(r.diagnostics.some((d) => d.code === 'ML4002' && d.feature === feature)).toBe(true);
              // Partial: rendered, or (where this probe hits the part the mesh cannot express) said so by the adapter itself.
              const explained = r.diagnostics.some((d) => d.feature === feature && d.code !== 'ML4001' && d.code !== 'ML4002');
              expect(differs || explained, `${adapter.id} silently drops ${feature}`).toBe(true);
            }
          });
        }
      }
    });

    describe('overrides', () => {
      const pattern = buildPattern('probe-overrides', PROBES['traffic-split'].with);
      const own = adapter.render(pattern).manifests;

      it('merges an override into the rendered object of the same kind and name (ML4003)', () => {
        expect(own.length, 'the adapter renders objects of its own').toBeGreaterThan(0);
        const first = own[0]!;
        // the object as rendered (an adapter object may have been merged into a workload object)
        const target = render(adapter, pattern).manifests.find(
          (m) => m.kind === first.kind && m.metadata.name === first.metadata.name && m.metadata.namespace === first.metadata.namespace,
        )!;
        expect(target).toBeDefined();
        const override: TOverrideObject = {
          apiVersion: target.apiVersion,
          kind: target.kind,
          metadata: { name: target.metadata.name, ...(target.metadata.namespace ? { namespace: target.metadata.namespace } : {}), annotations: { 'meshloom.dev/probe': 'merged' } },
        };
        const withOverride = deepFreeze({ ...pattern, spec: { ...pattern.spec, overrides: { [adapter.id]: [override] } } }) as TPattern;
        const r = render(adapter, withOverride);
        const merged = r.manifests.filter((m) => m.kind === target.kind && m.metadata.name === target.metadata.name && m.metadata.namespace === target.metadata.namespace);
        expect(merged).toHaveLength(1);
        expect(merged[0]!.metadata.annotations?.['meshloom.dev/probe']).toBe('merged');
        // the rest of the object is kept
        const { metadata: metaBefore, ...restBefore } = target;
        const { metadata: metaAfter, ...restAfter } = merged[0]!;
        expect(restAfter).toEqual(restBefore);
        expect({ ...metaAfter, annotations: undefined }).toEqual({ ...metaBefore, annotations: undefined });
        expect(r.diagnostics.filter((d) => d.code === 'ML4003')).toHaveLength(1);
        expect(r.manifests).toHaveLength(render(adapter, pattern).manifests.length);
      });

      it('adds an override of an object it does not render (ML4004), with the common labels', () => {
        const extra: TOverrideObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe-extra', namespace: 'default' }, data: { hello: 'world' } };
        const withOverride = deepFreeze({ ...pattern, spec: { ...pattern.spec, overrides: { [adapter.id]: [extra] } } }) as TPattern;
        const r = render(adapter, withOverride);
        const added = r.manifests.filter((m) => m.kind === 'ConfigMap' && m.metadata.name === 'probe-extra');
        expect(added).toHaveLength(1);
        expect(added[0]!.data).toEqual({ hello: 'world' });
        expect(manifestProblems(added[0]!, pattern.metadata.name)).toEqual([]);
        expect(r.diagnostics.filter((d) => d.code === 'ML4004')).toHaveLength(1);
        expect(r.manifests).toHaveLength(render(adapter, pattern).manifests.length + 1);
      });
    });
  });
}
