// Deals in a real browser, on the demo pipeline: the demo customer's cards show their shared
// deals and what changed since their last visit, never another customer's; a rep shares a
// deal with its amount and the customer then sees it; a partner sees its organisation's
// pipeline, never another partner's; staff edit a deal under If-Match (a colleague's change in
// between is explained), write notes, add contacts and run the pipeline's stages.
import { test, expect, Page } from '@playwright/test';
import { ARTIFACTS, type Api, as, consoleSignIn, noAxeViolations, portalSignIn, shoot, watchErrors } from './support';

type Stage = { id: string; name: string; position: number; category: string; locks_contract: boolean };

async function account(api: Api, kind: string, name: string): Promise<string> {
  const list = await api.get(`/admin/accounts?type=${kind}&limit=200`);
  return list.items.find((a: { name: string }) => a.name === name).id;
}

async function openStages(api: Api): Promise<Stage[]> {
  const pipeline = await api.get('/pipeline/stages');
  return pipeline.stages.filter((s: Stage) => s.category === 'open');
}

async function userId(api: Api, email: string): Promise<string> {
  const list = await api.get(`/admin/users?q=${encodeURIComponent(email)}`);
  return list.items.find((u: { email: string }) => u.email === email).id;
}

async function dealId(api: Api, name: string): Promise<string> {
  const page = await api.get(`/deals?q=${encodeURIComponent(name)}`);
  return page.items.find((d: { name: string }) => d.name === name).id;
}

test('the demo customer sees their shared deals and what changed since their last visit, not another customer’s', async ({ page, request }) => {
  const errors = watchErrors(page);
  // The demo data: Globex's customer last visited three days ago; since then the rollout
  // moved from Proposal to Negotiation and got a shared note. The analytics add-on is not
  // shared with them, and Initech's deals are another customer's.
  await portalSignIn(page, 'acme', 'customer@globex.example', 'Gloria');
  const deals = page.getByRole('region', { name: 'Your deals' });
  const rollout = deals.locator('.deal-card', { hasText: 'Globex platform rollout' });
  await expect(rollout).toBeVisible();
  await expect(rollout.getByText('Since your last visit')).toBeVisible();
  await expect(rollout).toContainText('Stage moved from Proposal to Negotiation');
  await expect(rollout).toContainText('Stage 4 of 4: Negotiation');
  await expect(rollout.locator('.track li.current')).toHaveCount(1);
  await expect(rollout).toContainText('EUR 120,000.00');
  await expect(rollout).toContainText('Remy Rep');
  const support = deals.locator('.deal-card', { hasText: 'Globex support renewal' });
  await expect(support).toBeVisible();
  await expect(support, 'an amount not shared stays hidden').not.toContainText('EUR');
  for (const hidden of ['Globex analytics add-on', 'Initech data migration', 'Initech training package']) {
    await expect(page.getByText(hidden)).toHaveCount(0);
  }
  await noAxeViolations(page, 'customer home');
  await shoot(page, 'deals-customer-home');

  await rollout.getByRole('link', { name: 'Globex platform rollout' }).click();
  await expect(page.getByRole('heading', { name: 'Globex platform rollout' })).toBeFocused();
  const timeline = page.getByRole('region', { name: 'Timeline' });
  await expect(timeline).toContainText('Thanks for the call today.');
  await expect(timeline).toContainText('Stage moved from Proposal to Negotiation');
  await expect(timeline).not.toContainText('champion worries');
  await noAxeViolations(page, 'customer deal');
  await shoot(page, 'deals-customer-deal');
  // Another customer's deal is not found, exactly like one that does not exist.
  const initech = await dealId(as(request, 'admin@portcullis.example'), 'Initech data migration');
  await page.goto(`/p/acme/deals/${initech}`);
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.getByText('Initech data migration')).toHaveCount(0);
  expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
});

test('a rep shares a deal with its amount, and the customer then sees it', async ({ page, browser, request }) => {
  const errors = watchErrors(page);
  const admin = as(request, 'admin@portcullis.example');
  const stamp = Date.now();
  const globex = await account(admin, 'customer', 'Globex Corporation');
  const rep = await userId(admin, 'rep@portcullis.example');
  const name = `Globex expansion ${stamp}`;
  await admin.post('/deals', {
    account_id: globex, name, owner_id: rep, amount: { minor: 4_800_000, currency: 'EUR' }, expected_close_date: '2027-06-30',
  });
  // Customers see amounts only with "View deal value"; the demo allows it to Globex.
  await admin.put('/admin/permissions', { scope: 'account', scope_id: globex, permission: 'view_deal_value', allowed: true });

  await consoleSignIn(page, 'rep@portcullis.example');
  await expect(page.getByRole('heading', { name: 'Deals', level: 1 })).toBeVisible();
  await expect(page.getByRole('button', { name: 'My deals' })).toHaveAttribute('aria-pressed', 'true');
  // A deal at a stage that locks the contract: the rep sees its amount and close date but
  // cannot change them.
  await page.getByRole('link', { name: 'Globex platform rollout' }).click();
  await expect(page.getByRole('heading', { name: 'Globex platform rollout', level: 1 })).toBeVisible();
  await expect(page.locator('.locked').first()).toContainText('EUR 120,000.00');
  await expect(page.getByText('Locked at this stage').first()).toBeVisible();
  await expect(page.getByLabel('Amount', { exact: true })).toHaveCount(0);
  await page.getByRole('link', { name: '← All deals' }).click();

  await page.getByLabel('Deal name').fill(name);
  await page.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  await expect(page.getByText('Not shared', { exact: true })).toBeVisible();
  await page.getByLabel('Show the amount to customers allowed to see deal values').check();
  await page.getByRole('button', { name: 'Share to the portal' }).click();
  await expect(page.getByRole('status').filter({ hasText: "Shared to the customer's portal." })).toBeVisible();
  await expect(page.getByText('Shared, with the amount')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Timeline' })).toContainText('Amount shared with the customer');
  await noAxeViolations(page, 'rep deal');

  const customer = await (await browser.newContext()).newPage();
  await portalSignIn(customer, 'acme', 'customer@globex.example', 'Gloria');
  const card = customer.locator('.deal-card', { hasText: name });
  await expect(card).toContainText('EUR 48,000.00');
  await expect(card).toContainText('30 Jun 2027');
  await customer.screenshot({ path: `${ARTIFACTS}/deals-customer-amount.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('a partner sees its organisation’s pipeline, not another partner’s', async ({ page, request }) => {
  const errors = watchErrors(page);
  // The demo data: Northwind co-sells the Globex rollout, registered the analytics add-on and
  // influenced Initech's security review; Contoso's deals are another partner's.
  await portalSignIn(page, 'partners', 'partner@northwind.example', 'Nora');
  const list = page.getByRole('region', { name: 'My deals' });
  const link = (name: string) => list.getByRole('link', { name, exact: true });
  for (const name of ['Globex platform rollout', 'Globex analytics add-on', 'Initech security review']) {
    await expect(link(name)).toBeVisible();
  }
  for (const name of ['Initech data migration', 'Initech expansion', 'Globex support renewal']) {
    await expect(list.getByText(name)).toHaveCount(0);
  }
  const row = list.getByRole('row', { name: /Globex platform rollout/ });
  await expect(row).toContainText('Negotiation');
  await expect(row).toContainText('EUR 120,000.00');
  // Filters: the name, the stage, the close dates; and the sort.
  await list.getByLabel('Deal name').fill('no such deal');
  await expect(list.getByText('No deals match.')).toBeVisible();
  await list.getByLabel('Deal name').fill('Globex');
  await expect(link('Initech security review')).toHaveCount(0);
  await expect(link('Globex platform rollout')).toBeVisible();
  await list.getByLabel('Stage').selectOption({ label: 'Qualification' });
  await expect(link('Globex platform rollout')).toHaveCount(0);
  await expect(link('Globex analytics add-on')).toBeVisible();
  await list.getByLabel('Stage').selectOption({ label: 'Any stage' });
  await list.getByLabel('Deal name').fill('');
  await list.getByLabel('Closing from').fill('2099-01-01');
  await expect(list.getByText('No deals match.')).toBeVisible();
  await list.getByLabel('Closing from').fill('');
  await list.getByLabel('Sort by').selectOption('close_date');
  await expect(link('Initech security review')).toBeVisible();
  await noAxeViolations(page, 'partner home');
  await shoot(page, 'deals-partner-home');

  await link('Globex platform rollout').click();
  await expect(page.getByRole('heading', { name: 'Globex platform rollout' })).toBeVisible();
  const timeline = page.getByRole('region', { name: 'Timeline' });
  await expect(timeline).toContainText('Thanks for the call today.');
  await expect(timeline).not.toContainText('champion worries');
  await noAxeViolations(page, 'partner deal');
  await shoot(page, 'deals-partner-deal');
  const contoso = await dealId(as(request, 'admin@portcullis.example'), 'Initech data migration');
  await page.goto(`/p/partners/deals/${contoso}`);
  await expect(page.getByRole('alert')).toBeVisible();
  expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
});

test('staff edit a deal under If-Match, write notes and run the pipeline’s stages', async ({ page, request }) => {
  const errors = watchErrors(page);
  const admin = as(request, 'admin@portcullis.example');
  const stamp = Date.now();
  const globex = await account(admin, 'customer', 'Globex Corporation');
  const stages = await openStages(admin);
  const name = `Globex renewal ${stamp}`;
  const deal = await admin.post('/deals', { account_id: globex, name, amount: { minor: 900_000, currency: 'GBP' } });

  await consoleSignIn(page, 'admin@portcullis.example');
  const nav = page.getByRole('navigation', { name: 'Administration' });
  await nav.getByRole('link', { name: 'Deals', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Deals', level: 1 })).toBeVisible();
  await expect(page.getByRole('button', { name: 'All deals' })).toHaveAttribute('aria-pressed', 'true');
  await noAxeViolations(page, 'console deals');
  await shoot(page, 'deals-console-list');
  await page.getByLabel('Deal name').fill(name);
  await page.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();

  // A colleague changes the deal while it is open here: saving is refused and explained.
  await admin.patch(`/deals/${deal.id}`, { next_steps: 'Call the CFO' }, deal.version);
  const dealName = page.getByRole('textbox', { name: 'Name', exact: true });
  await dealName.fill(`${name} (3 years)`);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('alert')).toContainText('Someone else changed this deal since you opened it');
  await page.getByRole('button', { name: 'Reload the deal' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Reloaded' })).toBeVisible();
  await expect(page.getByText('Call the CFO').first()).toBeVisible();
  await dealName.fill(`${name} (3 years)`);
  await page.getByLabel('Amount', { exact: true }).fill('12,000.50');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await expect(page.getByRole('heading', { name: `${name} (3 years)`, level: 1 })).toBeVisible();
  await expect(page.getByText('GBP 12,000.50')).toBeVisible();

  // The stepper moves the deal; the timeline says so.
  await page.getByRole('button', { name: `${stages[1].position}. ${stages[1].name}` }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Stage moved.' })).toBeVisible();
  await expect(page.getByRole('button', { name: `${stages[1].position}. ${stages[1].name}` })).toHaveAttribute('aria-current', 'step');
  const timeline = page.getByRole('region', { name: 'Timeline' });
  await expect(timeline).toContainText(`Stage moved from ${stages[0].name} to ${stages[1].name}`);
  // Only the stage was sent: the amount and next steps stay as they were.
  await expect(page.getByText('GBP 12,000.50')).toBeVisible();
  await expect(page.locator('.next-steps')).toContainText('Call the CFO');

  // Notes: internal by default, shared with the switch.
  await page.getByLabel('Note', { exact: true }).fill('Procurement wants a 3-year term.');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(timeline.locator('li', { hasText: 'Procurement wants a 3-year term.' }).locator('.badge')).toHaveText('Internal');
  await page.getByLabel('Note', { exact: true }).fill('Thanks for the call today.');
  await page.getByRole('switch', { name: 'Share with the customer and partners' }).check();
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(timeline.locator('li', { hasText: 'Thanks for the call today.' })).toContainText('Shared note');
  await expect(timeline.locator('li', { hasText: 'Thanks for the call today.' }).locator('.badge')).toHaveCount(0);

  // Contacts: a new one, created and added.
  const contacts = page.getByRole('region', { name: 'Contacts' });
  await contacts.getByText('A new contact').click();
  await contacts.getByRole('textbox', { name: 'Name', exact: true }).fill('Gus Globex');
  await contacts.getByRole('textbox', { name: 'Email', exact: true }).fill(`gus-${stamp}@globex.example`);
  await contacts.getByRole('button', { name: 'Create and add' }).click();
  await expect(contacts.getByText(`gus-${stamp}@globex.example`)).toBeVisible();
  await noAxeViolations(page, 'console deal');
  await shoot(page, 'deals-console-deal');

  // The pipeline: a chart, and stages that can be added, renamed, moved and deleted; one in
  // use cannot be deleted, and the server's reason is shown.
  await nav.getByRole('link', { name: 'Pipeline', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Pipeline', level: 1 })).toBeVisible();
  await expect(page.getByRole('img', { name: /Deals by stage/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /Amount by stage/ })).toBeVisible();
  const stageName = `Review ${stamp % 100000}`;
  await page.getByLabel('Name', { exact: true }).fill(stageName);
  await page.getByLabel('Win %').fill('40');
  await page.getByRole('button', { name: 'Add stage' }).click();
  await expect(page.getByRole('status')).toContainText(`Stage "${stageName}" added.`);
  await page.getByRole('button', { name: `Move ${stageName} up` }).click();
  await expect(page.getByRole('status')).toContainText('moved to position');
  // The table is drawn again from the server once the move is saved: wait for it, so the
  // rename below types into the row that is shown and not into the one being replaced.
  await expect(page.getByRole('button', { name: `Move ${stageName} down` })).toBeVisible();
  const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Delete ${stageName}` }) });
  await row.getByRole('textbox', { name: /^Name of stage/ }).fill(`${stageName} call`);
  await row.getByRole('button', { name: `Save ${stageName}` }).click();
  await expect(page.getByRole('status')).toContainText(`Stage "${stageName} call" saved.`);
  await page.getByRole('button', { name: `Delete ${stages[1].name}` }).click();
  await expect(page.getByRole('alert')).toContainText(`at the stage "${stages[1].name}"`);
  await page.getByRole('button', { name: `Delete ${stageName} call` }).click();
  await expect(page.getByRole('status')).toContainText(`Stage "${stageName} call" deleted.`);
  await noAxeViolations(page, 'console pipeline');
  await shoot(page, 'deals-console-pipeline');
  // The refusals above (412, 409) are logged by the browser; nothing else went wrong.
  expect(errors.filter((e) => !/status of (412|409)/.test(e))).toEqual([]);
});
