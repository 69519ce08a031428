import { expect, type Page, type APIRequestContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

export const PASSWORD = 'demo';

/** Fails the test on any console error or uncaught exception (hydration problems show up here). */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    // A 4xx answer to a bad form is expected; the browser logs it as a failed load.
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

/** Waits until the wasm client has hydrated the page. */
export async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__switchboardHydrated === true);
}

export async function logIn(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

export async function logInFromStart(page: Page, email: string) {
  await page.goto('/login');
  await hydrated(page);
  await logIn(page, email);
  await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible();
}

/** An id of a ticket by name, read from the agent's server-rendered list of that view
 * (server functions answer in postcard, so the page is the readable way in). */
export async function ticketId(request: APIRequestContext, view: string, name: string): Promise<string> {
  const login = await request.post('/api/login', { form: { email: 'agent@demo.test', password: PASSWORD }, maxRedirects: 0 });
  expect(login.status()).toBeLessThan(400);
  const slug = view.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  const html = await (await request.get(`/?view=${slug}`)).text();
  const escaped = name.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const row = [...html.matchAll(/<a href="\/tickets\/([^"?]+)[^"]*"[^>]*><span class="ticket-name">([^<]*)</g)]
    .find((match) => match[2] === escaped);
  expect(row, `${name} in ${view}`).toBeTruthy();
  return row![1];
}

export async function expectNoSeriousA11yViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}
