import { test, expect, type Page } from '@playwright/test';
import { hydrated, logInFromStart, watchConsole } from './helpers';

// The workspace client is split (app/src/lazy.rs): the main module makes the workspace
// interactive; the open ticket, the Create ticket panel and the record pages are chunks
// (split_*.wasm) fetched when needed or when the browser is idle.

const CHUNKS = '**/split_*.wasm';

/** Wasm files the page fetched, by file name. */
function wasmRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const name = new URL(request.url()).pathname.split('/').pop() ?? '';
    if (name.endsWith('.wasm')) seen.push(name);
  });
  return seen;
}

/** The page preloads its chunk's files (the chunk and code it shares) and had fetched them,
 * with the main module, by the time it hydrated. */
async function expectFetchedBeforeHydration(page: Page, fetched: string[], chunk: string) {
  const atHydration = [...fetched];
  const preloads = await page.evaluate(() =>
    [...document.querySelectorAll('link[rel=preload][href$=".wasm"]')].map((l) => (l as HTMLLinkElement).href.split('/').pop()));
  expect(preloads).toContain(chunk);
  for (const file of ['frontend_bg.wasm', ...preloads]) expect(atHydration).toContain(file);
}

test('the workspace works without its chunks, and a chunk that cannot load says so and loads on Try again', async ({ page }) => {
  await page.route(CHUNKS, (route) => route.abort());
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  // The views and the list work with the main module alone.
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: /All open/ }).click();
  await expect(page).toHaveURL(/view=all-open/);
  const ticket = page.getByRole('link', { name: /Invoice shows the wrong VAT number/ });
  await expect(ticket).toBeVisible();

  // The panel's chunk cannot load: the panel says so, with a way to try again.
  await page.getByRole('button', { name: 'Create ticket' }).click();
  const panel = page.getByRole('dialog', { name: 'Create ticket' });
  await expect(panel.getByRole('alert')).toContainText('could not be loaded. Check your connection, then try again.');
  await page.unroute(CHUNKS);
  await panel.getByRole('button', { name: 'Try again' }).click();
  await expect(panel.getByLabel('Ticket name')).toBeVisible();
  await panel.getByRole('button', { name: 'Close' }).click();

  // The same for the open ticket: its chunk fails, then loads on Try again.
  await page.route(CHUNKS, (route) => route.abort());
  await ticket.click();
  await expect(page.getByRole('alert').filter({ hasText: 'could not be loaded' })).toBeVisible();
  await page.unroute(CHUNKS);
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('heading', { name: 'Invoice shows the wrong VAT number' })).toBeVisible();
  await expect(page.getByRole('complementary', { name: 'Ticket context' }).getByLabel('Priority')).toBeEnabled();
});

test('a directly loaded ticket or contact page fetches its chunk with the main module and hydrates with it', async ({ page }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await page.getByRole('link', { name: /Invoice shows the wrong VAT number/ }).click();
  const sidebar = page.getByRole('complementary', { name: 'Ticket context' });
  await sidebar.getByRole('link', { name: 'Tom Becker' }).click();
  await expect(page.getByRole('heading', { name: 'Tom Becker' })).toBeVisible();
  const contactUrl = page.url();
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Invoice shows the wrong VAT number' })).toBeVisible();
  const ticketUrl = page.url();

  // A ticket's address, loaded directly: the page asks for the ticket chunk up front and
  // the sidebar's controls work once hydrated.
  const fetched = wasmRequests(page);
  await page.goto(ticketUrl);
  await hydrated(page);
  await expectFetchedBeforeHydration(page, fetched, 'split_ticket.wasm');
  await sidebar.getByLabel('Priority').selectOption({ label: 'Low' });
  await expect(sidebar.getByText(/changed Priority from \w+ to Low/).first()).toBeVisible();

  // A contact's address, the same with the records chunk.
  fetched.length = 0;
  await page.goto(contactUrl);
  await hydrated(page);
  await expectFetchedBeforeHydration(page, fetched, 'split_records.wasm');
  await page.getByRole('button', { name: 'Edit contact' }).click();
  await expect(page.getByRole('form', { name: 'Edit contact' }).getByLabel('Phone')).toBeVisible();

  // A company's address: the other view of the same chunk.
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('link', { name: 'Globex', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Globex' })).toBeVisible();
  const companyUrl = page.url();
  fetched.length = 0;
  await page.goto(companyUrl);
  await hydrated(page);
  await expectFetchedBeforeHydration(page, fetched, 'split_records.wasm');
  await page.getByRole('button', { name: 'Edit company' }).click();
  await expect(page.getByRole('form', { name: 'Edit company' }).getByLabel('Domain')).toBeVisible();
  expect(problems).toEqual([]);
});

test('a directly loaded page whose chunk cannot load stays readable and says what to do', async ({ page }) => {
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await page.getByRole('link', { name: /Invoice shows the wrong VAT number/ }).click();
  await expect(page.getByRole('heading', { name: 'Invoice shows the wrong VAT number' })).toBeVisible();
  const ticketUrl = page.url();
  await page.route(CHUNKS, (route) => route.abort());
  await page.goto(ticketUrl);
  await expect(page.getByRole('alert').filter({ hasText: 'Switchboard could not finish loading' })).toContainText(
    'Check your connection, then reload the page.',
  );
  await expect(page.getByRole('heading', { name: 'Invoice shows the wrong VAT number' })).toBeVisible();
  // Reloading with the network back gives a working page.
  await page.unroute(CHUNKS);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('alert').filter({ hasText: 'could not finish loading' })).toHaveCount(0);
});
