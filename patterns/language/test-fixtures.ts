/// <reference types="vite/client" />
// Test-only: fixture texts loaded through Vite's glob import (no node: builtins in this folder).

function byName(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, text]) => [path.split('/').pop()!, text]));
}

/** testdata/valid/*.yaml by file name. */
export const VALID_FIXTURES = byName(import.meta.glob('./testdata/valid/*.yaml', { query: '?raw', import: 'default', eager: true }));
/** patterns/catalog/*.yaml by file name (others write these; there may be few). */
export const CATALOG_FIXTURES = byName(import.meta.glob('../catalog/*.yaml', { query: '?raw', import: 'default', eager: true }));

export { generatePattern } from './generate';

/** The minimal valid header, to which tests append a spec body. */
export const HEADER = `apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata:
  name: t
  title: Test
  category: foundational
spec:
`;
