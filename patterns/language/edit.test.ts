import { describe, expect, it } from 'vitest';
import { setScalarAt } from './edit';
import { parsePattern } from './parse';

const TEXT = `apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata: {name: t, title: T, category: deployment}   # trailing comment
spec:
  parameters:
    # the canary share
    - {name: canaryWeight, type: integer, default: 10, min: 0, max: 100}
    - name: header
      type: string
      default: "always"
  services: [{name: a, versions: [v1, v2]}]
`;

describe('setScalarAt', () => {
  it('replaces only the value, keeping comments and flow style byte for byte', () => {
    const out = setScalarAt(TEXT, ['spec', 'parameters', 0, 'default'], 25)!;
    expect(out).toBe(TEXT.replace('default: 10,', 'default: 25,'));
    expect(parsePattern(out).pattern?.spec.parameters[0]?.default).toBe(25);
  });
  it('keeps the quote style of strings', () => {
    const out = setScalarAt(TEXT, ['spec', 'parameters', 1, 'default'], 'say "hi"')!;
    expect(out).toContain('default: "say \\"hi\\""');
    expect(parsePattern(out).pattern?.spec.parameters[1]?.default).toBe('say "hi"');
  });
  it('adds a missing key through the document, keeping comments', () => {
    const out = setScalarAt(TEXT, ['spec', 'parameters', 0, 'title'], 'Canary weight')!;
    expect(out).toContain('# the canary share');
    expect(parsePattern(out).pattern?.spec.parameters[0]?.title).toBe('Canary weight');
  });
  it('refuses broken YAML and missing parents', () => {
    expect(setScalarAt('a: [', ['a'], 1)).toBeUndefined();
    expect(setScalarAt(TEXT, ['spec', 'nope', 3, 'x'], 1)).toBeUndefined();
  });
});
