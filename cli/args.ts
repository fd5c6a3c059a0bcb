import { UsageError } from './types';

/** Parsed command-line arguments: positionals plus `--flag`, `--key value`, `--key=value` (repeatable). */
export interface TArgs {
  positionals: string[];
  flags: Set<string>;
  options: Map<string, string[]>;
}

/** Parses `args` given which options take a value; unknown `--options` are usage errors. */
export function parseArgs(args: string[], spec: { flags?: string[]; options?: string[] }): TArgs {
  const flags = new Set<string>();
  const options = new Map<string, string[]>();
  const positionals: string[] = [];
  const known = new Set([...(spec.flags ?? []), ...(spec.options ?? [])]);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq === -1 ? undefined : eq);
    if (!known.has(name)) throw new UsageError(`unknown option --${name}`);
    if (spec.flags?.includes(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
      continue;
    }
    const value = eq !== -1 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    options.set(name, [...(options.get(name) ?? []), value]);
  }
  return { positionals, flags, options };
}
