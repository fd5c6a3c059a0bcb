import { expect, test } from '@playwright/test';

test('the home page lists the seeded catalog and search narrows it', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Service-mesh patterns');
  const cards = page.getByTestId('pattern-card');
  const total = await cards.count();
  expect(total).toBeGreaterThanOrEqual(3);
  const firstTitle = (await cards.first().getByRole('heading').textContent())!.trim();

  await page.getByLabel('Search patterns').fill(firstTitle);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\?q=/);
  await expect(cards.first()).toContainText(firstTitle);
  expect(await cards.count()).toBeLessThan(total);

  await page.getByLabel('Search patterns').fill('zzz-no-such-pattern');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('empty')).toContainText('No pattern matches');
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
