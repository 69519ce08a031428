import { test, expect } from '@playwright/test';
import { hydrated, logInFromStart, watchConsole } from './helpers';

/** A message with an HTML body, a remote image and a script, as a mail server would post it. */
function message(id: string, subject: string) {
  return [
    'From: "Rita Remote" <rita@remote-images.test>',
    'To: support@demo.test',
    `Subject: ${subject}`,
    `Message-ID: <${id}@remote-images.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Our logo is <b>broken</b>:</p><img src="https://images.remote-images.test/logo.png" alt="Remote logo"><script>document.title="pwned"</script>',
    '',
  ].join('\r\n');
}

test('an admin makes an endpoint token; mail posted with it becomes a ticket whose remote images wait for Show images', async ({ page, request }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'admin@demo.test');
  await page.goto('/admin/email');
  await hydrated(page);
  await page.getByRole('button', { name: /^(Create|Replace) endpoint token for support@demo.test$/ }).click();
  const shown = page.locator('pre.endpoint');
  await expect(shown).toContainText('Authorization: Bearer ');
  const text = (await shown.textContent()) ?? '';
  const path = /POST (\S+)/.exec(text)![1];
  const token = /Bearer (\S+)/.exec(text)![1];

  const stamp = Date.now();
  const subject = `Broken logo ${stamp}`;
  const wrong = await request.post(path, { headers: { authorization: 'Bearer wrong' }, data: message(`x${stamp}`, subject) });
  expect(wrong.status()).toBe(401);
  const posted = await request.post(path, {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'message/rfc822' },
    data: message(`m${stamp}`, subject),
  });
  expect(posted.status()).toBe(200);
  const answer = await posted.json();
  expect(answer.outcome).toBe('stored');

  // The remote server, played by the test: a 1x1 PNG, and a count of who asked for it.
  let fetched = 0;
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  await page.route('https://images.remote-images.test/**', (route) => {
    fetched += 1;
    return route.fulfill({ contentType: 'image/png', body: png });
  });
  await page.goto(`/tickets/${answer.ticket}`);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: subject })).toBeVisible();
  const thread = page.getByRole('article', { name: 'Email conversation with Rita Remote' });
  await expect(thread.getByText('New ticket', { exact: true })).toBeVisible();
  await expect(thread.getByText('broken', { exact: true })).toBeVisible();
  const image = thread.getByRole('img', { name: 'Remote logo' });
  await expect(image).toHaveAttribute('src', /^\/images\/remote\?src=/);
  expect(fetched, 'nothing was asked of the sender before Show images').toBe(0);
  await thread.getByRole('button', { name: 'Show images' }).click();
  await expect(image).toHaveAttribute('src', 'https://images.remote-images.test/logo.png');
  // Loaded: the page's policy lets https images in once they are shown.
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);
  expect(fetched).toBe(1);
  await expect(thread.getByRole('button', { name: 'Show images' })).toBeHidden();
  const original = thread.getByRole('link', { name: 'Show original' });
  const raw = await page.request.get((await original.getAttribute('href'))!);
  expect(raw.status()).toBe(200);
  expect(await raw.text()).toContain(`Subject: ${subject}`);
  expect(await page.title()).not.toContain('pwned');
  expect(problems).toEqual([]);
});

test('an agent emails a contact from their page: a new Email ticket opens with the message on it', async ({ page }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'agent@demo.test');
  await hydrated(page);
  await page.getByRole('link', { name: /Invoice shows the wrong VAT number/ }).click();
  await page.getByRole('complementary', { name: 'Ticket context' }).getByRole('link', { name: 'Tom Becker' }).click();
  await expect(page.getByRole('heading', { name: 'Tom Becker' })).toBeVisible();
  await page.getByRole('button', { name: 'Send email' }).click();
  const form = page.getByRole('form', { name: 'Send email' });
  await expect(form.getByLabel('From')).toContainText('support@demo.test');
  await expect(form.getByLabel('To')).toHaveValue('tom@globex.test');
  // Without a subject: told on the field, nothing opened.
  await form.getByLabel('Message').fill('Hello Tom');
  await form.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(form.getByText('Write a subject: it also names the ticket.')).toBeVisible();
  const subject = `Your renewal <b>${Date.now()}</b>`;
  await form.getByLabel('Subject').fill(subject);
  await form.getByLabel('Message').fill('Hello Tom,\n\nyour plan renews next month.');
  await form.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('heading', { name: subject })).toBeVisible();
  await expect(page).toHaveURL(/\/tickets\//);
  const thread = page.getByRole('article', { name: /Email conversation with Tom Becker/ });
  await expect(thread.getByText('your plan renews next month.')).toBeVisible();
  await page.screenshot({ path: 'test-results/send-email-ticket.png', fullPage: true });
  expect(problems).toEqual([]);
});

test('Settings > Email has the incoming server fields and Test connection says what failed', async ({ page }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'admin@demo.test');
  await page.goto('/admin/email');
  await hydrated(page);
  await page.getByRole('button', { name: 'Edit support@demo.test' }).click();
  const form = page.getByRole('form', { name: 'Edit address' });
  await form.getByLabel('IMAP server').fill('127.0.0.1');
  await form.getByLabel('IMAP port').fill('1');
  await form.getByLabel('IMAP security').selectOption({ label: 'None (plain IMAP)' });
  await form.getByLabel('IMAP user name').fill('support@demo.test');
  await form.getByLabel('IMAP password').fill('secret');
  await expect(form.getByLabel('Folder')).toHaveValue('INBOX');
  await form.getByRole('button', { name: 'Test connection' }).click();
  await expect(form.getByText(/Could not reach 127\.0\.0\.1:1/)).toBeVisible();
  await page.screenshot({ path: 'test-results/email-settings-imap.png', fullPage: true });
  await expect(page.getByRole('heading', { name: 'Failed to import' })).toBeVisible();
  expect(problems).toEqual([]);
});
