import { expect, test } from '@playwright/test';
import { patternYaml, setEditorText, signUp } from './helpers';

test('sign up, create a pattern, edit it, see its history', async ({ page }) => {
  await signUp(page, { name: 'Ada' });
  const name = `canary-${Date.now().toString(36)}`;

  await page.goto('/patterns/new');
  await setEditorText(page, patternYaml(name, 'Ada canary'));
  await expect(page.getByTestId('valid')).toBeVisible();
  await page.getByRole('button', { name: 'Create pattern' }).click();
  await expect(page).toHaveURL(new RegExp(`/patterns/${name}$`));
  await expect(page.getByTestId('pattern-title')).toHaveText('Ada canary');

  await page.getByTestId('edit').click();
  await expect(page.getByTestId('version')).toHaveText('version 1');
  // A bad reference is reported with its line before saving, and saving is blocked.
  await setEditorText(page, patternYaml(name, 'Ada canary').replace('service: web', 'service: webb'));
  await expect(page.getByTestId('diagnostics')).toContainText('ML3');
  await expect(page.getByTestId('save')).toBeDisabled();

  await setEditorText(page, patternYaml(name, 'Ada canary, 25%', 25));
  await page.getByTestId('save').click();
  await expect(page.getByTestId('save-status')).toHaveText('Saved version 2.');

  await page.goto(`/patterns/${name}`);
  await expect(page.getByTestId('pattern-title')).toHaveText('Ada canary, 25%');
  await expect(page.getByTestId('pattern-yaml')).toContainText('weight: 25');
  await page.getByRole('link', { name: 'History' }).click();
  await expect(page.getByTestId('revisions').locator('tbody tr')).toHaveCount(2);
  // The newest revision shows what changed: the weights.
  const diff = page.getByTestId('text-diff').first();
  await expect(diff.locator('.diff-del')).toContainText(['weight: 90']);
  await expect(diff.locator('.diff-add')).toContainText(['weight: 75']);
  // Revert to version 1: a new version 3 with the old text.
  await page.getByTestId('revert-1').click();
  await expect(page.getByTestId('revisions').locator('tbody tr')).toHaveCount(3);
  await page.goto(`/patterns/${name}`);
  await expect(page.getByTestId('pattern-title')).toHaveText('Ada canary');
});

test('a stale save shows both versions and loses nothing', async ({ browser }) => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signUp(page, { name: 'Grace' });
  const name = `conflict-${Date.now().toString(36)}`;
  await page.goto('/patterns/new');
  await setEditorText(page, patternYaml(name, 'Conflict test'));
  await page.getByRole('button', { name: 'Create pattern' }).click();
  await expect(page).toHaveURL(new RegExp(`/patterns/${name}$`));

  // Two tabs of the same user open the editor at version 1.
  const tabA = page;
  const tabB = await ctx.newPage();
  await tabA.goto(`/patterns/${name}/edit`);
  await tabB.goto(`/patterns/${name}/edit`);

  await setEditorText(tabB, patternYaml(name, 'Saved elsewhere', 30));
  await tabB.getByTestId('save').click();
  await expect(tabB.getByTestId('save-status')).toHaveText('Saved version 2.');

  await setEditorText(tabA, patternYaml(name, 'My stale edit', 40));
  await tabA.getByTestId('save').click();
  const dialog = tabA.getByTestId('conflict-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('conflict-mine')).toContainText('My stale edit');
  await expect(dialog.getByTestId('conflict-theirs')).toContainText('Saved elsewhere');
  await dialog.getByRole('button', { name: /Keep mine/ }).click();
  await expect(tabA.getByTestId('save-status')).toHaveText('Saved version 3.');

  await tabA.goto(`/patterns/${name}/history`);
  await expect(tabA.getByTestId('revisions').locator('tbody tr')).toHaveCount(3);
  await ctx.close();
});

test('writes are refused when signed out, and by a non-owner', async ({ browser, request }) => {
  const anon = await request.post('/api/trpc/patterns.create', { data: { text: patternYaml('anon-x', 'Anon'), visibility: 'public' } });
  expect(anon.status()).toBe(401);

  const owner = await browser.newContext();
  const ownerPage = await owner.newPage();
  await signUp(ownerPage, { name: 'Owner' });
  const name = `owned-${Date.now().toString(36)}`;
  await ownerPage.goto('/patterns/new');
  await setEditorText(ownerPage, patternYaml(name, 'Owned'));
  await ownerPage.getByLabel('Visibility').selectOption('public');
  await ownerPage.getByRole('button', { name: 'Create pattern' }).click();
  await expect(ownerPage).toHaveURL(new RegExp(`/patterns/${name}$`));

  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signUp(otherPage, { name: 'Mallory' });
  await otherPage.goto(`/patterns/${name}`);
  await expect(otherPage.getByTestId('edit')).toHaveCount(0);
  const res = await otherPage.request.post('/api/trpc/patterns.update', {
    data: { name, text: patternYaml(name, 'Hijacked'), expectedVersion: 1 },
  });
  expect(res.status()).toBe(403);
  await ownerPage.goto(`/patterns/${name}`);
  await expect(ownerPage.getByTestId('pattern-title')).toHaveText('Owned');
  await owner.close();
  await other.close();
});
