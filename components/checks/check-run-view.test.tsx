// A suite's result and a pattern's badge as the server renders them (no browser needed).
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { TSuiteResult } from '@/server/checks/conformance/types';
import { SuiteResult } from './check-run-view';
import { PatternCheckBadge } from './pattern-check-badge';

const suite: TSuiteResult = {
  suite: 'smi-split',
  title: 'SMI traffic split',
  specVersion: 'SMI traffic split v1alpha4',
  capability: 'PARTIAL',
  durationMs: 2400,
  steps: [
    { suite: 'smi-split', specVersion: 'SMI traffic split v1alpha4', index: 1, name: 'TrafficSplit is available', assertion: 'the adapter supports it', status: 'PASSED', durationMs: 12 },
    { suite: 'smi-split', specVersion: 'SMI traffic split v1alpha4', index: 2, name: '75/25', assertion: 'b gets 75%', status: 'FAILED', durationMs: 1500, expected: 'b receives 75% <b>', observed: 'b received 12%' },
    { suite: 'smi-split', specVersion: 'SMI traffic split v1alpha4', index: 3, name: '25/75', assertion: 'b gets 25%', status: 'SKIPPED', durationMs: 0, reason: 'the app is not deployed' },
  ],
};

describe('SuiteResult', () => {
  it('shows the capability and every step: assertion, status, duration, expected/observed or the reason (as text, never markup)', () => {
    const html = renderToStaticMarkup(<SuiteResult result={suite} />);
    expect(html).toContain('data-level="PARTIAL"');
    expect(html.match(/data-testid="check-step"/g)).toHaveLength(3);
    expect(html).toContain('the adapter supports it');
    expect(html).toContain('<b>expected</b> b receives 75% &lt;b&gt;');
    expect(html).toContain('<b>observed</b> b received 12%');
    expect(html).toContain('the app is not deployed');
    expect(html).toContain('1.5 s');
    expect(html).toContain('12 ms');
  });
});

describe('PatternCheckBadge', () => {
  it('says untested until a behaviour check ran, then the verdict with its date and a link to the run', () => {
    expect(renderToStaticMarkup(<PatternCheckBadge check={{ pattern: 'p', status: 'untested', latest: null, byMesh: [] }} name="p" />)).toContain('conformance untested');
    const latest = { status: 'failed' as const, runId: 'run-1', target: 'sandbox' as const, mesh: 'haproxy', capability: 'PARTIAL' as const, totals: { passed: 2, failed: 1, skipped: 0 }, versions: {}, at: '2026-11-25T14:00:00.000Z' };
    const html = renderToStaticMarkup(<PatternCheckBadge check={{ pattern: 'p', status: 'failed', latest, byMesh: [latest] }} name="p" />);
    expect(html).toContain('href="/checks?run=run-1"');
    expect(html).toContain('conformance failed · 2026-11-25');
    expect(html).toContain('href="/compatibility?pattern=p"');
    expect(html).toContain('href="/api/badges/p"');
  });
});
