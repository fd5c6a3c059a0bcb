import type { Metadata } from 'next';
import Link from 'next/link';
import { AutoSubmitForm } from '@/components/catalog/auto-submit-form';
import { catalogHref, catalogQueryFromParams, humanize, toggled, type TSearchParams } from '@/components/catalog/catalog-params';
import { CompatibilityBadges } from '@/components/catalog/compatibility-badges';
import { SyncedCheckbox, SyncedSearch, SyncedSelect } from '@/components/catalog/synced-inputs';
import type { TMeshId } from '@/patterns/language';
import { MESH_TITLES } from '@/server/adapters/capabilities';
import { getServerCaller } from '@/server/api/server-caller';
import type { CatalogQuery, FacetValue } from '@/server/services/patterns/search-catalog';

export const metadata: Metadata = { title: 'Catalog of service-mesh patterns' };

const SORT_LABELS = { relevance: 'Best match', title: 'Title A–Z', updated: 'Recently updated', category: 'Category' } as const;
const TAGS_SHOWN = 24;

export default async function CatalogPage({ searchParams }: { searchParams: Promise<TSearchParams> }) {
  const query = catalogQueryFromParams(await searchParams);
  const result = await (await getServerCaller()).patterns.catalog(query);
  const { entries, facets, total } = result;
  const active = [
    ...(query.categories ?? []).map((v) => ({ facet: 'categories' as const, value: v, label: humanize(v) })),
    ...(query.tags ?? []).map((v) => ({ facet: 'tags' as const, value: v, label: `#${v}` })),
    ...(query.meshes ?? []).map((v) => ({ facet: 'meshes' as const, value: v, label: `works on ${MESH_TITLES[v]}` })),
  ];
  const selectedTags = new Set(query.tags);
  const tags = [...facets.tags.filter((t) => selectedTags.has(t.value)), ...facets.tags.filter((t) => !selectedTags.has(t.value)).slice(0, TAGS_SHOWN)];

  return (
    <>
      <h1>Service-mesh patterns</h1>
      <p className="lede">
        Mesh-agnostic, single-file patterns — circuit breakers, retries, canaries, mTLS and more — ready to design, share and render for your mesh.
      </p>
      <AutoSubmitForm action="/" className="catalog" label="Search and filter patterns">
        <div className="catalog-bar">
          <label className="grow">
            <span className="visually-hidden">Search patterns</span>
            <SyncedSearch name="q" value={query.q ?? ''} placeholder="Search title, tags, description…" aria-label="Search patterns" data-testid="catalog-search" />
          </label>
          <label className="row" style={{ fontWeight: 400 }}>
            Sort
            <SyncedSelect name="sort" value={query.sort ?? ''} aria-label="Sort by" data-testid="catalog-sort">
              <option value="">{query.q ? SORT_LABELS.relevance : SORT_LABELS.title}</option>
              {(Object.keys(SORT_LABELS) as (keyof typeof SORT_LABELS)[])
                .filter((s) => s !== 'relevance' && (s !== 'title' || query.q))
                .map((s) => (
                  <option key={s} value={s}>
                    {SORT_LABELS[s]}
                  </option>
                ))}
            </SyncedSelect>
          </label>
          <button className="btn" type="submit">
            Apply
          </button>
        </div>
        <div className="catalog-body">
          <aside className="facets" aria-label="Filters">
            <Facet legend="Category" name="category" values={facets.categories} selected={query.categories ?? []} label={humanize} />
            <Facet legend="Works on" name="mesh" values={facets.meshes} selected={query.meshes ?? []} label={(m) => MESH_TITLES[m as TMeshId] ?? m} keepZero />
            <Facet legend="Tags" name="tag" values={tags} selected={query.tags ?? []} label={(t) => `#${t}`} />
          </aside>
          <section className="results" aria-labelledby="results-heading">
            <div className="row results-head">
              <h2 id="results-heading" className="results-count" data-testid="result-count" aria-live="polite">
                {entries.length === total ? `${total} patterns` : `${entries.length} of ${total} patterns`}
              </h2>
              {active.map((a) => (
                <Link key={`${a.facet}:${a.value}`} className="chip active-filter" href={catalogHref(toggled(query, a.facet, a.value))} aria-label={`Remove filter ${a.label}`}>
                  {a.label} ✕
                </Link>
              ))}
              {(active.length > 0 || query.q) && (
                <Link href="/" className="meta" data-testid="clear-filters">
                  Clear all
                </Link>
              )}
            </div>
            {entries.length === 0 ? (
              <NoResults query={query} total={total} />
            ) : (
              <ul className="pattern-list" data-testid="pattern-list" aria-label="Patterns">
                {entries.map((p) => (
                  <li key={p.name} className="card" data-testid="pattern-card">
                    <h3>
                      <Link href={`/patterns/${encodeURIComponent(p.name)}`}>{p.title}</Link>
                    </h3>
                    <p>{p.summary}</p>
                    <div>
                      <span className="chip category">{humanize(p.category)}</span>
                      {p.visibility !== 'public' && <span className="chip">{p.visibility}</span>}
                      {p.tags.slice(0, 5).map((t) => (
                        <span key={t} className="chip">
                          #{t}
                        </span>
                      ))}
                    </div>
                    <CompatibilityBadges compatibility={p.compatibility} />
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      </AutoSubmitForm>
    </>
  );
}

function Facet({ legend, name, values, selected, label, keepZero }: { legend: string; name: string; values: FacetValue[]; selected: string[]; label: (v: string) => string; keepZero?: boolean }) {
  const shown = values.filter((v) => keepZero || v.count > 0 || selected.includes(v.value));
  if (shown.length === 0) return null;
  return (
    <fieldset className="facet" data-testid={`facet-${name}`}>
      <legend>{legend}</legend>
      {shown.map((v) => (
        <label key={v.value} className="facet-option">
          <SyncedCheckbox name={name} value={v.value} checked={selected.includes(v.value)} />
          <span className="facet-label">{label(v.value)}</span>
          <span className="facet-count" aria-label={`${v.count} patterns`}>
            {v.count}
          </span>
        </label>
      ))}
    </fieldset>
  );
}

function NoResults({ query, total }: { query: CatalogQuery; total: number }) {
  if (total === 0) {
    return (
      <div className="empty card" data-testid="empty">
        <p>The catalog is empty. Run <code>npm run setup</code> to load the shipped patterns, or <Link href="/patterns/new">write one</Link>.</p>
      </div>
    );
  }
  const withoutFilters: CatalogQuery = query.q ? { q: query.q } : {};
  return (
    <div className="empty card" data-testid="empty">
      <p>
        No pattern matches {query.q ? <>“{query.q}”</> : 'these filters'}
        {(query.categories?.length || query.tags?.length || query.meshes?.length) && query.q ? ' with these filters' : ''}.
      </p>
      <p>
        {query.q && (query.categories?.length || query.tags?.length || query.meshes?.length) ? (
          <>
            <Link href={catalogHref(withoutFilters)}>Search all categories and meshes</Link> ·{' '}
          </>
        ) : null}
        <Link href="/">Show all {total} patterns</Link> · <Link href="/patterns/new">Write your own</Link>
      </p>
    </div>
  );
}
