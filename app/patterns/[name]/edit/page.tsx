import { notFound, redirect } from 'next/navigation';
import { PatternEditor } from '@/components/patterns/pattern-editor';
import { getServerCaller } from '@/server/api/server-caller';

export const metadata = { title: 'Edit pattern' };

export default async function EditPatternPage({ params }: { params: Promise<{ name: string }> }) {
  const name = decodeURIComponent((await params).name);
  const caller = await getServerCaller();
  const me = await caller.session.me();
  if (!me) redirect(`/sign-in?next=/patterns/${encodeURIComponent(name)}/edit`);
  const pattern = await caller.patterns.get({ name }).catch(() => null);
  if (!pattern) notFound();
  if (!pattern.canEdit) {
    return (
      <>
        <h1>{pattern.title}</h1>
        <p role="alert" className="error">Only the owner of this pattern (or an administrator) can edit it. Fork it to make your own copy.</p>
      </>
    );
  }
  return (
    <>
      <h1>Edit {pattern.title}</h1>
      <PatternEditor mode="edit" name={pattern.name} initialText={pattern.text} version={pattern.version} visibility={pattern.visibility as 'public' | 'unlisted' | 'private'} />
    </>
  );
}
