import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parsePattern, serializePattern } from '../../patterns/language/index';
import { parseArgs } from '../args';
import { readBytes } from '../files';
import { UsageError, type TCliIO, type TCommand } from '../types';
import { formatDiagnosticLine } from './validate';

const fmt: TCommand = {
  name: 'fmt',
  summary: 'print a pattern in canonical form (--write to rewrite the file, --check to test)',
  usage: 'meshloom fmt FILE [--write | --check]',
  async run(args: string[], io: TCliIO) {
    const a = parseArgs(args, { flags: ['write', 'check'] });
    if (a.positionals.length !== 1) throw new UsageError('fmt takes exactly one FILE');
    if (a.flags.has('write') && a.flags.has('check')) throw new UsageError('--write and --check exclude each other');
    const file = a.positionals[0]!;
    const bytes = readBytes(file, io.cwd);
    const result = parsePattern(bytes);
    if (result.source === undefined) {
      for (const d of result.diagnostics) io.stderr(`${formatDiagnosticLine(file, d)}\n`);
      io.stderr(`meshloom: ${file} is not well-formed YAML; nothing formatted\n`);
      return 1;
    }
    const text = serializePattern(result.source);
    const before = new TextDecoder().decode(bytes);
    if (a.flags.has('check')) {
      if (before === text) return 0;
      io.stderr(`${file}: not in canonical form\n`);
      return 1;
    }
    if (a.flags.has('write')) {
      if (before !== text) writeFileSync(path.resolve(io.cwd, file), text);
      io.stderr(`${file}: ${before === text ? 'unchanged' : 'formatted'}\n`);
      return 0;
    }
    io.stdout(text);
    return 0;
  },
};

export default fmt;
