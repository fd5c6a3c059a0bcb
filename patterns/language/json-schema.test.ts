import { describe, expect, it } from 'vitest';
import { patternJsonSchema, PATTERN_SCHEMA_ID } from './index';

type TNode = Record<string, any>;

describe('patternJsonSchema', () => {
  const schema = patternJsonSchema() as TNode;
  const spec = schema.properties.spec.properties;

  it('has an id and a title and is memoized', () => {
    expect(schema.$id).toBe(PATTERN_SCHEMA_ID);
    expect(schema.title).toBe('Meshloom pattern');
    expect(patternJsonSchema()).toBe(schema);
  });

  it('lets number, integer and boolean fields take ${params.x}', () => {
    const weight = spec.routes.items.properties.rules.items.properties.backends.items.properties.weight as TNode;
    expect(weight.anyOf[0]).toMatchObject({ type: 'integer', minimum: 0, maximum: 100 });
    expect(new RegExp(weight.anyOf[1].pattern).test('${params.weight}')).toBe(true);
    expect(weight.description).toMatch(/Share of traffic/);
    const text = JSON.stringify(schema);
    // every scalar non-string type sits in an anyOf next to the param-ref alternative
    const bare = (node: unknown, parentIsAnyOf: boolean): number => {
      if (Array.isArray(node)) return node.reduce((n, x) => n + bare(x, parentIsAnyOf), 0);
      if (!node || typeof node !== 'object') return 0;
      const o = node as TNode;
      const own = ['number', 'integer', 'boolean'].includes(o.type) && !parentIsAnyOf ? 1 : 0;
      return own + Object.entries(o).reduce((n, [k, v]) => n + bare(v, k === 'anyOf'), 0);
    };
    expect(bare(schema, false)).toBe(0);
    expect(text).not.toContain('starts_with');
  });

  it('describes the input side: shorthands are valid, defaults optional', () => {
    const service = spec.services.items as TNode;
    expect(service.required).toEqual(['name']);
    expect(JSON.stringify(service.properties.versions)).toContain('"type":"string"');
  });
});
