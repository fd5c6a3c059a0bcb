/**
 * Golden files: every catalog pattern rendered for every mesh, without the sample workloads, in
 * __snapshots__/<mesh>/<pattern>.yaml. Review changes to them like code; update with
 * `npx vitest run server/adapters/snapshots.test.ts -u`.
 */
import { describe, expect, it } from 'vitest';
import { manifestsToYaml } from './shared/manifests-yaml';
import { loadCatalog } from './_testing/catalog';
import { ADAPTERS, renderPattern } from './registry';

const catalog = loadCatalog();

describe.each(Object.keys(ADAPTERS))('snapshots: %s', (mesh) => {
  it.each(catalog.map((p) => [p.metadata.name, p] as const))('%s', async (name, pattern) => {
    const { manifests, diagnostics } = renderPattern(mesh, pattern, { workloads: false });
    const header = diagnostics.map((d) => `# ${d.code} ${d.severity}${d.feature ? ` [${d.feature}]` : ''}: ${d.message.replace(/\n/g, ' ')}`).join('\n');
    const body = manifestsToYaml(manifests);
    await expect(`${header}${header ? '\n' : ''}${body}`).toMatchFileSnapshot(`./__snapshots__/${mesh}/${name}.yaml`);
  });
});
