import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

async function cardCount(page: Page) {
  return page.getByTestId('pattern-card').count();
}

async function titles(page: Page) {
  return page.getByTestId('pattern-card').getByRole('heading').allTextContents();
}

test('search narrows the list, and the URL carries it', async ({ page }) => {
  await page.goto('/');
  const total = await cardCount(page);
  expect(total).toBeGreaterThanOrEqual(8);
  await page.getByTestId('catalog-search').fill('circuit breaker');
  await expect(page).toHaveURL(/q=circuit\+breaker/);
  await expect.poll(() => cardCount(page)).toBeLessThan(total);
  expect((await titles(page))[0]).toMatch(/circuit breaker/i);
  await expect(page.getByTestId('result-count')).toContainText(`of ${total} patterns`);

  await page.getByTestId('catalog-search').fill('zzzz-no-such-thing');
  await expect(page.getByTestId('empty')).toContainText('No pattern matches');
  await page.getByRole('link', { name: /Show all \d+ patterns/ }).click();
  await expect.poll(() => cardCount(page)).toBe(total);
});

test('two filters combine, and the URL restores the same view', async ({ page, browser }) => {
  await page.goto('/');
  const all = await cardCount(page);
  await page.getByTestId('facet-category').getByLabel(/Resiliency/).check();
  await expect(page).toHaveURL(/category=resiliency/);
  await expect.poll(() => cardCount(page)).toBeLessThan(all);
  const resiliency = await cardCount(page);
  for (const card of await page.getByTestId('pattern-card').all()) await expect(card.locator('.chip.category')).toHaveText('Resiliency');

  // Linkerd has no fault injection: requiring it leaves fewer resiliency patterns.
  await page.getByTestId('facet-mesh').getByLabel('Linkerd').check();
  await expect(page).toHaveURL(/category=resiliency.*mesh=linkerd|mesh=linkerd.*category=resiliency/);
  await expect.poll(() => cardCount(page)).toBeLessThan(resiliency);
  const combined = await titles(page);
  expect(combined).not.toContain('Fault injection for chaos experiments');
  for (const card of await page.getByTestId('pattern-card').all()) {
    await expect(card.locator('[data-mesh="linkerd"]')).not.toHaveAttribute('data-level', 'none');
  }

  const url = page.url();
  const fresh = await (await browser.newContext()).newPage();
  await fresh.goto(url);
  expect(await titles(fresh)).toEqual(combined);
  await expect(fresh.getByTestId('facet-category').getByLabel(/Resiliency/)).toBeChecked();
  await expect(fresh.getByTestId('facet-mesh').getByLabel('Linkerd')).toBeChecked();
  // Removing one filter from the chips keeps the other.
  await fresh.getByRole('link', { name: 'Remove filter works on Linkerd' }).click();
  await expect(fresh).toHaveURL(/category=resiliency$/);
  await expect.poll(() => cardCount(fresh)).toBe(resiliency);
});

test('the filters work from the keyboard', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('catalog-search').focus();
  await page.keyboard.type('rate limit');
  await expect(page).toHaveURL(/q=rate\+limit/);
  await expect(page.getByTestId('catalog-search')).toBeFocused();
  await page.getByTestId('facet-category').getByLabel(/Resiliency/).focus();
  await page.keyboard.press('Space');
  await expect(page).toHaveURL(/category=resiliency/);
  await expect(page.getByTestId('facet-category').getByLabel(/Resiliency/)).toBeFocused();
});

test('a pattern page shows diagram, description and YAML; download gives the same YAML', async ({ page }) => {
  await page.goto('/patterns/canary-deployment');
  await expect(page.getByTestId('pattern-title')).toHaveText('Canary deployment with weighted traffic');
  await expect(page.getByTestId('description').getByRole('heading', { name: 'Intent' })).toBeVisible();
  await expect(page.locator('.react-flow__node').first()).toBeVisible();
  await expect(page.locator('.react-flow__node')).toHaveCount(2);
  await expect(page.getByTestId('compatibility').first()).toBeVisible();
  const yaml = await page.getByTestId('pattern-yaml').textContent();
  expect(yaml).toContain('name: canary-deployment');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-yaml').click()]);
  expect(download.suggestedFilename()).toBe('canary-deployment.yaml');
  expect(readFileSync((await download.path())!, 'utf8')).toBe(yaml);

  // Parameters re-render the file: only the default changes, and the download follows.
  await page.getByTestId('param-canaryWeight').fill('25');
  await page.getByTestId('param-stableWeight').fill('75');
  const tuned = await page.getByTestId('pattern-yaml').textContent();
  expect(tuned).toContain('default: 25');
  expect(tuned).toContain('default: 75');
  await expect(page.getByTestId('diagnostics')).toHaveCount(0);
  const [again] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-yaml').click()]);
  expect(readFileSync((await again.path())!, 'utf8')).toBe(tuned);

  await page.getByTestId('resolved-toggle').check();
  await expect(page.getByTestId('pattern-yaml')).toContainText('weight: 25');
});

test('the catalog works in a narrow window', async ({ browser }) => {
  const ctx = await browser.newContext({ viewport: { width: 380, height: 800 } });
  const page = await ctx.newPage();
  await page.goto('/');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(380);
  await page.getByTestId('pattern-card').first().getByRole('link').click();
  await expect(page.getByTestId('pattern-title')).toBeVisible();
  await ctx.close();
});

test('a pattern page renders the pattern for each mesh, server-side', async ({ page }) => {
  await page.goto('/patterns/circuit-breaker');
  const tabs = page.getByTestId('mesh-tabs');
  await tabs.getByTestId('mesh-tab-istio').click();
  await expect(page.getByTestId('mesh-summary')).toContainText(/\d+ objects/);
  await expect(page.getByTestId('mesh-kinds')).toContainText('DestinationRule');
  await tabs.getByTestId('mesh-tab-kuma').click();
  await expect(page.getByTestId('mesh-kinds')).toContainText('MeshCircuitBreaker');
  // A mesh that cannot express a feature says so.
  await tabs.getByTestId('mesh-tab-smi').click();
  await expect(page.getByTestId('mesh-diagnostics')).toContainText('ML4001');
});

test('the compatibility matrix shows every mesh and feature from the declared capabilities', async ({ page }) => {
  await page.goto('/compatibility');
  const matrix = page.getByTestId('matrix');
  await expect(matrix.locator('thead th')).toHaveCount(9);
  await expect(matrix.locator('td[data-mesh="istio"][data-feature="fault-abort"]')).toHaveText('✓');
  await expect(matrix.locator('td[data-mesh="linkerd"][data-feature="fault-abort"]')).toHaveText('✕');
});
