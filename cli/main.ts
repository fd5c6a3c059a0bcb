import { closestMatch } from '../patterns/language/index';
import { COMMANDS } from './commands/index';
import { UnreadableFileError } from './files';
import { UsageError, type TCliIO } from './types';

function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.values(COMMANDS).map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return ['Usage: meshloom <command> [options]', '', 'Commands:', ...lines, `  ${'help'.padEnd(width)}  show this help, or a command's usage`, '', 'Exit codes: 0 ok, 1 problems found, 2 usage errors or unreadable files.', ''].join('\n');
}

const defaultIO: TCliIO = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  cwd: process.cwd(),
};

/**
 * Runs `meshloom` with the given arguments and returns the exit code. Never throws: every
 * failure is a one-line message (no stack traces).
 */
export async function main(argv: string[], io: TCliIO = defaultIO): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      const topic = name === 'help' ? rest[0] : undefined;
      if (topic) {
        const cmd = COMMANDS[topic];
        if (!cmd) throw new UsageError(`unknown command '${topic}'`);
        io.stdout(`${cmd.usage}\n\n${cmd.summary}\n`);
        return 0;
      }
      io.stdout(helpText());
      return name === undefined ? 2 : 0;
    }
    const cmd = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!cmd) {
      const close = closestMatch(name, Object.keys(COMMANDS));
      io.stderr(`meshloom: unknown command '${name}'${close ? ` (did you mean '${close}'?)` : ''}; see meshloom --help\n`);
      return 2;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(`${cmd.usage}\n\n${cmd.summary}\n`);
      return 0;
    }
    try {
      return await cmd.run(rest, io);
    } catch (e) {
      if (e instanceof UsageError) {
        io.stderr(`meshloom ${cmd.name}: ${e.message}\nusage: ${cmd.usage}\n`);
        return 2;
      }
      throw e;
    }
  } catch (e) {
    if (e instanceof UnreadableFileError || e instanceof UsageError) io.stderr(`meshloom: ${e.message}\n`);
    else io.stderr(`meshloom: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}
