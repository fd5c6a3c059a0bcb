import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { humanize } from '@/components/catalog/catalog-params';
import { CompatibilityBadges } from '@/components/catalog/compatibility-badges';
import { PatternCheckBadge } from '@/components/checks/pattern-check-badge';
import { PatternDiagramIsland } from '@/components/canvas/pattern-diagram-island';
import { DeployPanel } from '@/components/deploy/deploy-panel';
import { PatternActions } from '@/components/patterns/pattern-actions';
import { PatternFilePanel } from '@/components/patterns/pattern-file-panel';
import { parsePattern } from '@/patterns/language';
import { featuresOf } from '@/patterns/language/features';
import { patternToGraph } from '@/patterns/language/graph';
import { layoutGraphWithLabels } from '@/patterns/language/layout';
import { compatibilityOf } from '@/server/adapters/capabilities';
import { getServerCaller } from '@/server/api/server-caller';
import { renderMarkdown } from '@/server/markdown';

type Props = { params: Promise<{ name: string }> };

const load = cache(async (name: string) => (await getServerCaller()).patterns.get({ name: decodeURIComponent(name) }).catch(() => null));

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const p = await load((await params).name);
  return p ? { title: p.title, description: p.summary } : { title: 'Pattern not found' };
}

export default async function PatternPage({ params }: Props) {
  const [pattern, me] = await Promise.all([load((await params).name), (await getServerCaller()).session.me()]);
  if (!pattern) notFound();
  const check = await (await getServerCaller()).checks.latestByPattern({ pattern: pattern.name }).catch(() => null);
  const parsed = parsePattern(pattern.text);
  const graph = parsed.pattern ? patternToGraph(parsed.pattern) : undefined;
  const layout = graph && parsed.pattern ? await layoutGraphWithLabels(graph, { saved: parsed.pattern.layout }) : undefined;
  const features = parsed.pattern ? featuresOf(parsed.pattern) : [];
  const compatibility = compatibilityOf(features);
  const href = (suffix = '') => `/patterns/${encodeURIComponent(pattern.name)}${suffix}`;

  return (
    <article className="pattern-page">
      <header>
        <p className="meta">
          <Link href="/">Catalog</Link> / <Link href={`/?category=${encodeURIComponent(pattern.category)}`}>{humanize(pattern.category)}</Link>
        </p>
        <h1 data-testid="pattern-title">{pattern.title}</h1>
        <p className="lede">{pattern.summary}</p>
        <p className="meta">
          {pattern.tags.map((t) => (
            <Link key={t} className="chip" href={`/?tag=${encodeURIComponent(t)}`}>
              #{t}
            </Link>
          ))}{' '}
          {pattern.visibility} · version {pattern.version}
          {pattern.ownerName ? ` · by ${pattern.ownerName}` : pattern.source === 'catalog' ? ' · from the catalog' : ''}
          {pattern.forkedFrom ? (
            <>
              {' '}
              · forked from <Link href={`/patterns/${encodeURIComponent(pattern.forkedFrom)}`}>{pattern.forkedFrom}</Link>
            </>
          ) : null}
        </p>
        <div className="row">
          <Link className="btn primary" href={`/designer?pattern=${encodeURIComponent(pattern.name)}`} data-testid="open-designer">
            Open in designer
          </Link>
          {pattern.canEdit && (
            <Link className="btn" href={href('/edit')} data-testid="edit">
              Edit
            </Link>
          )}
          <PatternActions name={pattern.name} canEdit={pattern.canEdit} signedIn={!!me} />
          <Link className="btn" href={href('/history')}>
            History
          </Link>
        </div>
      </header>

      <section aria-labelledby="compat-heading">
        <h2 id="compat-heading">Mesh compatibility</h2>
        <p className="meta">Computed from the features this pattern uses and what each mesh adapter declares it can express.</p>
        <CompatibilityBadges compatibility={compatibility} detail />
        <PatternCheckBadge check={check} name={pattern.name} />
      </section>

      <section aria-labelledby="deploy-heading">
        <h2 id="deploy-heading">Deploy</h2>
        <p className="meta">Run version {pattern.version} on the local sandbox or a Kubernetes cluster: see the plan first, then deploy and watch it happen.</p>
        <DeployPanel
          patternName={pattern.name}
          version={pattern.version}
          role={me?.role ?? null}
          {...(parsed.ok ? {} : { blockedReason: 'This pattern has errors, so it cannot be deployed. Fix them first.' })}
        />
      </section>

      {graph && layout && (
        <section aria-labelledby="diagram-heading">
          <h2 id="diagram-heading">Diagram</h2>
          <PatternDiagramIsland graph={graph} positions={layout.nodes} labels={layout.labels} />
        </section>
      )}

      <div className="pattern-columns">
        {pattern.description && (
          <section aria-labelledby="about-heading" className="description-section">
            <h2 id="about-heading">About this pattern</h2>
            {/* renderMarkdown escapes raw HTML and unsafe links: see server/markdown.ts */}
            <div className="markdown" data-testid="description" dangerouslySetInnerHTML={{ __html: renderMarkdown(pattern.description) }} />
          </section>
        )}
        <section aria-labelledby="file-heading" className="file-section">
          <h2 id="file-heading">Pattern file</h2>
          <PatternFilePanel name={pattern.name} text={pattern.text} parameters={parsed.pattern?.spec.parameters ?? []} />
        </section>
      </div>
    </article>
  );
}
