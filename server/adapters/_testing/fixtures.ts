/**
 * Test-only: what the adapter unit tests share to write small patterns and look into the
 * manifests an adapter renders.
 */
import { expect } from 'vitest';
import { parsePattern } from '@/patterns/language';
import type { TPattern } from '@/patterns/language/schema';
import type { TManifest } from '../types';

/** A rendered object whose spec a test reads freely. */
export type TAnyManifest = TManifest & { spec: any };

/** A pattern `t` (title T) of `category` with the given `spec:` body (YAML, indented by two); throws when it is not valid. */
export function pattern(spec: string, category = 'deployment'): TPattern {
  const text = `apiVersion: meshloom.dev/v1alpha1\nkind: Pattern\nmetadata: {name: t, title: T, category: ${category}}\nspec:\n${spec}`;
  const parsed = parsePattern(text);
  if (!parsed.pattern) throw new Error(JSON.stringify(parsed.diagnostics));
  return parsed.pattern;
}

/** The manifests of one kind (and name, when given), in output order. */
export function findAll(ms: TManifest[], kind: string, name?: string): TManifest[] {
  return ms.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
}

/** The first manifest of one kind and name. */
export function findOne(ms: TManifest[], kind: string, name: string): TAnyManifest | undefined {
  return ms.find((m) => m.kind === kind && m.metadata.name === name) as TAnyManifest | undefined;
}

/** The only manifest of one kind (and name): fails the test unless there is exactly one. */
export function one(ms: TManifest[], kind: string, name?: string): TAnyManifest {
  const found = findAll(ms, kind, name);
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0] as TAnyManifest;
}

/** The `spec` of a manifest, for assertions. */
export function specOf(m: TManifest | undefined): any {
  return (m as { spec?: unknown } | undefined)?.spec;
}

/**
 * The bookinfo services block: productpage calls reviews (versions v1, v2). `ports` gives either
 * service a single port.
 */
export function bookinfoServices(ports: { productpage?: number; reviews?: number } = {}): string {
  const port = (p: number | undefined) => (p === undefined ? '' : `, ports: [${p}]`);
  return `  services:
    - {name: productpage${port(ports.productpage)}, calls: [reviews]}
    - {name: reviews${port(ports.reviews)}, versions: [v1, v2]}
`;
}

/** A rule sending requests with `x-canary: always` to reviews v2. */
export const HEADER_RULE = '{match: {headers: {x-canary: always}}, backends: [{version: v2}]}';
/** A rule splitting reviews 90/10 between v1 and v2. */
export const SPLIT_RULE = '{backends: [{version: v1, weight: 90}, {version: v2, weight: 10}]}';

/** A `routes:` block with one mesh route on reviews, with these rules (flow-style YAML) in order. */
export function reviewsRoute(...rules: string[]): string {
  return `  routes:
    - service: reviews
      rules:
${rules.map((r) => `        - ${r}\n`).join('')}`;
}
