import { test, expect } from '@playwright/test';
import { hydrated, logInFromStart, watchConsole } from './helpers';

test('an admin adds a property and edits the create form; an agent creates a ticket with it', async ({ page, browser }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'admin@demo.test');
  const label = `Order number ${Date.now()}`;
  await page.getByRole('link', { name: 'Properties' }).click();
  await expect(page.getByRole('heading', { name: 'Properties' })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('Label').fill(label);
  await expect(page.getByLabel('Internal name')).toHaveValue(/^order_number_\d+$/);
  await page.getByLabel('Field type').selectOption({ label: 'Number' });
  await page.getByLabel('Help text').fill('From the shop system');
  await page.getByRole('button', { name: 'Add property' }).click();
  await expect(page.getByRole('cell', { name: label, exact: true })).toBeVisible();

  await page.getByRole('link', { name: 'Workspace' }).click();
  await page.getByRole('button', { name: 'Create ticket' }).click();
  const panel = page.getByRole('dialog', { name: 'Create ticket' });
  await panel.getByRole('button', { name: 'Edit this form' }).click();
  const editor = panel.getByRole('region', { name: 'Edit the Create ticket form' });
  await editor.getByLabel('Add a property').selectOption({ label });
  await editor.getByRole('button', { name: 'Add to form' }).click();
  const fields = editor.getByRole('list', { name: 'Form fields' });
  await expect(fields.getByRole('listitem').last()).toContainText(label);
  // Keyboard reorder: the handle keeps focus while the field climbs to the top.
  const handle = editor.getByRole('button', { name: `Reorder ${label}` });
  await handle.focus();
  const moves = (await fields.getByRole('listitem').count()) - 4;
  for (let i = 0; i < moves; i++) {
    await page.keyboard.press('ArrowUp');
    await expect(editor.getByRole('button', { name: `Reorder ${label}` })).toBeFocused();
  }
  await expect(fields.getByRole('listitem').nth(3)).toContainText(label);
  // Drag and drop: Description dropped on Priority takes Priority's place; the others keep
  // their order (whichever of the two came first: a rerun starts from the saved layout).
  const fieldOrder = () => fields.getByRole('listitem').locator('.editor-label').allTextContents();
  const before = await fieldOrder();
  await fields.getByRole('listitem').filter({ hasText: 'Description' }).dragTo(fields.getByRole('listitem').filter({ hasText: 'Priority' }));
  const after = await fieldOrder();
  expect(after.indexOf('Description')).toBe(before.indexOf('Priority'));
  const others = (order: string[]) => order.filter((name) => name !== 'Description');
  expect(others(after)).toEqual(others(before));
  await editor.getByLabel('Priority required').check();
  await expect(editor.getByRole('button', { name: 'Remove Priority' })).toBeDisabled();
  await editor.getByRole('button', { name: 'Preview' }).click();
  await expect(editor.getByRole('group', { name: 'Preview of the form' })).toContainText(`${label}`);
  await expect(editor.getByRole('group', { name: 'Preview of the form' })).toContainText('Priority *');
  await editor.getByRole('button', { name: 'Save form' }).click();
  await expect(editor).toHaveCount(0);
  // The admin's own panel follows the new layout at once: the property right after the status.
  const labels = panel.locator('form .field > label');
  await expect(labels.nth(3)).toHaveText(label);
  await expect(labels.nth(0)).toHaveText(/^Ticket name/);
  await expect(labels.nth(2)).toHaveText(/^Ticket status/);

  // An agent now creates a ticket with the new field, a company and two contacts.
  const agent = await browser.newPage();
  const agentProblems = watchConsole(agent);
  await logInFromStart(agent, 'agent@demo.test');
  await hydrated(agent);
  await expect(agent.getByRole('button', { name: 'Edit this form' })).toHaveCount(0);
  await agent.getByRole('button', { name: 'Create ticket' }).click();
  const agentPanel = agent.getByRole('dialog', { name: 'Create ticket' });
  await expect(agentPanel.getByRole('button', { name: 'Edit this form' })).toHaveCount(0);
  const name = `Missing parcel ${Date.now()}`;
  await agentPanel.getByLabel('Ticket name').fill(name);
  await agentPanel.getByLabel(label).fill('not a number');
  await agentPanel.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(agentPanel.getByText(`${label} must be a number`)).toBeVisible();
  await agentPanel.getByLabel(label).fill('1042');
  const company = agentPanel.getByRole('combobox', { name: 'Company' });
  await company.pressSequentially('acme');
  await agentPanel.getByRole('option', { name: /Acme Corp/ }).click();
  const contact = agentPanel.getByRole('combobox', { name: 'Contact' });
  await contact.pressSequentially('maria');
  await agentPanel.getByRole('option', { name: /Maria Lopez/ }).click();
  await contact.pressSequentially('lena');
  await agentPanel.getByRole('option', { name: /Lena Fischer/ }).click();
  await agentPanel.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(agent.getByRole('heading', { name })).toBeVisible();
  const sidebar = agent.getByRole('complementary', { name: 'Ticket context' });
  await expect(sidebar.getByLabel(label)).toHaveValue('1042');
  await expect(sidebar.getByText('Lena Fischer')).toBeVisible();
  await expect(sidebar.getByText('Acme Corp')).toBeVisible();
  await expect(agent.getByRole('link', { name: new RegExp(name) })).toBeVisible();
  await agent.goto('/?view=unassigned');
  await expect(agent.getByRole('link', { name: new RegExp(name) })).toBeVisible();
  expect(problems).toEqual([]);
  expect(agentProblems).toEqual([]);
});

test('an admin builds a pipeline with rules, and agents are held to them', async ({ page, browser }) => {
  const problems = watchConsole(page);
  await logInFromStart(page, 'admin@demo.test');
  await page.goto('/admin/pipelines');
  await hydrated(page);
  await page.getByRole('button', { name: 'Create pipeline' }).click();
  const pipelineName = `Returns ${Date.now()}`;
  await page.getByLabel('Pipeline name').fill(pipelineName);
  await page.getByRole('button', { name: 'Add status' }).click();
  await page.getByLabel('Name of new status').fill('Inspecting');
  await page.getByLabel('Name of new status').blur();
  await page.getByRole('button', { name: 'Move Inspecting up' }).click();
  await page.getByLabel("Don't allow skipping statuses").check();
  await page.getByRole('button', { name: 'Save pipeline' }).click();
  await expect(page.getByText('Pipeline saved.')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Pipelines' }).getByRole('button', { name: pipelineName })).toBeVisible();
  await page.reload();
  await hydrated(page);
  await page.getByRole('navigation', { name: 'Pipelines' }).getByRole('button', { name: pipelineName }).click();
  const statusNames = await page.locator('.statuses-table tbody input:not([type])').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
  expect(statusNames).toEqual(['New', 'Inspecting', 'Closed']);
  await expect(page.getByLabel("Don't allow skipping statuses")).toBeChecked();

  // An agent creates a ticket in it; skipping to Closed is refused with the rule's words.
  const agent = await browser.newPage();
  const agentProblems = watchConsole(agent);
  await logInFromStart(agent, 'agent@demo.test');
  await hydrated(agent);
  await agent.getByRole('button', { name: 'Create ticket' }).click();
  const panel = agent.getByRole('dialog', { name: 'Create ticket' });
  const name = `Broken kettle ${Date.now()}`;
  await panel.getByLabel('Ticket name').fill(name);
  await panel.getByLabel('Pipeline').selectOption({ label: pipelineName });
  // Closed does not allow creation in a new pipeline: only New is offered.
  await expect(panel.getByLabel('Ticket status').locator('option')).toHaveText(['New']);
  await panel.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(agent.getByRole('heading', { name })).toBeVisible();
  const sidebar = agent.getByRole('complementary', { name: 'Ticket context' });
  await sidebar.getByLabel('Ticket status').selectOption({ label: 'Closed' });
  await expect(sidebar.getByText('does not allow skipping statuses: move the ticket to Inspecting first.')).toBeVisible();
  await sidebar.getByLabel('Ticket status').selectOption({ label: 'Inspecting' });
  await expect(sidebar.getByText('changed Ticket status from New to Inspecting')).toBeVisible();
  // The same control moves the ticket to another pipeline, through that pipeline's way in.
  const wayIn = sidebar.locator('optgroup[label="Move to Support pipeline"] option', { hasText: 'New' });
  await sidebar.getByLabel('Ticket status').selectOption(await wayIn.getAttribute('value'));
  await expect(sidebar.getByText(`changed Pipeline from ${pipelineName} to Support pipeline`)).toBeVisible();
  await expect(sidebar.locator('optgroup').first()).toHaveAttribute('label', 'Support pipeline');
  expect(problems).toEqual([]);
  expect(agentProblems).toEqual([]);
});

test('a viewer sees neither Edit this form nor the settings pages', async ({ page }) => {
  await logInFromStart(page, 'viewer@demo.test');
  await expect(page.getByRole('link', { name: 'Pipelines' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Edit this form' })).toHaveCount(0);
  for (const path of ['/admin/pipelines', '/admin/properties']) {
    const response = await page.goto(path);
    expect(response?.status()).toBe(404);
  }
});
