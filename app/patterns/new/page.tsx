import Link from 'next/link';
import { PatternEditor } from '@/components/patterns/pattern-editor';
import { getServerCaller } from '@/server/api/server-caller';

export const metadata = { title: 'New pattern' };

const TEMPLATE = `apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata:
  name: my-pattern
  title: My pattern
  category: traffic-management
  tags: []
  summary: What this pattern does, in one line.
spec:
  services:
    - name: web
      ports: [8080]
      versions: [v1, v2]
  routes:
    - service: web
      rules:
        - backends: [{version: v1, weight: 90}, {version: v2, weight: 10}]
          timeout: 2s
`;

export default async function NewPatternPage() {
  const me = await (await getServerCaller()).session.me();
  return (
    <>
      <h1>New pattern</h1>
      {me ? (
        <PatternEditor mode="create" initialText={TEMPLATE} />
      ) : (
        <p className="card">
          Saving a pattern needs an account: <Link href="/sign-in?next=/patterns/new">sign in</Link> or{' '}
          <Link href="/sign-up?next=/patterns/new">create one</Link>.
        </p>
      )}
    </>
  );
}
