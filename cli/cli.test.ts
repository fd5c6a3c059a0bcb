import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BROKEN = 'patterns/language/testdata/broken';
const VALID = 'patterns/language/testdata/valid';
const expected = JSON.parse(readFileSync(path.join(ROOT, BROKEN, 'expected.json'), 'utf8')) as Record<string, { code: string; line: number }[]>;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['bin/meshloom.mjs', ...args], { cwd: ROOT, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr }),
    );
  });
}

const STACK_LINE = /^\s+at /m;

describe('meshloom validate on the broken corpus', () => {
  const files = readdirSync(path.join(ROOT, BROKEN)).filter((f) => f.endsWith('.yaml')).sort();

  it('has an expectation for every file (and at least 15 broken ones)', () => {
    expect(Object.keys(expected).sort()).toEqual(files);
    expect(files.filter((f) => expected[f]!.length > 0).length).toBeGreaterThanOrEqual(15);
  });

  it('reports exactly the expected code and line for each file, without stack traces', async () => {
    const results = await Promise.all(files.map(async (f) => ({ f, ...(await cli('validate', `${BROKEN}/${f}`)) })));
    for (const { f, code, stdout, stderr } of results) {
      const got = [...stdout.matchAll(/^[^\n]*?:(\d+):(\d+) (ML\d{4}) /gm)].map((m) => ({ code: m[3]!, line: Number(m[1]) }));
      expect(got, f).toEqual(expected[f]);
      for (const line of stdout.split('\n').filter((l) => l && !l.startsWith('  hint: '))) expect(line.startsWith(`${BROKEN}/${f}:`), line).toBe(true);
      const warningOnly = new Set(['ML3014']);
      expect(code, f).toBe(expected[f]!.some((e) => !warningOnly.has(e.code)) ? 1 : 0);
      expect(STACK_LINE.test(stdout + stderr), f).toBe(false);
      expect(stderr).toMatch(/^1 file: /m);
    }
  }, 120_000);
});

describe('meshloom commands', () => {
  it('validate passes valid files with exit 0 and counts problems across files', async () => {
    const ok = await cli('validate', `${VALID}/minimal.yaml`, `${VALID}/all-features.yaml`);
    expect(ok).toMatchObject({ code: 0, stdout: '' });
    expect(ok.stderr).toBe('2 files: valid\n');
    const mixed = await cli('validate', `${VALID}/minimal.yaml`, `${BROKEN}/layout-unknown-node.yaml`, `${BROKEN}/bad-enum.yaml`);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toBe('3 files: 1 error, 1 warning\n');
  });

  it('validate takes --param values', async () => {
    const r = await cli('validate', `${VALID}/reviews-canary.yaml`, '--param', 'weight=20');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ML3003 backend weights sum to 110/);
  });

  it('exits 2 on usage errors and unreadable files, with one line and no stack', async () => {
    for (const args of [[], ['validate'], ['nope'], ['validate', 'missing.yaml'], ['validate', BROKEN], ['validate', '--bogus', 'x.yaml'], ['fmt', 'missing.yaml']]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(STACK_LINE.test(r.stdout + r.stderr)).toBe(false);
    }
  });

  it('fmt prints canonical YAML, --check and --write agree', async () => {
    const r = await cli('fmt', `${VALID}/reviews-canary.yaml`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('weight: "${params.weight}"');
    const dir = mkdtempSync(path.join(tmpdir(), 'meshloom-fmt-'));
    const file = path.join(dir, 'p.yaml');
    writeFileSync(file, readFileSync(path.join(ROOT, VALID, 'reviews-canary.yaml')));
    expect((await cli('fmt', file, '--check')).code).toBe(1);
    expect((await cli('fmt', file, '--write')).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(r.stdout);
    expect((await cli('fmt', file, '--check')).code).toBe(0);
    expect((await cli('fmt', `${BROKEN}/malformed-yaml.yaml`)).code).toBe(1);
  });

  it('schema prints the JSON Schema; help lists the commands', async () => {
    const s = await cli('schema');
    expect(JSON.parse(s.stdout).$id).toBe('https://meshloom.dev/schema/v1alpha1/pattern.json');
    const h = await cli('--help');
    expect(h.code).toBe(0);
    for (const c of ['validate', 'fmt', 'schema', 'help']) expect(h.stdout).toContain(`  ${c}`);
  });
});
