/// <reference types="vite/client" />
// Test-only: fixture texts loaded through Vite's glob import (no node: builtins in this folder).

function byName(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, text]) => [path.split('/').pop()!, text]));
}

/** testdata/valid/*.yaml by file name. */
export const VALID_FIXTURES = byName(import.meta.glob('./testdata/valid/*.yaml', { query: '?raw', import: 'default', eager: true }));
/** patterns/catalog/*.yaml by file name (others write these; there may be few). */
export const CATALOG_FIXTURES = byName(import.meta.glob('../catalog/*.yaml', { query: '?raw', import: 'default', eager: true }));

/** A valid pattern with `n` services, each with two versions, a weighted route and a policy. */
export function generatePattern(n: number): string {
  const lines = [
    'apiVersion: meshloom.dev/v1alpha1',
    'kind: Pattern',
    'metadata:',
    `  name: generated-${n}`,
    `  title: Generated pattern with ${n} services`,
    '  category: performance',
    'spec:',
    '  services:',
  ];
  for (let i = 0; i < n; i++) {
    lines.push(`    - name: svc-${i}`, '      namespace: bench', '      ports: [8080]', '      versions: [v1, v2]', `      calls: [svc-${(i + 1) % n}]`);
  }
  lines.push('  routes:');
  for (let i = 0; i < n; i++) {
    lines.push(`    - service: svc-${i}`, '      rules:', '        - backends: [{version: v1, weight: 90}, {version: v2, weight: 10}]', '          timeout: 2s');
  }
  lines.push('  policies:');
  for (let i = 0; i < n; i++) lines.push(`    - {kind: CircuitBreaker, target: svc-${i}, consecutiveErrors: 5}`);
  return `${lines.join('\n')}\n`;
}

/** The minimal valid header, to which tests append a spec body. */
export const HEADER = `apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata:
  name: t
  title: Test
  category: foundational
spec:
`;
