// Deals in a real browser: the demo customer's cards show their shared deals and what changed
// since their last visit, never another customer's; a rep shares a deal with its amount and
// the customer then sees it; a partner sees its organisation's pipeline, never another
// partner's; staff edit a deal under If-Match (a colleague's change in between is explained),
// write notes, and run the pipeline's stages. Each test arranges its own deals through the API.
import { test, expect, Page, APIRequestContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

const ARTIFACTS = 'tests/e2e/artifacts';
const DEMO_PASSWORD = 'portcullis-demo-2026';

type Stage = { id: string; name: string; position: number; category: string; locks_contract: boolean };

/** The API as one user. Access tokens live 5 seconds in these runs (see run.sh), so a new one
 * is taken when the last is about to expire; sign-ins are rate limited, so no more often. */
function as(request: APIRequestContext, email: string, portal?: string) {
  let token = '';
  let taken = 0;
  const auth = async () => {
    if (Date.now() - taken > 3500) {
      const res = await request.post('/api/v1/auth/login', { data: { email, password: DEMO_PASSWORD, portal } });
      expect(res.status(), `sign-in of ${email}`).toBe(200);
      token = (await res.json()).access_token;
      taken = Date.now();
    }
    return { authorization: `Bearer ${token}` };
  };
  const call = async (method: string, path: string, data?: unknown, headers: Record<string, string> = {}) => {
    const res = await request.fetch(`/api/v1${path}`, { method, data, headers: { ...(await auth()), ...headers } });
    expect(res.status(), `${method} ${path}: ${await res.text()}`).toBeLessThan(300);
    return res.status() === 204 ? null : res.json();
  };
  return {
    signIn: auth,
    get: (path: string) => call('GET', path),
    post: (path: string, data?: unknown) => call('POST', path, data),
    put: (path: string, data?: unknown) => call('PUT', path, data),
    patch: (path: string, data: unknown, version: number) => call('PATCH', path, data, { 'if-match': `"v${version}"` }),
  };
}

type Api = ReturnType<typeof as>;

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

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // A 401 that the client answers by renewing the token is logged by the browser but is no
  // error of the app.
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(m.text()); });
  return errors;
}

/** Signs in at a portal; the first sign-in's onboarding is skipped through. */
async function portalSignIn(page: Page, slug: string, email: string, first: string) {
  await page.goto(`/p/${slug}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const welcome = page.getByRole('heading', { name: `Welcome, ${first}` });
  const onboarding = page.getByRole('button', { name: 'Continue' });
  await expect(welcome.or(onboarding)).toBeVisible();
  if (await onboarding.isVisible()) {
    await onboarding.click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Skip tour' }).click();
  }
  await expect(welcome).toBeVisible();
}

async function consoleSignIn(page: Page, email: string) {
  await page.goto('/admin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Administration' })).toBeVisible();
}

async function noAxeViolations(page: Page, where: string) {
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${where}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`)).toEqual([]);
}

/** Full-page screenshots at desktop and phone widths; on the phone nothing scrolls sideways. */
async function shoot(page: Page, name: string) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
  await page.setViewportSize({ width: 360, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name} fits a 360 px screen`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `${ARTIFACTS}/${name}-mobile.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('the demo customer sees their shared deal and what changed since their last visit, not another customer’s', async ({ page, request }) => {
  const errors = watchErrors(page);
  const admin = as(request, 'admin@portcullis.example');
  const stamp = Date.now();
  const [globex, initech] = [await account(admin, 'customer', 'Globex Corporation'), await account(admin, 'customer', 'Initech')];
  const rep = await userId(admin, 'rep@portcullis.example');
  const stages = await openStages(admin);
  const ours = await admin.post('/deals', {
    account_id: globex, name: `Globex rollout ${stamp}`, owner_id: rep, stage_id: stages[0].id,
    expected_close_date: '2027-03-31', next_steps: 'Security review with your IT team',
  });
  await admin.post(`/deals/${ours.id}/share`, { amount_shared: false, invite_contacts: false });
  const theirs = await admin.post('/deals', { account_id: initech, name: `Initech pilot ${stamp}`, owner_id: rep });
  await admin.post(`/deals/${theirs.id}/share`, {});
  // The customer's visit before the changes below.
  await as(request, 'customer@globex.example', 'acme').signIn();
  const current = await admin.get(`/deals/${ours.id}`);
  await admin.patch(`/deals/${ours.id}`, { stage_id: stages[1].id }, current.version);
  await admin.post(`/deals/${ours.id}/notes`, { body: 'Pricing approved for the rollout.', shared: true });
  await admin.post(`/deals/${ours.id}/notes`, { body: 'Internal: margin is thin.', shared: false });

  await portalSignIn(page, 'acme', 'customer@globex.example', 'Gloria');
  const deals = page.getByRole('region', { name: 'Your deals' });
  const card = deals.locator('.deal-card', { hasText: `Globex rollout ${stamp}` });
  await expect(card).toBeVisible();
  await expect(card.getByText('Since your last visit')).toBeVisible();
  await expect(card).toContainText(`Stage moved from ${stages[0].name} to ${stages[1].name}`);
  await expect(card).toContainText(`Stage 2 of ${stages.length}: ${stages[1].name}`);
  await expect(card).toContainText('31 Mar 2027');
  await expect(card).toContainText('Security review with your IT team');
  await expect(card).toContainText('Remy Rep');
  await expect(deals.getByText(`Initech pilot ${stamp}`)).toHaveCount(0);
  await noAxeViolations(page, 'customer home');
  await shoot(page, 'deals-customer-home');

  await card.getByRole('link', { name: `Globex rollout ${stamp}` }).click();
  await expect(page.getByRole('heading', { name: `Globex rollout ${stamp}` })).toBeVisible();
  const timeline = page.getByRole('region', { name: 'Timeline' });
  await expect(timeline).toContainText('Pricing approved for the rollout.');
  await expect(timeline).not.toContainText('margin is thin');
  await noAxeViolations(page, 'customer deal');
  await shoot(page, 'deals-customer-deal');
  // Another customer's deal is not found, exactly like one that does not exist.
  await page.goto(`/p/acme/deals/${theirs.id}`);
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.getByText(`Initech pilot ${stamp}`)).toHaveCount(0);
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
  // Customers see amounts only with "View deal value" (off by default); Globex is allowed it here.
  const override = { scope: 'account', scope_id: globex, permission: 'view_deal_value' };
  await admin.put('/admin/permissions', { ...override, allowed: true });
  try {
    await consoleSignIn(page, 'rep@portcullis.example');
    await expect(page.getByRole('heading', { name: 'Deals', level: 1 })).toBeVisible();
    await expect(page.getByRole('button', { name: 'My deals' })).toHaveAttribute('aria-pressed', 'true');
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
  } finally {
    await admin.put('/admin/permissions', { ...override, allowed: null });
  }
  expect(errors).toEqual([]);
});

test('a partner sees its organisation’s pipeline, not another partner’s', async ({ page, request }) => {
  const errors = watchErrors(page);
  const admin = as(request, 'admin@portcullis.example');
  const stamp = Date.now();
  const [globex, initech] = [await account(admin, 'customer', 'Globex Corporation'), await account(admin, 'customer', 'Initech')];
  const [northwind, contoso] = [await account(admin, 'partner', 'Northwind Partners'), await account(admin, 'partner', 'Contoso Resellers')];
  const stages = await openStages(admin);
  const ours = await admin.post('/deals', {
    account_id: globex, name: `Northwind co-sell ${stamp}`, stage_id: stages[1].id, source: 'partner',
    amount: { minor: 1_250_000, currency: 'USD' }, expected_close_date: '2027-01-15',
  });
  await admin.post(`/deals/${ours.id}/partners`, { account_id: northwind, role: 'co_sell' });
  await admin.post(`/deals/${ours.id}/notes`, { body: 'Joint demo booked with Northwind.', shared: true });
  const theirs = await admin.post('/deals', { account_id: initech, name: `Contoso resale ${stamp}`, source: 'partner' });
  await admin.post(`/deals/${theirs.id}/partners`, { account_id: contoso, role: 'registered' });

  await portalSignIn(page, 'partners', 'partner@northwind.example', 'Nora');
  const list = page.getByRole('region', { name: 'My deals' });
  await expect(list.getByRole('link', { name: `Northwind co-sell ${stamp}` })).toBeVisible();
  await expect(list.getByText(`Contoso resale ${stamp}`)).toHaveCount(0);
  const row = list.getByRole('row', { name: new RegExp(`Northwind co-sell ${stamp}`) });
  await expect(row).toContainText(stages[1].name);
  await expect(row).toContainText('USD 12,500.00');
  await expect(row).toContainText('15 Jan 2027');
  // Filters: a name that matches nothing, then the stage and the close dates that match.
  await list.getByLabel('Deal name').fill(`no such deal ${stamp}`);
  await expect(list.getByText('No deals match.')).toBeVisible();
  await list.getByLabel('Deal name').fill(`co-sell ${stamp}`);
  await list.getByLabel('Stage').selectOption({ label: stages[1].name });
  await list.getByLabel('Closing from').fill('2027-01-01');
  await list.getByLabel('Closing by').fill('2027-01-31');
  await list.getByLabel('Sort by').selectOption('close_date');
  await expect(list.getByRole('link', { name: `Northwind co-sell ${stamp}` })).toBeVisible();
  await list.getByLabel('Stage').selectOption({ label: stages[0].name });
  await expect(list.getByText('No deals match.')).toBeVisible();
  await list.getByLabel('Stage').selectOption({ label: 'Any stage' });
  await list.getByLabel('Deal name').fill('');
  await list.getByLabel('Closing from').fill('');
  await list.getByLabel('Closing by').fill('');
  await expect(list.getByRole('link', { name: `Northwind co-sell ${stamp}` })).toBeVisible();
  await noAxeViolations(page, 'partner home');
  await shoot(page, 'deals-partner-home');

  await list.getByRole('link', { name: `Northwind co-sell ${stamp}` }).click();
  await expect(page.getByRole('heading', { name: `Northwind co-sell ${stamp}` })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Timeline' })).toContainText('Joint demo booked with Northwind.');
  await noAxeViolations(page, 'partner deal');
  await shoot(page, 'deals-partner-deal');
  await page.goto(`/p/partners/deals/${theirs.id}`);
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
  expect(errors).toEqual([]);
});
