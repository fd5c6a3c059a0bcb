import { describe, expect, it } from 'vitest';
import { catalogHref, catalogQueryFromParams, toggled } from './catalog-params';

describe('catalog URL state', () => {
  it('round-trips a view through its URL', () => {
    const query = catalogQueryFromParams({ q: 'retry', category: ['resiliency', 'security'], tag: 'mtls', mesh: ['istio', 'bogus'], sort: 'updated' });
    expect(query).toEqual({ q: 'retry', categories: ['resiliency', 'security'], tags: ['mtls'], meshes: ['istio'], sort: 'updated' });
    const href = catalogHref(query);
    expect(href).toBe('/?q=retry&category=resiliency&category=security&tag=mtls&mesh=istio&sort=updated');
    const back = catalogQueryFromParams(Object.fromEntries([...new URLSearchParams(href.slice(2)).keys()].map((k) => [k, new URLSearchParams(href.slice(2)).getAll(k)])));
    expect(back).toEqual(query);
  });
  it('ignores unknown sorts and meshes, and toggles facet values', () => {
    expect(catalogQueryFromParams({ sort: 'random', mesh: 'nginx' })).toEqual({ categories: [], tags: [], meshes: [] });
    expect(toggled({ tags: ['a', 'b'] }, 'tags', 'a').tags).toEqual(['b']);
    expect(toggled({}, 'meshes', 'kuma').meshes).toEqual(['kuma']);
    expect(catalogHref({})).toBe('/');
  });
});
