import { expect, test } from '@playwright/test';

test('the home page lists the seeded catalog by title', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Service-mesh patterns');
  const cards = page.getByTestId('pattern-card');
  expect(await cards.count()).toBeGreaterThanOrEqual(8);
  await expect(cards.getByRole('link', { name: 'Canary deployment with weighted traffic' })).toBeVisible();
});

test('a catalog pattern page shows its title, description and file without signing in', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('pattern-card').first().getByRole('link').click();
  await expect(page.getByTestId('pattern-title')).not.toBeEmpty();
  await expect(page.getByTestId('pattern-yaml')).toContainText('apiVersion: meshloom.dev/v1alpha1');
  await expect(page.getByTestId('edit')).toHaveCount(0);
});

test('the JSON Schema is served at a stable URL', async ({ request }) => {
  const res = await request.get('/schema/v1alpha1/pattern.json');
  expect(res.status()).toBe(200);
  const schema = await res.json();
  expect(schema.properties.apiVersion).toBeTruthy();
  expect(JSON.stringify(schema)).toContain('CircuitBreaker');
});
