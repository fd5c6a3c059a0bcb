/** Small helpers the adapters share for the strings and objects they render. */

/** Escapes a literal for a regular expression (RE2, Envoy's and PCRE agree on these). */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A copy of `o` without its undefined values (so strict validators see no `key: undefined`). */
export function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
