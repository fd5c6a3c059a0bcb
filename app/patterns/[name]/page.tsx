import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { PatternActions } from '@/components/patterns/pattern-actions';
import { getServerCaller } from '@/server/api/server-caller';

type Props = { params: Promise<{ name: string }> };

async function load(name: string) {
  return (await getServerCaller()).patterns.get({ name: decodeURIComponent(name) }).catch(() => null);
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const p = await load((await params).name);
  return { title: p?.title ?? 'Pattern not found' };
}

export default async function PatternPage({ params }: Props) {
  const caller = await getServerCaller();
  const [pattern, me] = await Promise.all([load((await params).name), caller.session.me()]);
  if (!pattern) notFound();
  return (
    <article>
      <h1 data-testid="pattern-title">{pattern.title}</h1>
      <p className="lede">{pattern.summary}</p>
      <p className="meta">
        <span className="chip category">{pattern.category}</span>
        {pattern.tags.map((t) => (
          <span key={t} className="chip">{t}</span>
        ))}
        {' '}
        {pattern.visibility} · version {pattern.version}
        {pattern.ownerName ? ` · by ${pattern.ownerName}` : pattern.source === 'catalog' ? ' · catalog' : ''}
        {pattern.forkedFrom ? (
          <>
            {' '}· forked from <Link href={`/patterns/${encodeURIComponent(pattern.forkedFrom)}`}>{pattern.forkedFrom}</Link>
          </>
        ) : null}
      </p>
      <div className="row">
        {pattern.canEdit && (
          <Link className="btn primary" href={`/patterns/${encodeURIComponent(pattern.name)}/edit`} data-testid="edit">
            Edit
          </Link>
        )}
        <PatternActions name={pattern.name} canEdit={pattern.canEdit} signedIn={!!me} />
        <Link className="btn" href={`/patterns/${encodeURIComponent(pattern.name)}/history`}>History</Link>
      </div>
      {pattern.description && (
        <section aria-labelledby="about">
          <h2 id="about">About</h2>
          <div className="description" data-testid="description">{pattern.description}</div>
        </section>
      )}
      <section aria-labelledby="yaml">
        <h2 id="yaml">Pattern file</h2>
        <pre data-testid="pattern-yaml">{pattern.text}</pre>
      </section>
    </article>
  );
}
