import Link from 'next/link';
import { notFound } from 'next/navigation';
import { RevertButton } from '@/components/patterns/revert-button';
import { TextDiff } from '@/components/patterns/text-diff';
import { getServerCaller } from '@/server/api/server-caller';

export const metadata = { title: 'History' };

export default async function HistoryPage({ params }: { params: Promise<{ name: string }> }) {
  const name = decodeURIComponent((await params).name);
  const caller = await getServerCaller();
  const pattern = await caller.patterns.get({ name }).catch(() => null);
  if (!pattern) notFound();
  const revisions = await caller.patterns.history({ name });
  return (
    <>
      <h1>History of {pattern.title}</h1>
      <p className="lede">
        Every save is kept. <Link href={`/patterns/${encodeURIComponent(name)}`}>Back to the pattern</Link>
      </p>
      <table className="revisions" data-testid="revisions">
        <thead>
          <tr><th>Version</th><th>When</th><th>Who</th><th>Message</th><th /></tr>
        </thead>
        <tbody>
          {revisions.map((r, i) => (
            <tr key={r.number}>
              <td>{r.number}</td>
              <td>{new Date(r.createdAt).toISOString().replace('T', ' ').slice(0, 19)} UTC</td>
              <td>{r.authorName ?? '—'}</td>
              <td>
                {r.message}
                {revisions[i + 1] && (
                  <details open={i === 0}>
                    <summary>Changes from version {revisions[i + 1]!.number}</summary>
                    <TextDiff before={revisions[i + 1]!.text} after={r.text} />
                  </details>
                )}
                <details>
                  <summary>Show file</summary>
                  <pre>{r.text}</pre>
                </details>
              </td>
              <td>{pattern.canEdit && r.number !== pattern.version ? <RevertButton name={name} revision={r.number} expectedVersion={pattern.version} /> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
