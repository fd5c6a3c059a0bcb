/**
 * Every catalog pattern rendered for every mesh: each file validates against the upstream CRD
 * schemas (../shared/tools/validate-manifests.mjs, when ../shared is there), and every used feature
 * a mesh cannot express is reported (ML4001).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { manifestsToYaml } from './shared/manifests-yaml';
import { featuresOf } from '@/patterns/language/features';
import { loadSampleAppSource } from '@/server/workload/sample-app-source';
import { HAS_SHARED, loadCatalog, REPO_ROOT, SHARED_DIR } from './_testing/catalog';
import { ADAPTERS, renderPattern } from './registry';
import type { TRenderResult } from './types';

const catalog = loadCatalog();
const meshes = Object.values(ADAPTERS);
const sampleAppSource = loadSampleAppSource();

const rendered: { pattern: string; mesh: string; features: ReturnType<typeof featuresOf>; result: TRenderResult }[] = [];
for (const p of catalog) {
  for (const adapter of meshes) rendered.push({ pattern: p.metadata.name, mesh: adapter.id, features: featuresOf(p), result: renderPattern(adapter.id, p, { sampleAppSource }) });
}

describe('the catalog on every mesh', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshloom-catalog-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders every pattern for every mesh', () => {
    expect(catalog.length).toBeGreaterThanOrEqual(60);
    expect(rendered).toHaveLength(catalog.length * meshes.length);
    for (const r of rendered) expect(r.result.manifests.length, `${r.pattern} × ${r.mesh}`).toBeGreaterThan(0);
  });

  it('reports ML4001 for every used feature a mesh declares unsupported', () => {
    const missing: string[] = [];
    for (const r of rendered) {
      const caps = ADAPTERS[r.mesh as keyof typeof ADAPTERS].capabilities;
      for (const f of r.features) {
        if (caps[f].level !== 'none') continue;
        if (!r.result.diagnostics.some((d) => d.code === 'ML4001' && d.feature === f)) missing.push(`${r.pattern} × ${r.mesh}: ${f}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it.skipIf(!HAS_SHARED)('validates against the CRD schemas (one validator run over all files)', () => {
    const files = rendered.map((r) => {
      const file = path.join(dir, `${r.pattern}.${r.mesh}.yaml`);
      writeFileSync(file, manifestsToYaml(r.result.manifests));
      return file;
    });
    const started = Date.now();
    const run = spawnSync(process.execPath, [path.join(SHARED_DIR, 'tools', 'validate-manifests.mjs'), ...files], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 600_000,
    });
    console.info(`validated ${files.length} files in ${Date.now() - started} ms (exit ${run.status})`);
    const lines = `${run.stdout}\n${run.stderr}`.split('\n').filter((l) => l.trim());
    const invalid = [...lines.slice(0, 300), ...(lines.length > 300 ? [`… ${lines.length - 300} more lines`] : [])].join('\n');
    expect(run.error, String(run.error)).toBeUndefined();
    expect(run.status, `invalid objects:\n${invalid}`).toBe(0);
  }, 900_000);
});

if (!HAS_SHARED) {
  console.warn(`catalog.test.ts: ${SHARED_DIR} is missing (CRD schemas and validator): the CRD validation test is skipped`);
}
