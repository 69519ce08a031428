import { test, expect } from '@playwright/test';
import { hydrated, logIn, logInFromStart, PASSWORD, watchConsole } from './helpers';

/** A new help desk user, made by the admin through the server function. */
async function newUser(request: import('@playwright/test').APIRequestContext, password: string) {
  const login = await request.post('/api/login', { form: { email: 'admin@demo.test', password: PASSWORD }, maxRedirects: 0 });
  expect(login.status()).toBeLessThan(400);
  const email = `account-${Date.now()}-${Math.floor(Math.random() * 1e6)}@demo.test`;
  const made = await request.post('/api/admin/create_user', {
    form: { email, name: `Acc ${email.slice(8, 20)}`, password, role: 'HelpDesk', scope: 'All' },
  });
  expect(made.status()).toBe(200);
  return email;
}

test('a user changes their password from Account, and their other sessions end', async ({ page, browser, request }) => {
  const problems = watchConsole(page);
  const email = await newUser(request, 'first-password');
  // Another browser is logged in as the same user.
  const other = await browser.newPage();
  await other.goto('/login');
  await hydrated(other);
  await logIn(other, email, 'first-password');
  await expect(other.getByRole('navigation', { name: 'Views' })).toBeVisible();

  await page.goto('/login');
  await hydrated(page);
  await logIn(page, email, 'first-password');
  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page.getByRole('heading', { name: 'Account', level: 1 })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('Current password').fill('not-it');
  await page.getByLabel('New password').fill('second-password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('That is not your current password.')).toBeVisible();
  await page.getByLabel('Current password').fill('first-password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Password changed. Your other sessions were logged out.')).toBeVisible();

  // The other browser's session has ended: its next page load goes to the login page.
  await other.reload();
  await expect(other).toHaveURL(/\/login/);
  await logIn(other, email, 'second-password');
  await expect(other.getByRole('navigation', { name: 'Views' })).toBeVisible();

  await page.getByRole('button', { name: 'Log out other sessions' }).click();
  await expect(page.getByText('1 other session was logged out.')).toBeVisible();
  await other.reload();
  await expect(other).toHaveURL(/\/login/);
  expect(problems.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
});

test('an admin resets a user\'s password on the Users page and sees it in the audit log', async ({ page, browser, request }) => {
  const email = await newUser(request, 'before-reset');
  await logInFromStart(page, 'admin@demo.test');
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  await hydrated(page);
  const row = page.getByRole('row').filter({ hasText: email });
  await row.getByRole('button', { name: 'Reset password' }).click();
  await row.getByLabel(/New password for/).fill('after-reset-1');
  await row.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByText(/Password reset\. Give the user the new password/)).toBeVisible();
  await expect(page.getByRole('table', { name: /Changes to users/ }).getByText('Password reset').first()).toBeVisible();

  const user = await browser.newPage();
  await user.goto('/login');
  await hydrated(user);
  await logIn(user, email, 'after-reset-1');
  await expect(user.getByRole('navigation', { name: 'Views' })).toBeVisible();
});
