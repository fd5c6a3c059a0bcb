import { patternJsonSchema } from '../../patterns/language/index';
import { parseArgs } from '../args';
import { UsageError, type TCliIO, type TCommand } from '../types';

const schema: TCommand = {
  name: 'schema',
  summary: 'print the JSON Schema of pattern files (for editors and yaml-language-server)',
  usage: 'meshloom schema',
  async run(args: string[], io: TCliIO) {
    const a = parseArgs(args, {});
    if (a.positionals.length > 0) throw new UsageError('schema takes no arguments');
    io.stdout(`${JSON.stringify(patternJsonSchema(), null, 2)}\n`);
    return 0;
  },
};

export default schema;
