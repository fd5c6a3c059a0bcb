import { MESH_IDS, type TMeshId } from '@/patterns/language';
import { FEATURE_IDS, type TFeature } from '@/patterns/language/features';
import type { TCapabilityLevel } from '@/server/adapters/capability';
import { compatibilityOf } from '@/server/adapters/capabilities';
import type { Prisma } from '@/server/db';
import type { ServiceOptions } from '../types';
import type { PatternSource, PatternSummary, Visibility } from './shared';

export const CATALOG_SORTS = ['relevance', 'title', 'updated', 'category'] as const;
export type CatalogSort = (typeof CATALOG_SORTS)[number];

export interface CatalogQuery {
  /** Words searched in title, summary, tags, name and description; all must occur. */
  q?: string;
  /** Any of these categories (OR within a facet, AND across facets). */
  categories?: string[];
  /** Any of these tags. */
  tags?: string[];
  /** Patterns every one of these meshes can express (fully or partly). */
  meshes?: TMeshId[];
  sort?: CatalogSort;
}

export interface CatalogEntry extends PatternSummary {
  features: TFeature[];
  compatibility: { mesh: TMeshId; level: TCapabilityLevel }[];
}

export interface FacetValue {
  value: string;
  count: number;
}

export interface CatalogResult {
  entries: CatalogEntry[];
  /** Patterns the actor may browse, before any search or filter. */
  total: number;
  /** Counts per value, each computed with the search and the other facets applied. */
  facets: { categories: FacetValue[]; tags: FacetValue[]; meshes: FacetValue[] };
  /** The sort actually used (relevance needs a search). */
  sort: CatalogSort;
}

const select = {
  name: true,
  title: true,
  category: true,
  tags: true,
  summary: true,
  visibility: true,
  source: true,
  version: true,
  updatedAt: true,
  features: true,
  searchText: true,
  owner: { select: { name: true } },
} as const;

type Row = Prisma.PatternGetPayload<{ select: typeof select }>;
type Candidate = { entry: CatalogEntry; score: number; meshes: Set<TMeshId> };

/**
 * The catalog as the actor may browse it (public patterns, their own, all for admins), searched,
 * filtered by facets, sorted; with facet counts. Mesh compatibility is computed from the features
 * each pattern uses and the adapters' declared capabilities.
 */
export async function searchCatalog({ db, actor, q, categories = [], tags = [], meshes = [], sort }: ServiceOptions & CatalogQuery): Promise<CatalogResult> {
  const visible: Prisma.PatternWhereInput = actor?.role === 'admin' ? {} : { OR: [{ visibility: 'public' }, ...(actor ? [{ ownerId: actor.id }] : [])] };
  const terms = tokenize(q);
  const [total, rows] = await Promise.all([
    db.pattern.count({ where: visible }),
    db.pattern.findMany({
      where: { AND: [visible, ...terms.map((t) => ({ searchText: { contains: t } }))] },
      select,
    }),
  ]);
  const candidates = rows.map((row) => toCandidate(row, terms));
  const byCategory = (c: Candidate) => categories.length === 0 || categories.includes(c.entry.category);
  const byTag = (c: Candidate) => tags.length === 0 || c.entry.tags.some((t) => tags.includes(t));
  const byMesh = (c: Candidate) => meshes.every((m) => c.meshes.has(m));

  const effectiveSort: CatalogSort = sort && (sort !== 'relevance' || terms.length > 0) ? sort : terms.length > 0 ? 'relevance' : 'title';
  const entries = candidates.filter((c) => byCategory(c) && byTag(c) && byMesh(c));
  entries.sort(comparator(effectiveSort));
  return {
    entries: entries.map((c) => c.entry),
    total,
    sort: effectiveSort,
    facets: {
      categories: countFacet(candidates.filter((c) => byTag(c) && byMesh(c)), (c) => [c.entry.category]),
      tags: countFacet(candidates.filter((c) => byCategory(c) && byMesh(c)), (c) => c.entry.tags),
      meshes: MESH_IDS.map((m) => ({ value: m as string, count: candidates.filter((c) => byCategory(c) && byTag(c) && c.meshes.has(m)).length })),
    },
  };
}

function tokenize(q: string | undefined): string[] {
  return [...new Set((q ?? '').toLowerCase().split(/\s+/).filter(Boolean))].slice(0, 8);
}

function toCandidate(row: Row, terms: string[]): Candidate {
  const tags = parseStringArray(row.tags);
  const features = parseStringArray(row.features).filter((f): f is TFeature => (FEATURE_IDS as string[]).includes(f));
  const compatibility = compatibilityOf(features).map(({ mesh, level }) => ({ mesh, level }));
  const entry: CatalogEntry = {
    name: row.name,
    title: row.title,
    category: row.category,
    tags,
    summary: row.summary,
    visibility: row.visibility as Visibility,
    source: row.source as PatternSource,
    ...(row.owner ? { ownerName: row.owner.name } : {}),
    version: row.version,
    updatedAt: row.updatedAt.toISOString(),
    features,
    compatibility,
  };
  return { entry, score: score(row, tags, terms), meshes: new Set(compatibility.filter((c) => c.level !== 'none').map((c) => c.mesh)) };
}

/** Where a term occurs counts: title, then tags, name, summary, description. */
function score(row: Row, tags: string[], terms: string[]): number {
  const title = row.title.toLowerCase();
  const summary = row.summary.toLowerCase();
  let total = 0;
  for (const t of terms) {
    if (title.includes(t)) total += title.split(/\W+/).includes(t) ? 12 : 8;
    if (tags.some((tag) => tag === t)) total += 8;
    else if (tags.some((tag) => tag.includes(t))) total += 4;
    if (row.name.includes(t)) total += 4;
    if (summary.includes(t)) total += 3;
    total += Math.min(3, occurrences(row.searchText, t)) * 0.5;
  }
  return total;
}

function occurrences(text: string, term: string): number {
  let n = 0;
  for (let i = text.indexOf(term); i >= 0 && n < 10; i = text.indexOf(term, i + term.length)) n++;
  return n;
}

function comparator(sort: CatalogSort): (a: Candidate, b: Candidate) => number {
  const byTitle = (a: Candidate, b: Candidate) => a.entry.title.localeCompare(b.entry.title) || a.entry.name.localeCompare(b.entry.name);
  switch (sort) {
    case 'relevance':
      return (a, b) => b.score - a.score || byTitle(a, b);
    case 'updated':
      return (a, b) => b.entry.updatedAt.localeCompare(a.entry.updatedAt) || byTitle(a, b);
    case 'category':
      return (a, b) => a.entry.category.localeCompare(b.entry.category) || byTitle(a, b);
    case 'title':
      return byTitle;
  }
}

function countFacet(candidates: Candidate[], values: (c: Candidate) => string[]): FacetValue[] {
  const counts = new Map<string, number>();
  for (const c of candidates) for (const v of new Set(values(c))) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}

function parseStringArray(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}
