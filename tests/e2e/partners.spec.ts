// The partner programme in a real browser: a partner registers a deal and is told, while
// typing, when the prospect is already a customer or already registered by another partner;
// a channel manager reviews it beside its matches and approves it from the queue; the partner
// then sees it approved with its protection end date, downloads its signed receipt, is
// notified, and sees it won once its deal closes won. Referrals reach a rep as a task.
import { test, expect, Page } from '@playwright/test';
import { ARTIFACTS, as, consoleSignIn, noAxeViolations, portalSignIn, shoot, watchErrors } from './support';
import * as fs from 'fs';

type Stage = { id: string; name: string; position: number; category: string; locks_contract: boolean };

test.setTimeout(120_000);

test('a partner registers a deal, a channel manager approves it, and the partner sees it protected and then won', async ({ page, browser, request }) => {
  const errors = watchErrors(page);
  const stamp = Date.now();
  const prospect = `Fabrikam ${stamp}`;
  // The server accepts public domains only.
  const website = `fabrikam-${stamp}.com`;

  await portalSignIn(page, 'partners', 'partner@northwind.example', 'Nora');
  const nav = page.getByRole('navigation', { name: 'Partner portal' });
  await nav.getByRole('link', { name: 'Register a deal' }).click();
  await expect(page.getByRole('heading', { name: 'Register a deal' })).toBeVisible();

  // An existing customer: the hint says so while the partner types.
  const hint = page.locator('form.register [role="status"]');
  await page.getByLabel('Company', { exact: true }).fill('Globex');
  await expect(hint).toContainText('An existing customer of ours');

  // The shared rules, as the partner types: only fields already touched show errors.
  await page.getByLabel('Contact email').fill('not-an-email');
  await expect(page.getByText('Contact email must be an email address.')).toBeVisible();
  await expect(page.getByLabel('Contact email')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Description is required.')).toHaveCount(0);
  await page.getByRole('button', { name: 'Register deal' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'please correct the marked fields' })).toBeVisible();
  await expect(page.getByText('Description is required.')).toBeVisible();
  await noAxeViolations(page, 'register with errors');
  await shoot(page, 'partners-register-errors');

  await page.getByLabel('Company', { exact: true }).fill(prospect);
  await page.getByLabel('Website').fill(website);
  await expect(hint).toContainText('No conflict found.');
  await page.getByLabel('Contact name').fill('Fiona Fabrikam');
  await page.getByLabel('Contact email').fill(`fiona@${website}`);
  await expect(page.getByText('Contact email must be an email address.')).toHaveCount(0);
  await page.getByLabel('Estimated amount').fill('25,000');
  await page.getByLabel('Currency').selectOption('EUR');
  await page.getByLabel('Product interest').fill('Portcullis Enterprise');
  await page.getByLabel('Expected close date').fill('2099-03-31');
  await page.getByLabel('Description').fill('Replacing their partner portal next quarter.');
  // A double click sends one registration (the same Idempotency-Key twice).
  await page.getByRole('button', { name: 'Register deal' }).dblclick();
  await expect(page.getByRole('status').filter({ hasText: 'Registration received.' })).toBeVisible();
  const card = page.locator('article.registration');
  await expect(card).toContainText(prospect);
  await expect(card).toContainText('Awaiting review');
  await expect(card).toContainText('EUR 25,000.00');
  await noAxeViolations(page, 'registered');
  await shoot(page, 'partners-registered');

  await nav.getByRole('link', { name: 'My registrations' }).click();
  const mine = page.getByRole('row', { name: new RegExp(prospect) });
  await expect(mine).toHaveCount(1);
  await expect(mine).toContainText('Awaiting review');

  // Another partner typing the same prospect is told it is taken, and never by whom.
  const contoso = await (await browser.newContext()).newPage();
  await portalSignIn(contoso, 'partners', 'partner@contoso.example', 'Connie');
  await contoso.getByRole('navigation', { name: 'Partner portal' }).getByRole('link', { name: 'Register a deal' }).click();
  await contoso.getByLabel('Company', { exact: true }).fill(prospect);
  const taken = contoso.locator('form.register [role="status"]');
  await expect(taken).toContainText('Already registered by another partner');
  await expect(taken).not.toContainText('Northwind');
  await contoso.screenshot({ path: `${ARTIFACTS}/partners-conflict-other.png`, fullPage: true });
  await contoso.context().close();
  // Contoso registers it anyway (through the API): the reviewer sees the two side by side.
  const contosoApi = as(request, 'partner@contoso.example', 'partners');
  const theirs = await contosoApi.post('/registrations', {
    company: prospect, contact_name: 'Fred Fabrikam', contact_email: 'fred@fabrikam.com',
    amount: { minor: 1_000_000, currency: 'USD' }, product_interest: 'Portcullis Team',
    expected_close_date: '2099-06-30', description: 'Heard they are looking.',
  });
  expect(theirs.registration.conflict.conflict).toBe('other_partner');

  // The channel manager reviews it beside its matches and approves it from the queue.
  const channel = await (await browser.newContext()).newPage();
  const channelErrors = watchErrors(channel);
  await consoleSignIn(channel, 'channel@portcullis.example');
  await channel.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Registrations', exact: true }).click();
  await expect(channel.getByRole('heading', { name: 'Registrations', level: 1 })).toBeVisible();
  const row = channel.getByRole('row', { name: new RegExp(prospect) }).filter({ hasText: 'Northwind Partners' });
  const contosoRow = channel.getByRole('row', { name: new RegExp(prospect) }).filter({ hasText: 'Contoso Resellers' });
  await expect(row).toContainText('0 days');
  await expect(row).toContainText('None');
  await expect(contosoRow).toContainText('Another partner');
  await channel.getByLabel('Conflicts only').check();
  await expect(row).toHaveCount(0);
  await expect(contosoRow).toHaveCount(1);
  await channel.getByLabel('Conflicts only').uncheck();
  await noAxeViolations(channel, 'queue');
  await shoot(channel, 'partners-queue');
  await row.getByRole('link', { name: prospect }).click();
  await expect(channel.getByRole('heading', { name: prospect, level: 1 })).toBeVisible();
  const matches = channel.getByRole('region', { name: 'Matches' });
  const match = matches.getByRole('row', { name: /Registration/ }).filter({ hasText: 'Contoso Resellers' });
  await expect(match).toContainText(prospect);
  await expect(match).toContainText('Same name');
  await expect(match).toContainText(/\d+%/);
  await expect(channel.getByRole('button', { name: 'Approve', exact: true })).toBeVisible();
  await channel.getByRole('button', { name: 'Reject' }).click();
  await expect(channel.getByText('A reason is required to reject.')).toBeVisible();
  await noAxeViolations(channel, 'review');
  await shoot(channel, 'partners-review');
  await channel.getByRole('link', { name: '← Approval queue' }).click();
  await channel.getByLabel(`Select ${prospect} from Northwind Partners`).check();
  await channel.getByRole('button', { name: 'Approve selected (1)' }).click();
  await expect(channel.getByRole('status').filter({ hasText: 'Approved 1 registration.' })).toBeVisible();
  await expect(row).toHaveCount(0);
  await expect(contosoRow).toHaveCount(1);
  expect(channelErrors).toEqual([]);
  await channel.context().close();

  // The partner is notified, sees it approved and protected, and keeps the signed receipt.
  await page.reload();
  const bell = nav.getByRole('link', { name: /Notifications/ });
  await expect(bell).toContainText('unread');
  const row2 = page.getByRole('row', { name: new RegExp(prospect) });
  await expect(row2).toContainText('Approved');
  await expect(row2).toContainText('Protected until');
  await noAxeViolations(page, 'my registrations');
  await shoot(page, 'partners-my-registrations');
  await row2.getByRole('link', { name: prospect }).click();
  await expect(page.getByText(/Protected for you until \d+ \w+ \d{4}\./)).toBeVisible();
  const id = page.url().split('/').pop()!;
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download receipt' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`registration-receipt-${id}.json`);
  const receipt = JSON.parse(fs.readFileSync((await file.path())!, 'utf8'));
  expect(receipt.signature).toBeTruthy();
  expect(receipt.subject_id).toBe(id);
  await noAxeViolations(page, 'registration');
  await shoot(page, 'partners-registration');

  await bell.click();
  await expect(page.getByRole('heading', { name: 'Notifications' })).toBeVisible();
  await expect(page.locator('.inbox li.unread').first()).toBeVisible();
  await noAxeViolations(page, 'notifications');
  await shoot(page, 'partners-notifications');
  await page.getByRole('button', { name: 'Mark all read' }).click();
  await expect(page.locator('.inbox li.unread')).toHaveCount(0);
  await expect(bell).not.toContainText('unread');

  // Its deal closes won: the registration follows.
  const admin = as(request, 'admin@portcullis.example');
  const reg = await admin.get(`/registrations/${id}`);
  expect(reg.deal_id).toBeTruthy();
  const deal = await admin.get(`/deals/${reg.deal_id}`);
  const pipeline = await admin.get('/pipeline/stages');
  const won = pipeline.stages.find((s: Stage) => s.category === 'won');
  await admin.patch(`/deals/${reg.deal_id}`, { stage_id: won.id }, deal.version);
  await nav.getByRole('link', { name: 'My registrations' }).click();
  await expect(page.getByRole('row', { name: new RegExp(prospect) })).toContainText('Won');
  expect(errors).toEqual([]);
});

test('a partner refers a prospect and the rep is told and given a task', async ({ page, browser }) => {
  const errors = watchErrors(page);
  const stamp = Date.now();
  const prospect = `Tailspin ${stamp}`;
  await portalSignIn(page, 'partners', 'partner@northwind.example', 'Nora');
  await page.getByRole('navigation', { name: 'Partner portal' }).getByRole('link', { name: 'Referrals' }).click();
  await page.getByRole('button', { name: 'Send referral' }).click();
  await expect(page.getByText('Company is required.')).toBeVisible();
  await page.getByLabel('Company', { exact: true }).fill(prospect);
  await page.getByLabel('Contact name').fill('Tom Tailspin');
  await page.getByLabel('Contact email').fill(`tom@tailspin-${stamp}.example`);
  await page.getByRole('button', { name: 'Send referral' }).click();
  await expect(page.getByRole('status').filter({ hasText: `${prospect} was referred` })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(prospect) })).toContainText('Submitted');
  await noAxeViolations(page, 'referrals');
  await shoot(page, 'partners-referrals');

  const rep = await (await browser.newContext()).newPage();
  await consoleSignIn(rep, 'rep@portcullis.example');
  const consoleNav = rep.getByRole('navigation', { name: 'Administration' });
  await consoleNav.getByRole('link', { name: 'Tasks', exact: true }).click();
  await expect(rep.getByRole('heading', { name: 'Tasks', level: 1 })).toBeVisible();
  await expect(rep.getByRole('row', { name: new RegExp(prospect) }).first()).toBeVisible();
  await noAxeViolations(rep, 'tasks');
  await shoot(rep, 'partners-tasks');
  await rep.getByRole('link', { name: /Notifications/ }).first().click();
  await expect(rep.locator('.inbox li', { hasText: prospect }).first()).toBeVisible();
  await noAxeViolations(rep, 'console notifications');
  expect(errors).toEqual([]);
});

test('a partner appeals a rejected registration once', async ({ page, request }) => {
  const errors = watchErrors(page);
  const stamp = Date.now();
  const prospect = `Woodgrove ${stamp}`;
  const nora = as(request, 'partner@northwind.example', 'partners');
  const submitted = await nora.post('/registrations', {
    company: prospect, website: `woodgrove-${stamp}.com`, contact_name: 'Wanda Woodgrove',
    contact_email: `wanda@woodgrove-${stamp}.com`, amount: { minor: 5_000_000, currency: 'USD' },
    product_interest: 'Portcullis Enterprise', expected_close_date: '2099-01-31', description: 'Bank-wide rollout.',
  });
  const id = submitted.registration.id;
  await as(request, 'channel@portcullis.example').post(`/registrations/${id}/reject`, { reason: 'Our team already works with them.' });

  await portalSignIn(page, 'partners', 'partner@northwind.example', 'Nora');
  await page.getByRole('navigation', { name: 'Partner portal' }).getByRole('link', { name: 'My registrations' }).click();
  const row = page.getByRole('row', { name: new RegExp(prospect) });
  await expect(row).toContainText('Rejected');
  await expect(row).toContainText('Reason: Our team already works with them.');
  await row.getByRole('link', { name: 'Appeal' }).click();
  await page.getByText('Appeal this decision').click();
  await page.getByRole('button', { name: 'Send appeal' }).click();
  await expect(page.getByRole('alert')).toContainText('Please say why');
  await page.getByLabel(/Why should it be approved/).fill('We introduced them at our conference in October.');
  await page.getByRole('button', { name: 'Send appeal' }).click();
  await expect(page.getByText('Your appeal is being reviewed.')).toBeVisible();
  await expect(page.getByText('Your appeal: We introduced them')).toBeVisible();
  await expect(page.getByText('Appeal this decision')).toHaveCount(0);
  await noAxeViolations(page, 'appealed');
  await shoot(page, 'partners-appealed');
  expect(errors).toEqual([]);
});
