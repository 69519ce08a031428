import { test, expect, type Page } from '@playwright/test';
import { hydrated, logInFromStart, watchConsole } from './helpers';

// Text a user or an email can set, as an attacker would write it: it must come back as
// the same text, in the page the server rendered and in the one the client built, and
// never as an element, an attribute or a script run.
const HOSTILE = [
  '</title><script>window.__pwned = 1</script>',
  '"><img src=x onerror="window.__pwned = 2">',
  "'; window.__pwned = 3; '",
  '</textarea></style></script><svg onload="window.__pwned = 4">',
  'javascript:window.__pwned = 5',
  '\u202Egnp.exe\u202C zero\u200Bwidth 🧨',
];

/** Nothing any of the corpus could have injected is in the page. */
async function expectNothingInjected(page: Page) {
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(await page.locator('img[src="x"], svg[onload], [onerror], [onload]').count()).toBe(0);
}

test('hostile ticket names stay text in the list, the heading and the title, rendered by the server and by the client', async ({ page }) => {
  const problems = watchConsole(page);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.dismiss(); });
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  const stamp = Date.now();
  for (const [index, text] of HOSTILE.entries()) {
    const name = `${text} #${stamp}-${index}`;
    await page.getByRole('button', { name: 'Create ticket' }).click();
    const panel = page.getByRole('dialog', { name: 'Create ticket' });
    await panel.getByLabel('Ticket name').fill(name);
    await panel.getByLabel('Description').fill(text);
    await panel.getByRole('button', { name: 'Create', exact: true }).click();
    await expect(panel).toHaveCount(0);
    // Built by the client.
    await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
    await expect(page).toHaveTitle(new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await expectNothingInjected(page);
    // Rendered by the server: the same page opened by its address.
    await page.reload();
    await hydrated(page);
    await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
    expect(await page.title()).toContain(name);
    await expectNothingInjected(page);
  }
  expect(dialogs).toEqual([]);
  expect(problems, 'no console errors, so no Content-Security-Policy violations either').toEqual([]);
});

test('an over-long ticket name gets a clear error in the panel and nothing is created', async ({ page }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await page.getByRole('button', { name: 'Create ticket' }).click();
  const panel = page.getByRole('dialog', { name: 'Create ticket' });
  await panel.getByLabel('Ticket name').fill('x'.repeat(2000));
  await panel.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(panel.getByText(/Keep the ticket name under 300 characters|too long/)).toBeVisible();
  await expect(panel).toBeVisible();
  expect(problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
});
