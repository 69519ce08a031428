import { test, expect, type Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { expectNoSeriousA11yViolations, hydrated, logInFromStart, watchConsole } from './helpers';

/** A new ticket with a conversation with Priya Shah (by email), open in `page`. */
async function ticketWithConversation(page: Page, title: string): Promise<string> {
  await page.getByRole('button', { name: 'Create ticket' }).click();
  const panel = page.getByRole('dialog', { name: 'Create ticket' });
  const name = `${title} ${Date.now()}`;
  await panel.getByLabel('Ticket name').fill(name);
  await panel.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('heading', { name })).toBeVisible();
  await page.getByRole('button', { name: 'Add contact' }).click();
  await page.getByRole('combobox', { name: 'Contact' }).pressSequentially('priya');
  await page.getByRole('option', { name: /Priya Shah/ }).click();
  await expect(page.getByRole('textbox', { name: 'Reply' })).toBeVisible();
  return name;
}

const editor = (page: Page) => page.getByRole('textbox', { name: 'Reply', exact: true });
const saveState = (page: Page) => page.locator('#reply-save-state');

test('a reply draft is saved while typing, survives a reload, is listed in Drafts, and only its author sees it', async ({ page, browser }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  const name = await ticketWithConversation(page, 'Draft keeps');
  await expect(page.getByLabel('To', { exact: true })).toHaveValue('priya@initech.test');
  await editor(page).click();
  await editor(page).pressSequentially('Hello Priya, we are on it.');
  await expect(saveState(page)).toHaveText('Saved');
  await page.reload();
  await hydrated(page);
  await expect(editor(page)).toHaveText('Hello Priya, we are on it.');
  // Leave and come back.
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: /Drafts/ }).click();
  const drafts = page.getByRole('region', { name: 'Drafts' });
  await expect(drafts.getByRole('link', { name: new RegExp(name) })).toContainText('Hello Priya, we are on it.');
  await drafts.getByRole('link', { name: new RegExp(name) }).click();
  await expect(editor(page)).toHaveText('Hello Priya, we are on it.');
  // Another user on the same ticket has an empty editor of their own.
  const other = await browser.newContext();
  const admin = await other.newPage();
  await logInFromStart(admin, 'admin@demo.test');
  await admin.goto(page.url());
  await hydrated(admin);
  await expect(editor(admin)).toBeVisible();
  await expect(editor(admin)).toHaveText('');
  await admin.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: /Drafts/ }).click();
  await expect(admin.getByRole('region', { name: 'Drafts' }).getByRole('link', { name: new RegExp(name) })).toHaveCount(0);
  await other.close();
  expect(problems).toEqual([]);
});

test('typing while the network is down says "Not saved, retrying" and saves once it is back', async ({ page }) => {
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await ticketWithConversation(page, 'Offline draft');
  await page.route('**/api/save_draft', (route) => route.abort());
  await editor(page).click();
  await editor(page).pressSequentially('Written offline');
  await expect(saveState(page)).toHaveText('Not saved, retrying');
  await page.unroute('**/api/save_draft');
  await expect(saveState(page)).toHaveText('Saved', { timeout: 15_000 });
  await page.reload();
  await hydrated(page);
  await expect(editor(page)).toHaveText('Written offline');
});

test('two windows on one draft: the older one is told and may load the newer text', async ({ page, context }) => {
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await ticketWithConversation(page, 'Two windows');
  await editor(page).click();
  await editor(page).pressSequentially('First window');
  await expect(saveState(page)).toHaveText('Saved');
  const second = await context.newPage();
  await second.goto(page.url());
  await hydrated(second);
  await expect(editor(second)).toHaveText('First window');
  await editor(second).click();
  await editor(second).press('End');
  await editor(second).pressSequentially(' and the second');
  await expect(saveState(second)).toHaveText('Saved');
  // The first window, still on the older version, types on.
  await editor(page).click();
  await editor(page).press('End');
  await editor(page).pressSequentially(' again');
  await expect(page.getByRole('alert').filter({ hasText: 'This draft was changed in another window.' })).toBeVisible();
  await page.getByRole('button', { name: 'Load the newer text' }).click();
  await expect(editor(page)).toHaveText('First window and the second');
});

test('bold and a list go out as HTML and as text, and the message shows Sent', async ({ page }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  const name = await ticketWithConversation(page, 'Formatted reply');
  await editor(page).click();
  await page.getByRole('button', { name: 'Bold' }).click();
  await editor(page).pressSequentially('Important');
  await page.getByRole('button', { name: 'Bold' }).click();
  await editor(page).press('Enter');
  await page.getByRole('button', { name: 'Bulleted list' }).click();
  await editor(page).pressSequentially('first step');
  await editor(page).press('Enter');
  await editor(page).pressSequentially('second step');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Reply scheduled.' })).toBeVisible();
  const thread = page.getByRole('article', { name: 'Email conversation with Priya Shah' });
  await expect(thread.locator('.message-reply .message-body').last().locator('b, strong').first()).toHaveText('Important');
  await expect(thread.getByText('Sent', { exact: true })).toBeVisible({ timeout: 30_000 });
  // What the demo mailbox received.
  const dir = process.env.DEMO_MAIL_DIR;
  if (dir) {
    const mail = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .find((m) => m.includes(name.replace(/ \d+$/, '')) && m.includes('first step'));
    expect(mail, 'the reply reached the mailbox').toBeTruthy();
    const unfolded = mail!.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    expect(unfolded).toMatch(/<(b|strong)>Important<\/(b|strong)>/);
    expect(unfolded).toContain('<li>first step</li>');
    expect(unfolded).toContain('* first step');
  }
  expect(problems).toEqual([]);
});

test('"Send and set Closed" asks for Close reason in place, then sends and closes; Undo puts it all back', async ({ page }) => {
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await ticketWithConversation(page, 'Send and close');
  await editor(page).click();
  await editor(page).pressSequentially('All done, closing.');
  await page.getByRole('button', { name: 'More send options' }).click();
  await page.getByRole('menuitem', { name: 'Send and set Closed' }).click();
  const prompt = page.getByRole('group', { name: 'Needed for Closed' });
  await prompt.getByLabel('Close reason').selectOption('Solved');
  await prompt.getByRole('button', { name: 'Send and set Closed' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Reply scheduled.' })).toBeVisible();
  const sidebar = page.getByRole('complementary', { name: 'Ticket context' });
  await expect(sidebar.getByLabel('Ticket status')).toHaveValue(/.+/);
  await expect(sidebar.getByLabel('Ticket status').locator('option:checked')).toHaveText('Closed');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(editor(page)).toHaveText('All done, closing.');
  await expect(sidebar.getByLabel('Ticket status').locator('option:checked')).toHaveText('New');
});

test('when another agent replied meanwhile, Send shows what is new and offers Send anyway', async ({ page, browser }) => {
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await ticketWithConversation(page, 'Collision');
  const other = await browser.newContext();
  const admin = await other.newPage();
  await logInFromStart(admin, 'admin@demo.test');
  await admin.goto(page.url());
  await hydrated(admin);
  await editor(admin).click();
  await editor(admin).pressSequentially('Admin answered first.');
  await admin.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(admin.getByRole('status').filter({ hasText: 'Reply scheduled.' })).toBeVisible();
  await other.close();
  await editor(page).click();
  await editor(page).pressSequentially('My late answer.');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const warning = page.getByRole('alert').filter({ hasText: 'The ticket changed since you started writing.' });
  await expect(warning).toContainText('Admin answered first.');
  await warning.getByRole('button', { name: 'Send anyway' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Reply scheduled.' })).toBeVisible();
});

test('a reply can answer a specific message, and the editor says which', async ({ page }) => {
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await page.getByRole('link', { name: /Invoice shows the wrong VAT number/ }).click();
  const thread = page.getByRole('article', { name: /Email conversation with Tom Becker/ });
  await expect(page.locator('.composer-answering')).toContainText('Replying to Tom Becker');
  const first = thread.getByRole('button', { name: 'Reply to this message' }).first();
  await first.click();
  await expect(first).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Reply to the latest instead' }).click();
  await expect(first).toHaveAttribute('aria-pressed', 'false');
});

test('a ticket page with the composer open, recipients and the send menu shown, has no serious accessibility violations', async ({ page }) => {
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await page.getByRole('link', { name: /Invoice shows the wrong VAT number/ }).click();
  await editor(page).click();
  await editor(page).pressSequentially('Checking the invoice.');
  await page.getByRole('button', { name: 'From, CC, BCC' }).click();
  await page.getByRole('button', { name: 'More send options' }).click();
  await expect(page.getByRole('menuitem').first()).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  // Every composer control is reachable with the keyboard.
  await page.getByRole('button', { name: 'More send options' }).click();
  await page.getByLabel('To', { exact: true }).focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'From, CC, BCC' })).toBeFocused();
});

test('files attach with progress, one over the limit is refused with the reason, and the sent reply lists them for download', async ({ page }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await ticketWithConversation(page, 'Attached files');
  await editor(page).click();
  await editor(page).pressSequentially('The invoice is attached.');
  // A slow upload shows its progress.
  await page.route('**/files?*', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await route.continue();
  });
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Attach files' }).click();
  await (await chooser).setFiles([{ name: 'invoice.txt', mimeType: 'text/plain', buffer: Buffer.from('Invoice 42\n') }]);
  const files = page.getByRole('list', { name: 'Files on this reply' });
  await expect(files.getByRole('progressbar', { name: 'Uploading invoice.txt' })).toBeVisible();
  await expect(files.getByRole('link', { name: 'invoice.txt' })).toBeVisible({ timeout: 10_000 });
  await page.unroute('**/files?*');
  // Over the limit (25 MB in all): named with the reason, no bytes sent.
  const second = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Attach files' }).click();
  await (await second).setFiles([{ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(26 * 1024 * 1024) }]);
  await expect(files.getByRole('alert')).toContainText('huge.bin was not attached');
  await files.getByRole('button', { name: 'Dismiss' }).click();
  await expect(files.getByRole('alert')).toHaveCount(0);
  // The file stays with the draft.
  await expect(saveState(page)).toHaveText('Saved');
  await page.reload();
  await hydrated(page);
  await expect(files.getByRole('link', { name: 'invoice.txt' })).toBeVisible();
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Reply scheduled.' })).toBeVisible();
  const thread = page.getByRole('article', { name: 'Email conversation with Priya Shah' });
  const link = thread.getByRole('list', { name: 'Attachments' }).getByRole('link', { name: 'invoice.txt' });
  await expect(link).toBeVisible();
  const download = await page.request.get((await link.getAttribute('href'))!);
  expect(download.status()).toBe(200);
  expect(await download.text()).toBe('Invoice 42\n');
  expect(problems).toEqual([]);
});

test('a half-typed CC address does not stop the draft saving; leaving the field names it, and Send refuses it', async ({ page }) => {
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await ticketWithConversation(page, 'Half typed');
  await page.getByRole('button', { name: 'From, CC, BCC' }).click();
  const cc = page.getByRole('combobox', { name: 'CC', exact: true });
  await cc.pressSequentially('mary@glo');
  await expect(saveState(page)).toHaveText('Saved');
  await expect(page.getByText('is not an email address')).toHaveCount(0);
  await editor(page).click();
  await expect(page.getByRole('alert').filter({ hasText: '"mary@glo" is not an email address' })).toBeVisible();
  await expect(cc).toHaveAttribute('aria-invalid', 'true');
  await editor(page).pressSequentially('Copying Mary.');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: '"mary@glo" is not an email address' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Reply scheduled.' })).toHaveCount(0);
  await cc.fill('mary@globex.test');
  await expect(page.getByText('is not an email address')).toHaveCount(0);
});

test('the signature below the text is the address\'s, editable per reply, and kept with the draft', async ({ page }) => {
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  const name = await ticketWithConversation(page, 'Own signature');
  const signature = page.getByRole('textbox', { name: 'Signature' });
  await expect(signature).toContainText('The Demo Support team');
  await editor(page).click();
  await editor(page).pressSequentially('Your refund is on its way.');
  await signature.click();
  await page.keyboard.press('ControlOrMeta+a');
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/save_draft') && r.request().postData()!.includes('billing'));
  await page.keyboard.type('Sam, billing desk');
  expect((await saved).status()).toBe(200);
  await expect(saveState(page)).toHaveText('Saved');
  await page.reload();
  await hydrated(page);
  await expect(signature).toHaveText('Sam, billing desk');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Reply scheduled.' })).toBeVisible();
  // The next reply starts from the address's signature again.
  await expect(signature).toContainText('The Demo Support team');
  const thread = page.getByRole('article', { name: 'Email conversation with Priya Shah' });
  await expect(thread.locator('.message-reply .message-body').last()).toContainText('Sam, billing desk');
  const dir = process.env.DEMO_MAIL_DIR;
  if (dir) {
    await expect(thread.getByText('Sent', { exact: true })).toBeVisible({ timeout: 30_000 });
    const mail = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .find((m) => m.includes(name.replace(/ \d+$/, '')) && m.includes('refund is on its way'));
    expect(mail).toContain('Sam, billing desk');
    expect(mail).not.toContain('The Demo Support team');
  }
});
