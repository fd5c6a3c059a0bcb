// The run result as the server renders it (no browser needed): what a failed deploy shows.
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { TRunDto } from '@/server/services/deploy/dto';
import { RunResult, UnifiedDiff } from './run-view';

const failed: TRunDto = {
  id: 'r1',
  deploymentId: 'd1',
  kind: 'apply',
  actor: 'Olive',
  patternVersion: 2,
  state: 'failed',
  ok: false,
  changed: true,
  error: { code: 'ML7011', message: 'quotes-v1-0 exited <script>alert(1)</script>', hint: 'Look at its log.' },
  outcomes: [
    { key: 'file/haproxy.cfg', kind: 'ProxyConfig', name: 'haproxy.cfg', action: 'update', status: 'applied' },
    { key: 'process/web/v1/0', kind: 'Workload', name: 'web-v1-0', action: 'create', status: 'applied' },
    { key: 'process/quotes/v1/0', kind: 'Workload', name: 'quotes-v1-0', action: 'create', status: 'failed', message: 'exit code 1' },
    { key: 'process/haproxy', kind: 'Proxy', name: 'haproxy', action: 'update', status: 'skipped' },
  ],
  summary: { create: 2, update: 2 },
  startedAt: '2026-11-25T10:00:00.000Z',
  finishedAt: '2026-11-25T10:00:01.000Z',
};

describe('RunResult', () => {
  it('shows a failed deploy with its code, exactly what was applied, and a Roll back button', () => {
    const html = renderToStaticMarkup(<RunResult run={failed} onRollback={() => undefined} />);
    expect(html).toContain('ML7011: quotes-v1-0 exited');
    expect(html).toContain('Look at its log.');
    expect(html).toContain('Applied before the failure</strong> (2)');
    expect(html).toContain('update ProxyConfig <code>haproxy.cfg</code>');
    expect(html).toContain('create Workload <code>web-v1-0</code>');
    expect(html).toContain('data-testid="rollback"');
    // User-visible text is text, never markup.
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('offers no rollback to someone who may not, and none after a success', () => {
    expect(renderToStaticMarkup(<RunResult run={failed} />)).not.toContain('data-testid="rollback"');
    const ok = renderToStaticMarkup(<RunResult run={{ ...failed, ok: true, state: 'succeeded', changed: false, error: null }} onRollback={() => undefined} />);
    expect(ok).toContain('No changes');
    expect(ok).not.toContain('rollback');
  });

  it('colours a unified diff by line', () => {
    const html = renderToStaticMarkup(<UnifiedDiff diff={'--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n same'} />);
    expect(html).toContain('<span class="diff-del">-old');
    expect(html).toContain('<span class="diff-add">+new');
    expect(html).toContain('<span class="diff-same">--- a');
  });
});
