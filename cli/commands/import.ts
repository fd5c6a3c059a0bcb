import path from 'node:path';
import { importManifests, type TImportDiagnostic } from '../../server/import/index';
import { parseArgs } from '../args';
import { readBytes, UnreadableFileError } from '../files';
import { UsageError, type TCliIO, type TCommand } from '../types';

/** `FILE: CODE message` (severity prefixed unless error; object and path appended when known). */
export function formatImportDiagnostic(d: TImportDiagnostic, fallbackFile: string): string {
  const file = `${d.file ?? fallbackFile}${d.code === 'ML5002' && d.line !== undefined ? `:${d.line}` : ''}`;
  const severity = d.severity === 'error' ? '' : `${d.severity}: `;
  return `${file}: ${d.code} ${severity}${d.object ? `${d.object}: ` : ''}${d.message.replace(/\s*\n\s*/g, ' ')}`;
}

const importCommand: TCommand = {
  name: 'import',
  summary: 'import mesh manifests or Meshery designs into a pattern (YAML on stdout, diagnostics on stderr)',
  usage: 'meshloom import FILE...',
  async run(args: string[], io: TCliIO) {
    const a = parseArgs(args, {});
    if (a.positionals.length === 0) throw new UsageError('import needs at least one FILE');
    const inputs: { name: string; text: string }[] = [];
    let unreadable = 0;
    for (const file of a.positionals) {
      try {
        const bytes = readBytes(file, io.cwd);
        inputs.push({ name: path.normalize(file), text: new TextDecoder('utf-8', { fatal: false }).decode(bytes) });
      } catch (e) {
        if (!(e instanceof UnreadableFileError)) throw e;
        io.stderr(`${file}: ML5002 ${e.message}\n`);
        unreadable++;
      }
    }
    const result = importManifests(inputs);
    for (const d of result.diagnostics) io.stderr(`${formatImportDiagnostic(d, inputs[0]?.name ?? 'import')}\n`);
    if (!result.text) return 1;
    io.stdout(result.text);
    return unreadable > 0 || result.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
  },
};

export default importCommand;
