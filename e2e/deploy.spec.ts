// The deploy flow end to end, on the real local sandbox (HAProxy + sample-app processes on loopback).
import { expect, test, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { signUp } from './helpers';

const PATTERN = 'request-timeouts';

/**
 * Sets an account's role in the e2e server's database. There is no role-management UI yet; the
 * first account of an instance is its admin, everyone after that an editor.
 */
function setRole(email: string, role: 'viewer' | 'operator') {
  const db = new Database('data/e2e/meshloom.db');
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('UPDATE "User" SET role = ? WHERE email = ?').run(role, email);
  } finally {
    db.close();
  }
}

async function signUpOperator(page: Page) {
  const email = await signUp(page, { name: 'Olive' });
  // The first account is the admin; if another spec signed up first, make this one an operator.
  if (!(await page.getByTestId('signed-in-as').textContent())?.includes('(admin)')) {
    setRole(email, 'operator');
    await page.reload();
    await expect(page.getByTestId('signed-in-as')).toContainText('(operator)');
  }
}

test('an operator plans, deploys, re-deploys, checks and undeploys a catalog pattern on the sandbox', async ({ page }) => {
  await signUpOperator(page);
  await page.goto(`/patterns/${PATTERN}`);
  const panel = page.getByTestId('deploy-panel');
  await expect(panel.getByTestId('deploy-target')).toHaveValue('sandbox');
  await expect(panel.getByTestId('deploy-mesh')).toHaveValue('haproxy');
  // Kubernetes is listed, unavailable with the reason (no kubeconfig on this server).
  await expect(panel.getByTestId('deploy-target').locator('option[value="kubernetes"]')).toBeDisabled();
  await expect(panel.getByTestId('deploy-unavailable')).toContainText('Kubernetes is unavailable here: No cluster is configured: set MESHLOOM_KUBECONFIG');
  // Deploying needs a plan first.
  await expect(panel.getByTestId('deploy-apply')).toBeDisabled();

  await panel.getByTestId('deploy-plan').click();
  await expect(panel.getByTestId('plan-summary')).toContainText(/\d+ to create, 0 to update, 0 to delete/);
  const changes = panel.getByTestId('plan-changes').locator('li');
  expect(await changes.count()).toBeGreaterThan(1);
  await expect(changes.first()).toContainText('create');
  // Each change carries its diff: the HAProxy configuration to be written, for one.
  await changes.filter({ hasText: 'haproxy.cfg' }).locator('summary').click();
  await expect(changes.filter({ hasText: 'haproxy.cfg' }).getByTestId('plan-diff')).toContainText('+');

  await panel.getByTestId('deploy-apply').click();
  // Live progress, then the result.
  await expect(panel.getByTestId('progress-list').locator('li').first()).toBeVisible();
  await expect(panel.getByTestId('run-result')).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
  await expect(panel.getByTestId('run-result-summary')).toContainText('Deployed.');
  await expect(panel.getByTestId('run-result-summary')).toContainText('created');
  await expect(panel.getByTestId('progress-list')).toContainText('HAProxy');
  const endpoint = panel.getByTestId('deploy-endpoints').getByTestId('endpoint-link').first();
  await expect(endpoint).toHaveAttribute('href', /^http:\/\/127\.0\.0\.1:\d+/);
  // The endpoint answers for real.
  const href = (await endpoint.getAttribute('href'))!;
  const res = await page.request.get(href);
  expect(res.status()).toBeLessThan(500);

  // The same pattern again: a plan with no changes, and a deploy that changes nothing.
  await expect(panel.getByTestId('deploy-apply')).toBeDisabled();
  await panel.getByTestId('deploy-plan').click();
  await expect(panel.getByTestId('plan-summary')).toContainText('No changes');
  await panel.getByTestId('deploy-apply').click();
  await expect(panel.getByTestId('run-result-summary')).toContainText('No changes');

  // The deployments page: healthy, in sync, logs, then undeploy.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deployments' }).click();
  const row = page.getByTestId(`deployment-${PATTERN}-sandbox-haproxy`);
  await expect(row.getByTestId('deployment-status')).toHaveText('deployed');
  await expect(row).toContainText('v1');
  await expect(row).toContainText('Olive');
  await row.getByTestId('deployment-details').click();
  const detail = page.getByTestId('deployment-detail');
  await expect(detail.getByTestId('deployment-health')).toContainText('healthy');
  await expect(detail.getByTestId('deployment-objects')).toContainText('haproxy');
  await detail.getByTestId('check-drift').click();
  await expect(detail.getByTestId('drift-result')).toContainText('In sync');
  await detail.getByTestId('show-logs').click();
  await expect(detail.getByTestId('logs')).toContainText('listening');

  page.once('dialog', (d) => void d.accept());
  await detail.getByTestId('undeploy').click();
  await expect(detail.getByTestId('run-result-summary')).toContainText('Undeployed.', { timeout: 20_000 });
  await expect(row.getByTestId('deployment-status')).toHaveText('deleted');
  await expect(detail.getByTestId('deployment-health')).toContainText('missing');
  // Its endpoint no longer answers.
  await expect(page.request.get(href, { timeout: 3000 })).rejects.toThrow();
});

test('a viewer sees why they cannot deploy, and the server refuses them', async ({ page }) => {
  const email = await signUp(page, { name: 'Vera' });
  setRole(email, 'viewer');
  await page.goto(`/patterns/${PATTERN}`);
  await expect(page.getByTestId('signed-in-as')).toContainText('(viewer)');
  const panel = page.getByTestId('deploy-panel');
  await expect(panel.getByTestId('deploy-why')).toContainText('needs the operator role; you are viewer');
  await expect(panel.getByTestId('deploy-plan')).toHaveCount(0);
  // Not just hidden: the API says no.
  const res = await page.request.post('/api/trpc/deployments.deploy', { data: { target: 'sandbox', mesh: 'haproxy', pattern: PATTERN } });
  expect(res.status()).toBe(403);
  // Deployments are visible, undeploying is not offered.
  await page.goto('/deployments');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Deployments');
  await expect(page.getByTestId('undeploy')).toHaveCount(0);
});

test('signed out, the deploy panel says to sign in; the designer deploys only a saved design', async ({ page }) => {
  await page.goto(`/patterns/${PATTERN}`);
  await expect(page.getByTestId('deploy-panel').getByTestId('deploy-why')).toContainText('operator role');
  await page.goto('/deployments');
  await expect(page.getByTestId('deployments-signed-out')).toBeVisible();
  await page.goto('/designer');
  await page.getByTestId('tab-deploy').click();
  await expect(page.getByTestId('deploy-blocked')).toContainText('Save first');
});
