/**
 * Round trip through the Istio adapter: Istio's Bookinfo routing samples
 * (../shared/fixtures/istio-bookinfo) → importManifests → render for Istio → importManifests on
 * the rendered YAML → the same routing semantics. VirtualServices for the same host conflict, so
 * each virtual-service-*.yaml is imported on its own, with destination-rule-all.yaml (the subsets).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { renderPattern } from '@/server/adapters/registry';
import { HAS_SHARED, SHARED_DIR } from '@/server/adapters/_testing/catalog';
import { importManifests, routingSemantics } from './index';

const FIXTURES = path.join(SHARED_DIR, 'fixtures', 'istio-bookinfo');
const available = HAS_SHARED && existsSync(FIXTURES);
if (!available) console.warn(`round-trip.test.ts: ${FIXTURES} is missing (Istio Bookinfo fixtures): the Istio round trip is skipped`);

const read = (file: string) => ({ name: file, text: readFileSync(path.join(FIXTURES, file), 'utf8') });
const routingFiles = available ? readdirSync(FIXTURES).filter((f) => /^virtual-service-.*\.yaml$/.test(f)).sort() : [];

describe.skipIf(!available)('round trip: Istio Bookinfo → pattern → Istio → pattern', () => {
  it('has the routing samples', () => {
    expect(routingFiles.length).toBeGreaterThanOrEqual(10);
  });

  it.each(routingFiles)('%s (+ destination-rule-all.yaml) keeps its routing semantics', (file) => {
    const first = importManifests([read(file), read('destination-rule-all.yaml')]);
    expect(first.pattern, JSON.stringify(first.diagnostics, null, 2)).toBeDefined();
    const pattern = first.pattern!;
    expect(pattern.spec.routes.length).toBeGreaterThan(0);
    expect(Object.keys(routingSemantics(pattern)).length).toBeGreaterThan(0);

    const rendered = renderPattern('istio', pattern, { workloads: false });
    const yaml = rendered.manifests.map((m) => stringify(m, { lineWidth: 0 })).join('---\n');
    const second = importManifests([{ name: `rendered-${file}`, text: yaml }]);
    expect(second.pattern, JSON.stringify(second.diagnostics, null, 2)).toBeDefined();

    expect(routingSemantics(second.pattern!)).toEqual(routingSemantics(pattern));
  });
});
