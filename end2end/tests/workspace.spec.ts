import { test, expect } from '@playwright/test';
import { expectNoSeriousA11yViolations, hydrated, logIn, logInFromStart, ticketId, watchConsole } from './helpers';

test('an agent logs in, moves between tickets without a page load, uses back and forward, and logs out', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login\?next=\//);
  await hydrated(page);
  await logIn(page, 'agent@demo.test');

  const views = page.getByRole('navigation', { name: 'Views' });
  for (const name of ['Unassigned', 'Assigned to me', 'All open', 'Closed']) {
    await expect(views.getByRole('link', { name })).toBeVisible();
  }
  await expect(views.getByRole('link', { name: 'All open' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByText('No ticket open')).toBeVisible();
  await hydrated(page);

  // A marker that a full page load would wipe out.
  await page.evaluate(() => { (window as any).__sameDocument = true; });
  await page.getByRole('link', { name: /Cannot log in after password reset/ }).click();
  await expect(page).toHaveURL(/\/tickets\/[0-9a-f]{32}\?view=all-open/);
  await expect(page.getByRole('heading', { name: 'Cannot log in after password reset' })).toBeVisible();
  await expect(page.getByText('my account is locked')).toBeVisible();
  const context = page.getByRole('complementary', { name: 'Ticket context' });
  await expect(context.getByText('Maria Lopez')).toBeVisible();
  await expect(context.getByText('Acme Corp')).toBeVisible();
  await expect(context.getByRole('link', { name: 'Call: delivery arrived damaged' })).toBeVisible();

  await page.getByRole('link', { name: /Invoice shows the wrong VAT number/ }).click();
  await expect(page.getByRole('heading', { name: 'Invoice shows the wrong VAT number' })).toBeVisible();
  await expect(page.getByText('Billing says the corrected invoice goes out tomorrow.')).toBeVisible();

  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Cannot log in after password reset' })).toBeVisible();
  await page.goForward();
  await expect(page.getByRole('heading', { name: 'Invoice shows the wrong VAT number' })).toBeVisible();

  await views.getByRole('link', { name: 'Closed' }).click();
  await expect(page).toHaveURL(/view=closed/);
  await expect(page.getByRole('link', { name: /Refund for duplicate charge/ })).toBeVisible();
  await expect(page.getByRole('link', { name: /Cannot log in after password reset/ })).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login\?next=/);
  expect(problems).toEqual([]);
});

test('a deep link survives the login and opens the ticket', async ({ page, request }) => {
  const id = await ticketId(request, 'AllOpen', 'Chat: how do I export my data?');
  await page.goto(`/tickets/${id}?view=all-open`);
  await expect(page).toHaveURL(/\/login\?next=/);
  await hydrated(page);
  await logIn(page, 'agent@demo.test');
  await expect(page).toHaveURL(new RegExp(`/tickets/${id}\\?view=all-open`));
  await expect(page.getByRole('heading', { name: 'Chat: how do I export my data?' })).toBeVisible();
  await expect(page.getByText('export all our records to CSV')).toBeVisible();
});

test('a viewer with service access sees fewer views, no settings, and not tickets outside their team', async ({ page, request }) => {
  const billing = await ticketId(request, 'Closed', 'Refund for duplicate charge');
  await logInFromStart(page, 'viewer@demo.test');
  const views = page.getByRole('navigation', { name: 'Views' });
  await expect(views.getByRole('link', { name: 'Assigned to me' })).toBeVisible();
  await expect(views.getByRole('link', { name: 'All open' })).toBeVisible();
  await expect(views.getByRole('link', { name: 'Unassigned' })).toHaveCount(0);
  await expect(views.getByRole('link', { name: 'Closed' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);

  await page.goto(`/tickets/${billing}`);
  await expect(page.getByRole('alert')).toContainText('Not found');
  await page.goto('/admin/users');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('wrong credentials get one plain error and the form stays usable', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  await logIn(page, 'agent@demo.test', 'wrong-password');
  await expect(page.getByRole('alert').filter({ hasText: 'Email or password is incorrect.' })).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel('Password').fill('demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible();
});

test('unknown addresses get a page that leads back', async ({ page }) => {
  await logInFromStart(page, 'agent@demo.test');
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Go to the workspace' }).click();
  await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible();
});

test('the login page and the workspace have no serious accessibility violations', async ({ page, request }) => {
  await page.goto('/login');
  await hydrated(page);
  await expectNoSeriousA11yViolations(page);
  await logIn(page, 'agent@demo.test');
  await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  const id = await ticketId(request, 'AllOpen', 'Invoice shows the wrong VAT number');
  await page.goto(`/tickets/${id}`);
  await expect(page.getByRole('heading', { name: 'Invoice shows the wrong VAT number' })).toBeVisible();
  await expectNoSeriousA11yViolations(page);
});

test('every control can be reached with the keyboard and shows focus', async ({ page }) => {
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  const reached = new Set<string>();
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      return { name: (el.textContent ?? '').trim().slice(0, 40), outline: style.outlineStyle };
    });
    if (info) { reached.add(info.name); expect(info.outline).not.toBe('none'); }
  }
  expect([...reached].some((n) => n.startsWith('All open'))).toBe(true);
  expect([...reached].some((n) => n.includes('Log out'))).toBe(true);
});

test('the list sorts and filters, and the address keeps them across opening a ticket and reloading', async ({ page }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'agent@demo.test');
  await page.goto('/?view=all-open');
  await hydrated(page);
  const list = page.getByRole('region', { name: 'All open' });
  await page.getByLabel('Sort by').selectOption({ label: 'Priority' });
  await expect(page).toHaveURL(/sort=priority/);
  await expect(list.getByRole('listitem').first()).toContainText('Urgent');
  await page.getByText('Filters', { exact: true }).click();
  await page.getByLabel('Priority', { exact: true }).selectOption({ label: 'Low' });
  await expect(page).toHaveURL(/priority=low/);
  const rows = list.getByRole('listitem');
  await expect(rows.first()).toContainText('Low');
  for (const text of await rows.allTextContents()) expect(text).toContain('Low');
  // Let the list settle (its pages load after each change of the address), then open one.
  await page.waitForLoadState('networkidle');
  await rows.first().getByRole('link').click();
  await expect(page).toHaveURL(/\/tickets\/.*priority=low/);
  // A ticket page loaded directly hydrates (the sidebar's lookups are created before any await).
  await page.reload();
  await hydrated(page);
  await page.goBack();
  await expect(page).toHaveURL(/\/\?view=all-open.*priority=low/);
  await page.reload();
  await hydrated(page);
  await expect(page.getByText('Filters (on)')).toBeVisible();
  await expect(list.getByRole('listitem').first()).toContainText('Low');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page).not.toHaveURL(/priority=low/);
  await expect(page).toHaveURL(/sort=priority/);
  expect(problems).toEqual([]);
});

test('an agent saves a filtered view and finds it under My views; a viewer cannot save views', async ({ page, browser }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'agent@demo.test');
  await page.goto('/?view=all-open');
  await hydrated(page);
  await page.getByText('Filters', { exact: true }).click();
  await page.getByLabel('Source').selectOption({ label: 'Email' });
  await expect(page).toHaveURL(/source=email/);
  await page.getByRole('button', { name: 'Save view' }).click();
  const name = `Email only ${Date.now()}`;
  await page.getByLabel('View name').fill(name);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const views = page.getByRole('navigation', { name: 'Views' });
  await expect(views.getByRole('link', { name })).toBeVisible();
  // Like the default views, a saved view shows how many tickets it holds: those in the list.
  const emailTickets = await page.locator('.ticket-list .ticket-row').count();
  expect(emailTickets).toBeGreaterThan(0);
  await expect(views.getByRole('link', { name }).locator('.count')).toHaveText(String(emailTickets));
  await page.goto('/?view=unassigned');
  await hydrated(page);
  await views.getByRole('link', { name }).click();
  await expect(page).toHaveURL(/view=all-open.*source=email/);
  await views.getByRole('button', { name: `Delete view ${name}` }).click();
  await expect(views.getByRole('link', { name })).toHaveCount(0);
  expect(problems).toEqual([]);

  const viewer = await browser.newPage();
  await logInFromStart(viewer, 'viewer@demo.test');
  await viewer.getByText('Filters', { exact: true }).click();
  await expect(viewer.getByRole('button', { name: 'Save view' })).toHaveCount(0);
  await expect(viewer.getByRole('heading', { name: 'My views' })).toHaveCount(0);
});
