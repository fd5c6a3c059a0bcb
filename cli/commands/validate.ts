import path from 'node:path';
import { parsePattern, type TDiagnostic } from '../../patterns/language/index';
import { parseArgs } from '../args';
import { createIncludeLoader, findCatalogDir, paramsFromOptions, readBytes, UnreadableFileError } from '../files';
import { UsageError, type TCliIO, type TCommand } from '../types';

/** `FILE:LINE:COL CODE message`, plus an indented hint line. */
export function formatDiagnosticLine(file: string, d: TDiagnostic): string {
  const severity = d.severity === 'error' ? '' : `${d.severity}: `;
  const line = `${file}:${d.line}:${d.column} ${d.code} ${severity}${d.message.replace(/\s*\n\s*/g, ' ')}`;
  return d.hint ? `${line}\n  hint: ${d.hint}` : line;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const validate: TCommand = {
  name: 'validate',
  summary: 'check pattern files; one line per problem, exit 1 on errors',
  usage: 'meshloom validate FILE... [--param name=value]... [--catalog DIR]...',
  async run(args: string[], io: TCliIO) {
    const a = parseArgs(args, { options: ['param', 'catalog'] });
    if (a.positionals.length === 0) throw new UsageError('validate needs at least one FILE');
    const params = paramsFromOptions(a.options.get('param'));
    const catalogs = a.options.get('catalog') ?? [findCatalogDir(io.cwd)].filter((d): d is string => d !== undefined);
    let errors = 0;
    let warnings = 0;
    let unreadable = 0;
    for (const file of a.positionals) {
      let bytes: Uint8Array;
      try {
        bytes = readBytes(file, io.cwd);
      } catch (e) {
        if (!(e instanceof UnreadableFileError)) throw e;
        io.stderr(`meshloom: ${e.message}\n`);
        unreadable++;
        continue;
      }
      const result = parsePattern(bytes, { params, loadInclude: createIncludeLoader(file, io.cwd, catalogs) });
      for (const d of result.diagnostics) {
        if (d.severity === 'error') errors++;
        else if (d.severity === 'warning') warnings++;
        io.stdout(`${formatDiagnosticLine(path.normalize(file), d)}\n`);
      }
    }
    const files = plural(a.positionals.length, 'file');
    if (errors + warnings === 0 && unreadable === 0) io.stderr(`${files}: valid\n`);
    else io.stderr(`${files}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}${unreadable ? `, ${unreadable} unreadable` : ''}\n`);
    return unreadable > 0 ? 2 : errors > 0 ? 1 : 0;
  },
};

export default validate;
