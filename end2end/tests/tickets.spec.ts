import { test, expect } from '@playwright/test';
import { hydrated, logInFromStart, watchConsole } from './helpers';

test('an agent creates a ticket from the panel and it opens and shows up in the views', async ({ page }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  const views = page.getByRole('navigation', { name: 'Views' });
  const unassigned = views.getByRole('link', { name: /Unassigned/ });
  const before = Number((await unassigned.textContent())?.match(/\d+/)?.[0]);

  await page.getByRole('button', { name: 'Create ticket' }).click();
  const panel = page.getByRole('dialog', { name: 'Create ticket' });
  await expect(panel).toBeVisible();
  await expect(panel.getByLabel('Pipeline')).toHaveValue(/.+/);
  await expect(panel.getByLabel('Ticket status').locator('option:checked')).toHaveText('New');

  // The required name is checked before anything is sent.
  await panel.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(panel.getByText('Enter a ticket name.')).toBeVisible();

  const name = `Projector in room ${Date.now()} flickers`;
  await panel.getByLabel('Ticket name').fill(name);
  await panel.getByLabel('Priority').selectOption({ label: 'Urgent' });
  await panel.getByLabel('Description').fill('Started after the firmware update.');
  await panel.getByRole('button', { name: 'Create', exact: true }).click();

  await expect(panel).toHaveCount(0);
  await expect(page).toHaveURL(/\/tickets\/[0-9a-f]{32}/);
  await expect(page.getByRole('heading', { name })).toBeVisible();
  await expect(page.getByText('This ticket has no conversation yet.')).toBeVisible();
  await expect(page.getByRole('link', { name: new RegExp(name) })).toBeVisible();
  // At least one more: other tests, running at the same time, create unassigned tickets too.
  await expect.poll(async () => Number((await unassigned.textContent())?.match(/\d+/)?.[0])).toBeGreaterThan(before);
  expect(problems).toEqual([]);
});

test('the panel closes with Escape and a viewer has no Create ticket button', async ({ page, browser }) => {
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await page.getByRole('button', { name: 'Create ticket' }).click();
  await expect(page.getByRole('dialog', { name: 'Create ticket' })).toBeVisible();
  await expect(page.getByLabel('Ticket name')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Create ticket' })).toHaveCount(0);

  const viewer = await browser.newPage();
  await logInFromStart(viewer, 'viewer@demo.test');
  await expect(viewer.getByRole('button', { name: 'Create ticket' })).toHaveCount(0);
});

test('company and contacts are picked by searching, with the keyboard, and a new contact is created on the spot', async ({ page }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await page.getByRole('button', { name: 'Create ticket' }).click();
  const panel = page.getByRole('dialog', { name: 'Create ticket' });
  const name = `Laptop fan noise ${Date.now()}`;
  await panel.getByLabel('Ticket name').fill(name);

  const company = panel.getByRole('combobox', { name: 'Company' });
  await company.pressSequentially('acm');
  await expect(panel.getByRole('option', { name: /Acme Corp/ })).toBeVisible();
  await company.press('ArrowDown');
  await expect(company).toHaveAttribute('aria-activedescendant', /new-ticket-company-option-0/);
  await company.press('Enter');
  await expect(panel.getByRole('list', { name: 'Chosen company' })).toContainText('Acme Corp');

  const contact = panel.getByRole('combobox', { name: 'Contact' });
  await contact.pressSequentially('maria');
  await panel.getByRole('option', { name: /Maria Lopez/ }).click();
  await contact.pressSequentially('tom');
  await expect(panel.getByRole('option', { name: /Tom Becker/ })).toBeVisible();
  await contact.press('ArrowDown');
  await contact.press('Enter');
  await contact.pressSequentially('Nora North');
  await panel.getByRole('option', { name: /Create contact/ }).click();
  await panel.getByLabel('Contact email').fill(`nora${Date.now()}@acme.test`);
  await panel.getByRole('button', { name: 'Add contact' }).click();
  const chosen = panel.getByRole('list', { name: 'Chosen contacts' });
  await expect(chosen).toContainText('Maria Lopez');
  await expect(chosen).toContainText('Tom Becker');
  await expect(chosen).toContainText('Nora North');
  await chosen.getByRole('button', { name: 'Remove Tom Becker' }).click();
  await expect(chosen).not.toContainText('Tom Becker');

  await panel.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('heading', { name })).toBeVisible();
  const context = page.getByRole('complementary', { name: 'Ticket context' });
  await expect(context.getByText('Maria Lopez')).toBeVisible();
  await expect(context.getByText('Nora North')).toBeVisible();
  await expect(context.getByText('Acme Corp')).toBeVisible();
  await expect(context.getByText('Tom Becker')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('an agent changes status, owner and priority in the sidebar and sees the history', async ({ page }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await page.getByRole('button', { name: 'Create ticket' }).click();
  const name = `Badge reader offline ${Date.now()}`;
  const panel = page.getByRole('dialog', { name: 'Create ticket' });
  await panel.getByLabel('Ticket name').fill(name);
  await panel.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('heading', { name })).toBeVisible();

  const sidebar = page.getByRole('complementary', { name: 'Ticket context' });
  await sidebar.getByLabel('Priority').selectOption({ label: 'High' });
  await expect(sidebar.getByText('changed Priority from Medium to High')).toBeVisible();
  await sidebar.getByLabel('Ticket owner').selectOption({ label: 'Alex Agent' });
  await expect(sidebar.getByText('changed Ticket owner from none to Alex Agent')).toBeVisible();
  // Closed requires a close reason: the sidebar asks for it in place before moving.
  await sidebar.getByLabel('Ticket status').selectOption({ label: 'Closed' });
  const prompt = sidebar.getByRole('form', { name: 'Needed for Closed' });
  await prompt.getByRole('button', { name: 'Move to Closed' }).click();
  await expect(prompt.getByText('Close reason is required to move a ticket to Closed.')).toBeVisible();
  await prompt.getByLabel('Close reason').selectOption('Duplicate');
  await prompt.getByRole('button', { name: 'Move to Closed' }).click();
  await expect(sidebar.getByText('changed Ticket status from New to Closed')).toBeVisible();
  await expect(sidebar.getByText('changed Close reason from none to Duplicate')).toBeVisible();
  await expect(sidebar.getByText('created the ticket')).toBeVisible();

  // Closed now: it left All open and shows in Closed.
  await expect(page.getByRole('link', { name: new RegExp(name) })).toHaveCount(0);
  await expect(page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: /Closed/ })).toBeVisible();
  await page.goto('/?view=closed');
  await expect(page.getByRole('link', { name: new RegExp(name) })).toBeVisible();
  expect(problems).toEqual([]);
});

test('a ticket created by hand gets a contact with Add contact, which starts the conversation', async ({ page }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await page.getByRole('button', { name: 'Create ticket' }).click();
  const panel = page.getByRole('dialog', { name: 'Create ticket' });
  const name = `Return label request ${Date.now()}`;
  await panel.getByLabel('Ticket name').fill(name);
  await panel.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('heading', { name })).toBeVisible();
  await page.getByRole('button', { name: 'Add contact' }).click();
  const contact = page.getByRole('combobox', { name: 'Contact' });
  await contact.pressSequentially('priya');
  await page.getByRole('option', { name: /Priya Shah/ }).click();
  await expect(page.getByRole('article', { name: 'Email conversation with Priya Shah' })).toBeVisible();
  await expect(page.getByLabel('To', { exact: true })).toHaveValue('priya@initech.test');
  const sidebar = page.getByRole('complementary', { name: 'Ticket context' });
  await expect(sidebar.getByText('added contact Priya Shah')).toBeVisible();
  expect(problems).toEqual([]);
});

test('contact and company records open from the ticket, list their tickets and are edited in place', async ({ page }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await page.getByRole('link', { name: /Invoice shows the wrong VAT number/ }).click();
  const sidebar = page.getByRole('complementary', { name: 'Ticket context' });
  await sidebar.getByRole('link', { name: 'Tom Becker' }).click();
  await expect(page.getByRole('heading', { name: 'Tom Becker' })).toBeVisible();
  const tickets = page.getByRole('region', { name: /^Tickets \(/ });
  await expect(tickets.getByRole('link', { name: 'Invoice shows the wrong VAT number', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Edit contact' }).click();
  const form = page.getByRole('form', { name: 'Edit contact' });
  await form.getByLabel('Phone').fill('+49 30 5550');
  await form.getByLabel('Primary email', { exact: true }).fill('not an email');
  await form.getByRole('button', { name: 'Save contact' }).click();
  await expect(form.getByRole('alert').filter({ hasText: /email/i }).first()).toBeVisible();
  await form.getByLabel('Primary email', { exact: true }).fill('tom@globex.test');
  // A second address: the new field takes the focus; making it primary moves it first.
  // (A retry finds the address of the first try: remove it first.)
  const removeOther = form.getByRole('button', { name: /^Remove other email/ });
  while ((await removeOther.count()) > 0) await removeOther.first().click();
  await form.getByRole('button', { name: 'Add email address' }).click();
  await expect(form.getByLabel('Other email 1', { exact: true })).toBeFocused();
  await page.keyboard.type('Tom.Becker@Home.example');
  await form.getByRole('button', { name: 'Make other email 1 primary' }).click();
  await expect(form.getByLabel('Primary email', { exact: true })).toHaveValue('Tom.Becker@Home.example');
  await form.getByRole('button', { name: 'Make other email 1 primary' }).click();
  await expect(form.getByLabel('Primary email', { exact: true })).toHaveValue('tom@globex.test');
  await form.getByRole('button', { name: 'Save contact' }).click();
  await expect(page.getByText('+49 30 5550')).toBeVisible();
  const details = page.locator('.record-details');
  await expect(details).toContainText('tom@globex.test (primary)');
  await expect(details).toContainText('tom.becker@home.example');
  // His conversations are listed with their ticket and latest message.
  const conversations = page.getByRole('region', { name: /^Conversations \(/ });
  await expect(conversations.getByRole('link', { name: 'Invoice shows the wrong VAT number' })).toBeVisible();
  // The new address finds him in search (Create ticket panel's Contact combobox). Typed
  // key by key: eight searches in flight, answered out of order; the last text's answer wins.
  await page.getByRole('button', { name: 'Create ticket' }).click();
  const panel = page.getByRole('dialog', { name: 'Create ticket' });
  await panel.getByRole('combobox', { name: 'Contact' }).pressSequentially('home.exa');
  await expect(panel.getByRole('option', { name: /Tom Becker/ })).toBeVisible();
  await panel.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('link', { name: 'Globex', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Globex' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Tom Becker', exact: true })).toBeVisible();
  expect(problems).toEqual([]);
});

test('a company that does not exist yet is created from the Company combobox', async ({ page }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await page.getByRole('button', { name: 'Create ticket' }).click();
  const panel = page.getByRole('dialog', { name: 'Create ticket' });
  const stamp = Date.now();
  const company = panel.getByRole('combobox', { name: 'Company' });
  await company.pressSequentially(`Pied Piper ${stamp}`);
  await panel.getByRole('option', { name: `Create company “Pied Piper ${stamp}”` }).click();
  const form = panel.getByRole('group', { name: 'New company' });
  await expect(form.getByLabel('Company name')).toHaveValue(`Pied Piper ${stamp}`);
  await form.getByLabel('Company domain').fill('piedpiper');
  await form.getByRole('button', { name: 'Add company' }).click();
  await expect(form.getByRole('alert').filter({ hasText: 'Enter a domain like example.com.' })).toBeVisible();
  await form.getByLabel('Company domain').fill(`pp${stamp}.test`);
  await form.getByRole('button', { name: 'Add company' }).click();
  await expect(panel.getByRole('button', { name: `Remove Pied Piper ${stamp}` })).toBeVisible();
  // Found by its domain from now on.
  await panel.getByRole('button', { name: `Remove Pied Piper ${stamp}` }).click();
  await company.pressSequentially(`pp${stamp}.te`);
  await expect(panel.getByRole('option', { name: new RegExp(`Pied Piper ${stamp}`) })).toBeVisible();
  expect(problems).toEqual([]);
});

test('a contact search that fails says why and what to do, and the next answer clears it', async ({ page }) => {
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await page.getByRole('button', { name: 'Create ticket' }).click();
  const panel = page.getByRole('dialog', { name: 'Create ticket' });
  const contact = panel.getByRole('combobox', { name: 'Contact' });
  // The session ends (logged out elsewhere, or expired) while the panel is open.
  const cookies = await page.context().cookies();
  await page.context().clearCookies();
  await contact.pressSequentially('tom');
  await expect(panel.getByRole('alert').filter({ hasText: 'Search failed.' }))
    .toHaveText('Search failed. Your session has ended. Log in again to continue.');
  await expect(contact).toHaveAccessibleDescription(/Log in again/);
  // Back in session, the next keystroke searches again and the message goes.
  await page.context().addCookies(cookies);
  await contact.press('Backspace');
  await expect(panel.getByRole('option', { name: /Tom Becker/ })).toBeVisible();
  await expect(panel.getByText('Search failed.')).toHaveCount(0);
});
