import Link from 'next/link';
import { PatternCardList } from '@/components/patterns/pattern-card-list';
import { getServerCaller } from '@/server/api/server-caller';

export default async function HomePage({ searchParams }: { searchParams: Promise<{ q?: string | string[] }> }) {
  const q = firstValue((await searchParams).q)?.slice(0, 200);
  const patterns = await (await getServerCaller()).patterns.list(q ? { query: q } : undefined);
  return (
    <>
      <h1>Service-mesh patterns</h1>
      <p className="lede">
        Mesh-agnostic, single-file patterns — circuit breakers, retries, canaries, mTLS and more — ready to design,
        share and render for your mesh.
      </p>
      <form role="search" className="row" action="/" method="get" style={{ marginBottom: 16 }}>
        <label style={{ flex: 1 }}>
          <span className="skip-link">Search patterns</span>
          <input type="search" name="q" defaultValue={q ?? ''} placeholder="Search patterns…" aria-label="Search patterns" style={{ width: '100%' }} />
        </label>
        <button className="btn" type="submit">Search</button>
        <Link className="btn primary" href="/patterns/new">New pattern</Link>
      </form>
      {patterns.length === 0 ? (
        <div className="empty card" data-testid="empty">
          {q ? (
            <>
              No pattern matches “{q}”. <Link href="/">Show all patterns</Link>
            </>
          ) : (
            <>No patterns yet. Run <code>npm run setup</code> to load the catalog, or create one.</>
          )}
        </div>
      ) : (
        <PatternCardList patterns={patterns} />
      )}
    </>
  );
}

function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
