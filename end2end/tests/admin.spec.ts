import { test, expect } from '@playwright/test';
import { hydrated, logIn, logInFromStart, watchConsole } from './helpers';

test('an admin adds a user, gives them a team and a role, and the user can log in', async ({ page, browser }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'admin@demo.test');
  // The workspace runs the workspace client; the settings pages load the settings client
  // (a smaller wasm file of their own) with a full page load, and it hydrates.
  const client = () => page.evaluate(() =>
    [...document.querySelectorAll('link[rel=modulepreload][href$="/frontend.js"]')].map((l) => new URL((l as HTMLLinkElement).href).pathname).join());
  expect(await client()).toMatch(/^\/pkg\/[^/]+\/frontend\.js$/);
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  await hydrated(page);
  expect(await client()).toMatch(/^\/pkg\/[^/]+\/settings\/frontend\.js$/);
  // Within the settings client, pages change without a load; back to the workspace is a load.
  await page.getByRole('link', { name: 'Teams' }).click();
  await expect(page.getByRole('heading', { name: 'Teams' })).toBeVisible();
  await page.getByRole('link', { name: 'Workspace' }).click();
  await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible();
  await hydrated(page);
  expect(await client()).toMatch(/^\/pkg\/[^/]+\/frontend\.js$/);
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  await hydrated(page);

  const email = `new-${Date.now()}@demo.test`;
  await page.getByLabel('Name', { exact: true }).fill('Nia New');
  await page.getByLabel('Email').fill('not an email');
  await page.getByLabel('Password').fill('long enough');
  await page.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByText('Enter an email address like name@example.com.')).toBeVisible();

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Service access' });
  await page.getByRole('button', { name: 'Add user' }).click();
  const row = page.getByRole('row').filter({ hasText: email });
  await expect(row).toBeVisible();

  // Each control saves on change; wait for the save before reloading.
  const saved = (endpoint: string) => page.waitForResponse((r) => r.url().endsWith(endpoint) && r.ok());
  await Promise.all([saved('/api/admin/set_user_role'),
    row.getByRole('combobox', { name: 'Role of Nia New' }).selectOption({ label: 'Help desk seat' })]);
  await Promise.all([saved('/api/admin/set_team_member'), row.getByRole('checkbox', { name: 'Support' }).check()]);
  await page.reload();
  const reloaded = page.getByRole('row').filter({ hasText: email });
  await expect(reloaded.getByRole('combobox', { name: 'Role of Nia New' })).toHaveValue('HelpDesk');
  await expect(reloaded.getByRole('checkbox', { name: 'Support' })).toBeChecked();

  const other = await browser.newPage();
  await other.goto('/login');
  await hydrated(other);
  await logIn(other, email, 'long enough');
  await expect(other.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Unassigned' })).toBeVisible();

  // Deactivating the user ends their session.
  await hydrated(page);
  await reloaded.getByRole('checkbox', { name: 'Active: Nia New' }).uncheck();
  await expect(page.getByRole('row').filter({ hasText: email })).toContainText('Deactivated');
  await other.goto('/');
  await expect(other).toHaveURL(/\/login/);
  expect(problems).toEqual([]);
});

test('an admin creates a team', async ({ page }) => {
  await logInFromStart(page, 'admin@demo.test');
  await page.getByRole('link', { name: 'Teams' }).click();
  await hydrated(page);
  const name = `Team ${Date.now()}`;
  await page.getByLabel('Team name').fill(name);
  await page.getByRole('button', { name: 'Add team' }).click();
  await expect(page.getByRole('cell', { name })).toBeVisible();
  await page.getByLabel('Team name').fill(name);
  await page.getByRole('button', { name: 'Add team' }).click();
  await expect(page.getByText('A team with this name already exists.')).toBeVisible();
});

test('every page fits a 420 px wide screen without sideways scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 420, height: 900 });
  await logInFromStart(page, 'admin@demo.test');
  for (const path of ['/', '/admin/users', '/admin/teams', '/admin/pipelines', '/admin/properties']) {
    await page.goto(path);
    await hydrated(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${path} is ${overflow}px wider than the screen`).toBeLessThanOrEqual(0);
  }
  // Wide tables scroll inside their own box; their controls stay reachable.
  await page.goto('/admin/pipelines');
  await expect(page.getByRole('table').first()).toBeVisible();
});
