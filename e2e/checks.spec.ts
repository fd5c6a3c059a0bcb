// Conformance checks end to end, on the real local sandbox (HAProxy + sample-app processes on loopback).
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { signUpOperator } from './helpers';

test('an operator runs the SMI checks, watches the steps stream in, downloads the JSON, and the matrix shows the measured split on HAProxy', async ({ page }) => {
  test.setTimeout(90_000);
  await signUpOperator(page, 'Cleo');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Checks' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Conformance checks');
  await expect(page.getByTestId('check-target')).toHaveValue('sandbox');
  await expect(page.getByTestId('check-suite-smi')).toBeChecked();
  await expect(page.getByTestId('check-suite-gamma')).not.toBeChecked();
  await expect(page.getByTestId('check-suite-behaviour')).not.toBeChecked();

  await page.getByTestId('check-start').click();
  const run = page.getByTestId('check-run');
  // Steps arrive one line each while the run goes, then the run ends with its totals.
  await expect(run.getByTestId('check-step-line').first()).toBeVisible({ timeout: 20_000 });
  await expect(run).toHaveAttribute('data-status', /^(passed|failed)$/, { timeout: 60_000 });
  await expect(run.getByTestId('check-step-line')).toHaveCount(24);
  await expect(run.getByTestId('check-totals')).toHaveText(/^24 steps: \d+ passed, \d+ failed, \d+ skipped$/);
  // The result per suite: capability badge, every step with its assertion and status.
  const suites = run.getByTestId('check-suite');
  await expect(suites).toHaveCount(3);
  await expect(suites.nth(0)).toContainText('SMI traffic access');
  await expect(suites.nth(2).getByTestId('capability-badge')).toHaveAttribute('data-level', /^(FULL|PARTIAL|NONE)$/);
  await expect(suites.nth(2).getByTestId('check-step')).toHaveCount(11);
  const runId = new URL(page.url()).searchParams.get('run');
  expect(runId).toBeTruthy();
  // The run is listed.
  await expect(page.getByTestId('check-run-row').first()).toContainText('smi');

  const [download] = await Promise.all([page.waitForEvent('download'), run.getByTestId('check-download').click()]);
  expect(download.suggestedFilename()).toBe(`meshloom-check-${runId}.json`);
  const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as {
    id: string;
    target: string;
    mesh: string;
    versions: Record<string, string>;
    suites: { suite: string; steps: { status: string; assertion: string }[] }[];
    totals: { passed: number; failed: number; skipped: number };
  };
  expect(exported).toMatchObject({ id: runId, target: 'sandbox', mesh: 'haproxy' });
  expect(exported.versions.haproxy).toMatch(/^\d/);
  expect(exported.suites.map((s) => s.suite)).toEqual(['smi-access', 'smi-spec', 'smi-split']);
  const steps = exported.suites.flatMap((s) => s.steps);
  expect(steps).toHaveLength(24);
  expect(exported.totals.passed + exported.totals.failed + exported.totals.skipped).toBe(24);
  const splitFailed = exported.suites[2]!.steps.some((s) => s.status === 'FAILED');

  // The compatibility matrix: the HAProxy sandbox column now has measured results for traffic split.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Compatibility' }).click();
  const cell = page.getByTestId('matrix').locator('td[data-mesh="haproxy"][data-feature="traffic-split"]');
  await expect(cell).toHaveAttribute('data-measured', splitFailed ? 'failed' : 'passed');
  await expect(cell.getByTestId('measured')).toHaveText(new RegExp(`^${splitFailed ? '✗' : '✓'} \\d{4}-\\d{2}-\\d{2}$`));
  await expect(cell).toHaveAttribute('title', new RegExp(`measured ${splitFailed ? 'failed' : 'passed'} on .* on sandbox; meshloom .*haproxy \\d`));
  // Meshes the sandbox does not run stay unmeasured.
  await expect(page.getByTestId('matrix').locator('td[data-mesh="istio"][data-feature="traffic-split"] [data-testid="measured"]')).toHaveCount(0);

  // A pattern's badge: untested until a behaviour check ran for it; the SVG route escapes and answers.
  await page.goto('/patterns/request-timeouts');
  await expect(page.getByTestId('pattern-check-badge')).toHaveAttribute('data-status', 'untested');
  const svg = await page.request.get('/api/badges/request-timeouts');
  expect(svg.status()).toBe(200);
  expect(svg.headers()['content-type']).toContain('image/svg+xml');
  expect(await svg.text()).toContain('conformance: untested');
  expect((await page.request.get('/api/badges/%3Cscript%3E')).status()).toBe(404);
  // The per-pattern view of the matrix: that pattern's features only.
  await page.getByTestId('pattern-compat-link').click();
  await expect(page.getByTestId('matrix-pattern')).toContainText('request-timeouts');
  await expect(page.getByTestId('matrix').locator('td[data-mesh="haproxy"][data-feature="request-timeout"]')).toBeVisible();
  await expect(page.getByTestId('matrix').locator('td[data-feature="traffic-split"]')).toHaveCount(0);
});

test('signed out, the Checks page says to sign in and the API refuses to start a run', async ({ page }) => {
  await page.goto('/checks');
  await expect(page.getByTestId('checks-signed-out')).toBeVisible();
  const res = await page.request.post('/api/trpc/checks.start', { data: { suites: ['smi'] } });
  expect(res.status()).toBe(401);
});

test('with "Run conformance after deploy", a successful deploy starts the pattern’s behaviour check, and its page shows the badge', async ({ page }) => {
  test.setTimeout(90_000);
  const PATTERN = 'canary-deployment';
  await signUpOperator(page, 'Dora');
  await page.goto(`/patterns/${PATTERN}`);
  await expect(page.getByTestId('pattern-check-badge')).toHaveAttribute('data-status', 'untested');
  const panel = page.getByTestId('deploy-panel');
  await panel.getByTestId('deploy-check-after').check();
  await panel.getByTestId('deploy-plan').click();
  await expect(panel.getByTestId('plan-summary')).toContainText('to create');
  await panel.getByTestId('deploy-apply').click();
  await expect(panel.getByTestId('run-result')).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
  // The check follows the deploy, live in the panel.
  const status = panel.getByTestId('deploy-check-status');
  await expect(status).toHaveText(/^(passed|failed)$/, { timeout: 60_000 });
  const verdict = (await status.textContent())!;
  await expect(panel.getByTestId('deploy-check')).toContainText(/\d+ steps: \d+ passed/);

  // The pattern page's badge is that result; it links to the run.
  await page.reload();
  const badge = page.getByTestId('pattern-check-badge');
  await expect(badge).toHaveAttribute('data-status', verdict);
  await expect(badge).toContainText(/conformance (passed|failed) · \d{4}-\d{2}-\d{2}/);
  await badge.click();
  await expect(page.getByTestId('check-run')).toHaveAttribute('data-status', verdict);
  await expect(page.getByTestId('check-suite')).toContainText(`Behaviour of ${PATTERN}`);
  // The per-pattern matrix: its traffic split, measured on the HAProxy sandbox by this check.
  await page.goto(`/compatibility?pattern=${PATTERN}`);
  await expect(page.getByTestId('matrix').locator('td[data-mesh="haproxy"][data-feature="traffic-split"]')).toHaveAttribute('data-measured', /^(passed|failed)$/);

  // Clean up: undeploy.
  await page.goto('/deployments');
  const row = page.getByTestId(`deployment-${PATTERN}-sandbox-haproxy`);
  await row.getByTestId('deployment-details').click();
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('deployment-detail').getByTestId('undeploy').click();
  await expect(row.getByTestId('deployment-status')).toHaveText('deleted', { timeout: 20_000 });
});
