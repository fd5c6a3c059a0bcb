import { expect, test, type Page } from '@playwright/test';
import { signUp } from './helpers';

const yaml = (page: Page) => page.evaluate(() => window.__meshloomYaml!.getValue());

async function openDesigner(page: Page, path = '/designer') {
  await page.goto(path);
  await expect(page.getByTestId('designer-canvas')).toBeVisible();
  await page.waitForFunction(() => !!window.__meshloomYaml);
}

const TWO_SERVICES = `apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata:
  name: shop
  title: Shop
  category: traffic-management
spec:
  services:
    - {name: web, ports: [8080]}
    - {name: api, ports: [8080], versions: [v1, v2]}
layout:
  web: {x: 0, y: 0}
  api: {x: 420, y: 0}
`;

test('drag a service from the palette: the node appears and the YAML gains it', async ({ page }) => {
  await openDesigner(page);
  await expect(page.locator('.react-flow__node')).toHaveCount(0);
  await page.getByTestId('palette-service').dragTo(page.getByTestId('designer-canvas'), { targetPosition: { x: 250, y: 200 } });
  await expect(page.locator('.react-flow__node')).toHaveCount(1);
  await expect.poll(() => yaml(page)).toContain('name: service');
  await expect.poll(() => yaml(page)).toMatch(/layout:\n\s+service: \{x: -?\d+, y: -?\d+\}/);

  // A policy dropped onto the node attaches to it.
  const node = page.locator('.react-flow__node').first();
  const box = (await node.boundingBox())!;
  const canvas = (await page.getByTestId('designer-canvas').boundingBox())!;
  await page.getByTestId('palette-CircuitBreaker').dragTo(page.getByTestId('designer-canvas'), {
    targetPosition: { x: box.x - canvas.x + box.width / 2, y: box.y - canvas.y + box.height / 2 },
  });
  await expect.poll(() => yaml(page)).toContain('{kind: CircuitBreaker, target: service');
  await expect(node.locator('.ml-badge')).toHaveCount(1);
});

test('connecting two services creates a route; a bad reference is marked in YAML and on the node; undo restores', async ({ page }) => {
  await openDesigner(page);
  await page.evaluate((t) => window.__meshloomYaml!.setValue(t), TWO_SERVICES);
  await expect(page.locator('.react-flow__node')).toHaveCount(2);
  await page.getByTestId('designer-title').click(); // focus out of Monaco

  await page.locator('.react-flow__node[data-id="service:web"] .react-flow__handle.source').dragTo(page.locator('.react-flow__node[data-id="service:api"] .react-flow__handle.target'));
  await expect.poll(() => yaml(page)).toContain('calls: [api]');
  await expect.poll(() => yaml(page)).toMatch(/routes:\n\s+- service: api\n\s+rules:\n\s+- backends: \[\{version: v1, weight: 50\}, \{version: v2, weight: 50\}\]/);
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
  const good = await yaml(page);

  // Type a reference to a version that does not exist.
  await page.evaluate((t) => window.__meshloomYaml!.setValue(t.replace('{version: v2, weight: 50}', '{version: v9, weight: 50}')), good);
  const lineOfV9 = good.split('\n').findIndex((l) => l.includes('{version: v2, weight: 50}')) + 1;
  await expect.poll(() => page.evaluate(() => window.__meshloomYaml!.markers().filter((m) => m.owner === 'meshloom').map((m) => `${m.code}@${m.line}`))).toContain(`ML3002@${lineOfV9}`);
  const badge = page.getByTestId('problem-service-api');
  await expect(badge).toBeVisible();
  await expect(badge).toHaveAttribute('aria-label', /unknown version/);

  // Clicking the badge moves the YAML cursor to the problem's line.
  await badge.click();
  await expect.poll(() => page.evaluate(() => (window.__meshloomYaml as unknown as { editor: { getPosition(): { lineNumber: number } } }).editor.getPosition().lineNumber)).toBe(lineOfV9);
  // Clicking the problem reveals it; undo (outside the editor) restores the good text.
  await page.getByTestId('tab-problems').click();
  await expect(page.getByTestId('problems')).toContainText('ML3002');
  await page.getByTestId('designer-title').click();
  await page.keyboard.press('Control+z');
  await expect.poll(() => yaml(page)).toBe(good);
  await expect(badge).toHaveCount(0);
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('problem-service-api')).toBeVisible();
});

test('deleting a node removes its routes and policies; the properties form edits the YAML', async ({ page }) => {
  await openDesigner(page);
  await page.evaluate((t) => window.__meshloomYaml!.setValue(t), TWO_SERVICES.replace('spec:\n', 'spec:\n  policies: [{kind: Timeout, target: api, request: 2s}]\n'));
  await expect(page.locator('.react-flow__node')).toHaveCount(2);
  await page.locator('.react-flow__node[data-id="service:api"]').click();
  await expect(page.getByTestId('properties')).toContainText('Service api');
  await page.locator('#f-spec-services-1-protocol').selectOption('grpc');
  await expect.poll(() => yaml(page)).toContain('protocol: grpc');
  await page.locator('.react-flow__node[data-id="service:api"]').click();
  await page.keyboard.press('Delete');
  await expect(page.locator('.react-flow__node')).toHaveCount(1);
  await expect.poll(() => yaml(page)).not.toContain('Timeout');
});

test('a stateless share link opens the same design read-only in a fresh browser, with Fork to edit', async ({ page, browser }) => {
  await openDesigner(page);
  await page.evaluate((t) => window.__meshloomYaml!.setValue(t), TWO_SERVICES);
  await page.getByTestId('share').click();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url).toMatch(/\/designer#v1\./);

  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  await openDesigner(other, url.replace(/^https?:\/\/[^/]+/, ''));
  await expect.poll(() => yaml(other)).toBe(TWO_SERVICES);
  await expect(other.getByTestId('designer-title')).toHaveText('Shop');
  await expect(other.getByTestId('designer-notice')).toContainText('read-only');
  await other.getByTestId('fork-to-edit').click();
  await other.getByTestId('palette-service').dragTo(other.getByTestId('designer-canvas'), { targetPosition: { x: 200, y: 300 } });
  await expect(other.locator('.react-flow__node')).toHaveCount(3);
  await fresh.close();
});

test('export gives the YAML; a file dropped in opens; nothing needs an account', async ({ page }) => {
  await openDesigner(page);
  await page.evaluate((t) => window.__meshloomYaml!.setValue(t), TWO_SERVICES);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-yaml').click()]);
  expect(download.suggestedFilename()).toBe('shop.yaml');
  await page.getByTestId('import-file').setInputFiles({ name: 'other.yaml', mimeType: 'application/yaml', buffer: Buffer.from(TWO_SERVICES.replace('title: Shop', 'title: Imported')) });
  await expect(page.getByTestId('designer-title')).toHaveText('Imported');
  await page.getByTestId('import-file').setInputFiles({ name: 'bad.yaml', mimeType: 'application/yaml', buffer: Buffer.from([0xff, 0xfe, 0x41]) });
  await expect(page.getByTestId('designer-notice')).toContainText('ML1005');
  await expect(page.getByTestId('designer-title')).toHaveText('Imported');
});

test('save, a stale save from elsewhere shows the conflict dialog and loses nothing', async ({ page, browser }) => {
  await signUp(page, { name: 'Designer' });
  const name = `designed-${Date.now().toString(36)}`;
  await openDesigner(page);
  await page.evaluate((t) => window.__meshloomYaml!.setValue(t), TWO_SERVICES.replace('name: shop', `name: ${name}`));
  await page.getByTestId('designer-save').click();
  await expect(page.getByTestId('save-state')).toHaveText('Saved (version 1)');
  await expect(page).toHaveURL(new RegExp(`/designer\\?pattern=${name}$`));

  // The same user edits in another tab and saves first.
  const tab = await page.context().newPage();
  await openDesigner(tab, `/designer?pattern=${name}`);
  await tab.evaluate(() => window.__meshloomYaml!.setValue(window.__meshloomYaml!.getValue().replace('title: Shop', 'title: Saved elsewhere')));
  await tab.getByTestId('designer-save').click();
  await expect(tab.getByTestId('save-state')).toHaveText('Saved (version 2)');

  await page.evaluate(() => window.__meshloomYaml!.setValue(window.__meshloomYaml!.getValue().replace('title: Shop', 'title: My stale edit')));
  await page.getByTestId('designer-save').click();
  const dialog = page.getByTestId('conflict-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('conflict-mine')).toContainText('My stale edit');
  await expect(dialog.getByTestId('conflict-theirs')).toContainText('Saved elsewhere');
  await dialog.getByRole('button', { name: /Keep mine/ }).click();
  await expect(page.getByTestId('save-state')).toHaveText('Saved (version 3)');
  expect(await yaml(page)).toContain('title: My stale edit');
  void browser;
});

test('a catalog pattern dropped on the canvas is included; a name clash is reported, not merged', async ({ page }) => {
  await openDesigner(page);
  await page.evaluate((t) => window.__meshloomYaml!.setValue(t), TWO_SERVICES);
  await page.getByTestId('palette-include-circuit-breaker').dragTo(page.getByTestId('designer-canvas'), { targetPosition: { x: 300, y: 300 } });
  await expect.poll(() => yaml(page)).toMatch(/includes:\n\s+- \{pattern: circuit-breaker\}/);
  // Its services join the canvas.
  await expect(page.locator('.react-flow__node[data-id="service:reviews"]')).toHaveCount(1);
  // A service of our own named like one of the included ones clashes.
  await page.evaluate(() => window.__meshloomYaml!.setValue(window.__meshloomYaml!.getValue().replace('{name: api,', '{name: reviews,')));
  await page.getByTestId('tab-problems').click();
  await expect(page.getByTestId('problems')).toContainText('ML3015');
});
