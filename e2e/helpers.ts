import { expect, type Page } from '@playwright/test';

let counter = 0;
/** A unique e-mail per call, so tests never collide on accounts. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}@example.test`;
}

export async function signUp(page: Page, opts: { name: string; email?: string; password?: string }) {
  const email = opts.email ?? uniqueEmail(opts.name.toLowerCase());
  await page.goto('/sign-up');
  await page.getByLabel('Name').fill(opts.name);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(opts.password ?? 'correct-horse-battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText(opts.name);
  return email;
}

/** Replaces the whole text of the pattern editor. */
export async function setEditorText(page: Page, text: string) {
  const editor = page.getByTestId('yaml');
  await editor.fill(text);
}

export function patternYaml(name: string, title: string, weight = 10): string {
  return `apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata:
  name: ${name}
  title: ${title}
  category: traffic-management
  summary: Canary for web.
spec:
  services:
    - name: web
      versions: [v1, v2]
  routes:
    - service: web
      rules:
        - backends: [{version: v1, weight: ${100 - weight}}, {version: v2, weight: ${weight}}]
`;
}

/**
 * Signs up and makes the account an operator (set directly in the e2e server's database: there
 * is no role-management UI yet; the first account of an instance is its admin, later ones editors).
 */
export async function signUpOperator(page: Page, name: string): Promise<string> {
  const email = await signUp(page, { name });
  if (!(await page.getByTestId('signed-in-as').textContent())?.includes('(admin)')) {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database('data/e2e/meshloom.db');
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare('UPDATE "User" SET role = ? WHERE email = ?').run('operator', email);
    } finally {
      db.close();
    }
    await page.reload();
    await expect(page.getByTestId('signed-in-as')).toContainText('(operator)');
  }
  return email;
}
