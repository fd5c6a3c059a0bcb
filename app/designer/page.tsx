import type { Metadata } from 'next';
import { DesignerIsland } from '@/components/designer/designer-island';
import { getServerCaller } from '@/server/api/server-caller';

export const metadata: Metadata = { title: 'Designer' };

const BLANK = `apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata:
  name: my-design
  title: My design
  category: traffic-management
  summary: What this design does, in one line.
spec:
  services: []
`;

export default async function DesignerPage({ searchParams }: { searchParams: Promise<{ pattern?: string | string[] }> }) {
  const raw = (await searchParams).pattern;
  const name = (Array.isArray(raw) ? raw[0] : raw)?.slice(0, 63);
  const caller = await getServerCaller();
  const [me, pattern, catalog] = await Promise.all([
    caller.session.me(),
    name ? caller.patterns.get({ name }).catch(() => null) : Promise.resolve(null),
    caller.patterns.catalog({ sort: 'title' }),
  ]);
  const blocks = catalog.entries.filter((e) => e.source === 'catalog').map((e) => ({ name: e.name, title: e.title }));
  return (
    <>
      {name && !pattern && (
        <p role="alert" className="error">
          No pattern named “{name}” (or it is private). Starting a new design instead.
        </p>
      )}
      <DesignerIsland
        text={pattern?.text ?? BLANK}
        saved={
          pattern
            ? { name: pattern.name, version: pattern.version, visibility: pattern.visibility, savedText: pattern.text, canEdit: pattern.canEdit }
            : { name: null, version: null, savedText: null, canEdit: true }
        }
        signedIn={!!me}
        catalog={blocks}
      />
    </>
  );
}
