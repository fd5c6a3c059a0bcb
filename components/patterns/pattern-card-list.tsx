import Link from 'next/link';

export interface PatternCardData {
  name: string;
  title: string;
  category: string;
  tags: string[];
  summary: string;
  visibility: string;
}

/** The catalog's list of patterns (server-rendered; user text is rendered as text, never as HTML). */
export function PatternCardList({ patterns }: { patterns: PatternCardData[] }) {
  return (
    <ul className="pattern-list" data-testid="pattern-list" aria-label="Patterns">
      {patterns.map((p) => (
        <li key={p.name} className="card" data-testid="pattern-card">
          <h3>
            <Link href={`/patterns/${encodeURIComponent(p.name)}`}>{p.title}</Link>
          </h3>
          <p>{p.summary}</p>
          <div>
            <span className="chip category">{p.category}</span>
            {p.visibility !== 'public' && <span className="chip">{p.visibility}</span>}
            {p.tags.slice(0, 5).map((t) => (
              <span key={t} className="chip">
                {t}
              </span>
            ))}
          </div>
        </li>
      ))}
    </ul>
  );
}
