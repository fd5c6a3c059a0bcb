/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import { parsePattern, serializePattern } from './language';

const FILES = import.meta.glob('./catalog/*.yaml', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const TOPICS = import.meta.glob('../docs/catalog.md', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

describe('the catalog', () => {
  const entries = Object.entries(FILES).map(([path, text]) => ({ file: path.split('/').pop()!, text, parsed: parsePattern(text) }));

  it('has at least 60 distinct, valid patterns named after their files', () => {
    expect(entries.length).toBeGreaterThanOrEqual(60);
    for (const e of entries) {
      expect(e.parsed.diagnostics, e.file).toEqual([]);
      expect(`${e.parsed.pattern?.metadata.name}.yaml`).toBe(e.file);
    }
    expect(new Set(entries.map((e) => e.parsed.pattern?.metadata.title)).size).toBe(entries.length);
    expect(new Set(entries.map((e) => JSON.stringify(e.parsed.pattern?.spec))).size).toBe(entries.length);
  });

  it('gives every pattern a real spec and a described intent, with the sections readers expect', () => {
    for (const { file, parsed } of entries) {
      const p = parsed.pattern!;
      expect(p.spec.services.length + p.spec.externalServices.length, file).toBeGreaterThan(0);
      expect(p.spec.routes.length + p.spec.policies.length, file).toBeGreaterThan(0);
      expect(p.metadata.summary.length, file).toBeGreaterThan(20);
      const paragraphs = p.metadata.description.split(/\n\s*\n/).filter((s) => s.trim().length > 0);
      expect(paragraphs.length, file).toBeGreaterThanOrEqual(6);
      for (const heading of ['## Intent', '## When to use', '## How it works', '## Best practices', '## Caveats', '## Related patterns']) {
        expect(p.metadata.description, `${file}: ${heading}`).toContain(heading);
      }
    }
  });

  it('names only existing patterns under "Related patterns"', () => {
    const names = new Set(entries.map((e) => e.parsed.pattern!.metadata.name));
    for (const { file, parsed } of entries) {
      const related = parsed.pattern!.metadata.description.split('## Related patterns')[1] ?? '';
      for (const [, name] of related.matchAll(/`([a-z0-9-]+)`/g)) expect(names.has(name!), `${file} relates to unknown ${name}`).toBe(true);
    }
  });

  it('keeps every file in canonical form', () => {
    for (const { file, text, parsed } of entries) expect(serializePattern(parsed.source ?? parsed.pattern!), file).toBe(text);
  });

  it('maps every book topic in docs/catalog.md to existing patterns', () => {
    const doc = Object.values(TOPICS)[0] ?? '';
    const names = new Set(entries.map((e) => e.parsed.pattern!.metadata.name));
    const rows = doc.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Topic') && !l.startsWith('| ---'));
    expect(rows.length).toBeGreaterThanOrEqual(55);
    for (const row of rows) {
      const linked = [...row.matchAll(/\[`([a-z0-9-]+)`\]/g)].map((m) => m[1]!);
      expect(linked.length, row).toBeGreaterThan(0);
      for (const n of linked) expect(names.has(n), `${row}: ${n}`).toBe(true);
    }
  });
});
