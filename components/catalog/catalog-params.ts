import { MESH_IDS, type TMeshId } from '@/patterns/language';
import { CATALOG_SORTS, type CatalogQuery, type CatalogSort } from '@/server/services/patterns/search-catalog';

/** The catalog's view state as it lives in the URL: ?q=…&category=…&tag=…&mesh=…&sort=… */
export type TSearchParams = Record<string, string | string[] | undefined>;

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((s) => s.slice(0, 60)).filter(Boolean);

export function catalogQueryFromParams(params: TSearchParams): CatalogQuery {
  const q = list(params.q)[0]?.slice(0, 200);
  const sort = list(params.sort)[0];
  return {
    ...(q ? { q } : {}),
    categories: list(params.category).slice(0, 20),
    tags: list(params.tag).slice(0, 30),
    meshes: list(params.mesh).filter((m): m is TMeshId => (MESH_IDS as readonly string[]).includes(m)),
    ...(sort && (CATALOG_SORTS as readonly string[]).includes(sort) ? { sort: sort as CatalogSort } : {}),
  };
}

/** The URL of the catalog with `query`, in a stable parameter order (so equal views share one URL). */
export function catalogHref(query: CatalogQuery): string {
  const p = new URLSearchParams();
  if (query.q) p.set('q', query.q);
  for (const c of query.categories ?? []) p.append('category', c);
  for (const t of query.tags ?? []) p.append('tag', t);
  for (const m of query.meshes ?? []) p.append('mesh', m);
  if (query.sort) p.set('sort', query.sort);
  const s = p.toString();
  return s ? `/?${s}` : '/';
}

/** `query` with one facet value toggled. */
export function toggled(query: CatalogQuery, facet: 'categories' | 'tags' | 'meshes', value: string): CatalogQuery {
  const current = (query[facet] ?? []) as string[];
  const next = current.includes(value) ? current.filter((v) => v !== value) : [...current, value];
  return { ...query, [facet]: next };
}

export function humanize(slug: string): string {
  const s = slug.replace(/-/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}
