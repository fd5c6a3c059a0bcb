import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decodePatternBytes } from '../patterns/language/index';
import { UsageError } from './types';

/** A file that could not be read: exit code 2. */
export class UnreadableFileError extends Error {}

/** Reads a file as bytes (decoding is the language's job, so bad UTF-8 is a diagnostic). */
export function readBytes(file: string, cwd: string): Uint8Array {
  try {
    return readFileSync(path.resolve(cwd, file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new UnreadableFileError(`cannot read ${file}: ${why}`);
  }
}

/** The nearest `patterns/catalog` at or above `dir`, if any. */
export function findCatalogDir(dir: string): string | undefined {
  let d = path.resolve(dir);
  for (;;) {
    const candidate = path.join(d, 'patterns', 'catalog');
    if (existsSync(candidate)) return candidate;
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

/**
 * An include loader for a pattern file: `<name>.yaml` (or `.yml`) next to the file, then in the
 * given catalog directories.
 */
export function createIncludeLoader(file: string, cwd: string, catalogDirs: string[]): (name: string) => string | undefined {
  const dirs = [path.dirname(path.resolve(cwd, file)), ...catalogDirs.map((d) => path.resolve(cwd, d))];
  return (name) => {
    if (!/^[a-z0-9-]+$/.test(name)) return undefined;
    for (const dir of dirs) {
      for (const ext of ['.yaml', '.yml']) {
        const candidate = path.join(dir, name + ext);
        if (!existsSync(candidate)) continue;
        try {
          return decodePatternBytes(readFileSync(candidate)).text;
        } catch {
          return undefined;
        }
      }
    }
    return undefined;
  };
}

/** `--param k=v` options as a record (values stay strings; the parser converts them by type). */
export function paramsFromOptions(values: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes name=value, not '${v}'`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}
