import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parsePattern } from '../../patterns/language/index';
import { getAdapter, isMeshId, KUBERNETES_MESHES } from '../../server/adapters/registry';
import { renderWithAdapter } from '../../server/adapters/render';
import { manifestsToYaml } from '../../server/adapters/shared/manifests-yaml';
import { loadSampleAppSource } from '../../server/workload/sample-app-source';
import { parseArgs } from '../args';
import { createIncludeLoader, findCatalogDir, paramsFromOptions, readBytes, UnreadableFileError } from '../files';
import { UsageError, type TCliIO, type TCommand } from '../types';
import { formatDiagnosticLine } from './validate';

const render: TCommand = {
  name: 'render',
  summary: "render a pattern for a mesh (or all): that mesh's Kubernetes manifests",
  usage: 'meshloom render --mesh <id|all> FILE [-o DIR] [--no-workloads] [--param name=value]...',
  async run(args: string[], io: TCliIO) {
    const a = parseArgs(
      args.map((x) => (x === '-o' ? '--out' : x)),
      { options: ['mesh', 'out', 'param', 'catalog'], flags: ['no-workloads'] },
    );
    const mesh = a.options.get('mesh')?.[0];
    if (!mesh) throw new UsageError('render needs --mesh <id|all>');
    if (mesh !== 'all' && !isMeshId(mesh)) throw new UsageError(`ML4005 unknown mesh '${mesh}'; known: ${KUBERNETES_MESHES.join(', ')}, haproxy, all`);
    const [file, ...extra] = a.positionals;
    if (!file || extra.length) throw new UsageError('render takes exactly one FILE');
    let bytes: Uint8Array;
    try {
      bytes = readBytes(file, io.cwd);
    } catch (e) {
      if (!(e instanceof UnreadableFileError)) throw e;
      io.stderr(`meshloom: ${e.message}\n`);
      return 2;
    }
    const catalogs = a.options.get('catalog') ?? [findCatalogDir(io.cwd)].filter((d): d is string => d !== undefined);
    const parsed = parsePattern(bytes, { params: paramsFromOptions(a.options.get('param')), loadInclude: createIncludeLoader(file, io.cwd, catalogs) });
    if (!parsed.pattern) {
      for (const d of parsed.diagnostics) io.stderr(`${formatDiagnosticLine(path.normalize(file), d)}\n`);
      io.stderr(`${file}: not rendered: the pattern has errors\n`);
      return 1;
    }
    const out = a.options.get('out')?.[0];
    const meshes = mesh === 'all' ? KUBERNETES_MESHES : [mesh];
    const chunks: string[] = [];
    for (const m of meshes) {
      const result = renderWithAdapter(getAdapter(m), parsed.pattern, { workloads: !a.flags.has('no-workloads'), sampleAppSource: loadSampleAppSource() });
      for (const d of result.diagnostics) {
        if (d.severity === 'info') continue;
        io.stderr(`${path.normalize(file)}: ${m}: ${d.code} ${d.severity}: ${d.message}\n`);
      }
      const yaml = manifestsToYaml(result.manifests);
      if (out) {
        mkdirSync(path.resolve(io.cwd, out), { recursive: true });
        const target = path.join(path.resolve(io.cwd, out), `${parsed.pattern.metadata.name}.${m}.yaml`);
        writeFileSync(target, yaml);
        io.stderr(`${m}: ${result.manifests.length} objects → ${path.relative(io.cwd, target)}\n`);
      } else chunks.push(`# mesh: ${m}\n${yaml}`);
    }
    if (!out) io.stdout(chunks.join('---\n'));
    return 0;
  },
};

export default render;
