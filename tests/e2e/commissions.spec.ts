// The partner programme in a real browser, on the demo data: the partner's dashboard; a
// commission followed from pending to earned to paid as an administrator moves a Northwind
// deal to its final open stage, wins it and records the payout in the console; the tier page;
// and a CSV statement once "Export reports" is granted.
import { test, expect } from '@playwright/test';
import { type Api, as, consoleSignIn, noAxeViolations, portalSignIn, shoot, watchErrors } from './support';
import { readFileSync } from 'fs';

const DEAL = 'Initech security review';
/** The phone these screens are checked on. */
const PHONE = { width: 390, height: 800 };

type Stage = { id: string; name: string; position: number; category: string };

/** Moves a deal to a stage under If-Match with its current version. */
async function moveDeal(api: Api, id: string, stage: Stage) {
  const deal = await api.get(`/deals/${id}`);
  await api.patch(`/deals/${id}`, { stage_id: stage.id }, deal.version);
}

test('a partner sees its programme at a glance on the portal home', async ({ page }) => {
  const errors = watchErrors(page);
  await portalSignIn(page, 'partners', 'partner@northwind.example', 'Nora');
  const dashboard = page.getByRole('region', { name: 'Your programme' });
  await expect(dashboard).toBeVisible();
  for (const tile of ['Registrations', 'Open pipeline', 'Won, last 12 months', 'Commissions', 'Tier']) {
    await expect(dashboard.getByRole('heading', { name: tile, exact: true })).toBeVisible();
  }
  // Northwind's open deals (Globex's rollout and analytics add-on, Initech's security review).
  await expect(dashboard.locator('.tile', { hasText: 'Open pipeline' })).toContainText(/EUR \d{1,3}(,\d{3})+\.00/);
  const chart = dashboard.getByRole('img', { name: /Registrations by status/ });
  await expect(chart).toBeVisible();
  await expect(chart.locator('desc')).toContainText('Submitted:');
  await expect(dashboard.getByRole('link', { name: 'Register a deal' })).toHaveAttribute('href', '/p/partners/register');
  await expect(dashboard.getByRole('link', { name: 'Your commissions' })).toBeVisible();
  await expect(dashboard.getByRole('link', { name: 'Your tier and progress' })).toBeVisible();
  await noAxeViolations(page, 'partner dashboard');
  await shoot(page, 'commissions-dashboard', PHONE);
  expect(errors).toEqual([]);
});

test('a commission goes from pending to earned to paid, and statements follow the permission', async ({ page, browser, request }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const admin = as(request, 'admin@portcullis.example');
  const found = await admin.get(`/deals?q=${encodeURIComponent(DEAL)}`);
  const dealId = found.items.find((d: { name: string }) => d.name === DEAL).id;
  const stages: Stage[] = (await admin.get('/pipeline/stages')).stages;
  const finalOpen = stages.filter((s) => s.category === 'open').sort((a, b) => b.position - a.position)[0];
  const won = stages.find((s) => s.category === 'won')!;

  // At the final open stage, the partner's commission is pending.
  await moveDeal(admin, dealId, finalOpen);
  const pending = (await admin.get('/admin/commissions?status=pending')).items.find((c: { deal_name: string }) => c.deal_name === DEAL);
  expect(pending, 'a pending commission').toBeTruthy();
  const amount = `${pending.amount.currency} ${(pending.amount.minor / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;

  await portalSignIn(page, 'partners', 'partner@northwind.example', 'Nora');
  await page.getByRole('link', { name: 'Your commissions' }).click();
  await expect(page.getByRole('heading', { name: 'Commissions', level: 2 })).toBeVisible();
  const list = page.getByRole('region', { name: 'Deal by deal' });
  const row = list.getByRole('row', { name: new RegExp(DEAL) });
  await expect(row).toContainText('Pending');
  await expect(row).toContainText(amount);
  // Without "Export reports" there is nothing to download.
  await expect(page.getByRole('button', { name: 'Download CSV' })).toHaveCount(0);

  // Won: earned.
  await moveDeal(admin, dealId, won);
  await page.reload();
  await expect(row).toContainText('Earned');
  await expect(page.getByRole('region', { name: 'Your rates' })).toContainText('Influenced');
  await expect(page.getByRole('region', { name: 'Projected earnings' })).toContainText('Globex platform rollout');

  // The administrator pays it in the console.
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await consoleSignIn(staff, 'admin@portcullis.example');
  await staff.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Programme' }).click();
  await expect(staff.getByRole('heading', { name: 'Partner programme' })).toBeVisible();
  await expect(staff.getByRole('heading', { name: 'Standard' })).toBeVisible();
  await noAxeViolations(staff, 'console plans');
  await shoot(staff, 'commissions-console-plans', PHONE);
  await staff.getByRole('button', { name: 'Payouts' }).click();
  const record = staff.getByRole('region', { name: 'Record a payout' });
  await record.getByLabel('Partner', { exact: true }).selectOption({ label: 'Northwind Partners' });
  await record.getByRole('checkbox', { name: new RegExp(DEAL) }).check();
  await expect(record).toContainText(`Amount: ${amount}`);
  // The server's objections are shown at the field they concern.
  await record.getByRole('button', { name: 'Record payout' }).click();
  await expect(record.getByLabel('Reference')).toHaveAttribute('aria-invalid', 'true');
  await expect(record.locator('#payout-reference-error')).toBeVisible();
  await record.getByLabel('Reference').fill('NW-E2E-001');
  await record.getByRole('button', { name: 'Record payout' }).click();
  await expect(record.getByRole('status')).toContainText(`Payout NW-E2E-001 of ${amount} recorded.`);
  const payouts = staff.getByRole('region', { name: 'Payouts', exact: true });
  await expect(payouts).toContainText('NW-E2E-001');
  await expect(payouts).toContainText('Northwind Partners');
  await noAxeViolations(staff, 'console payouts');
  await shoot(staff, 'commissions-console-payouts', PHONE);
  await staff.getByRole('button', { name: 'Tiers' }).click();
  await expect(staff.getByRole('textbox', { name: 'Name of Gold' })).toBeVisible();
  await staff.getByRole('button', { name: 'Recompute now' }).click();
  await expect(staff.getByRole('status')).toContainText('Recomputed');
  await noAxeViolations(staff, 'console tiers');
  await shoot(staff, 'commissions-console-tiers', PHONE);
  await staff.getByRole('button', { name: "A partner's terms" }).click();
  await staff.getByLabel('Partner', { exact: true }).selectOption({ label: 'Northwind Partners' });
  await expect(staff.getByRole('region', { name: 'Plan and rates' })).toContainText('Influenced');
  await noAxeViolations(staff, 'console partner terms');
  await shoot(staff, 'commissions-console-terms', PHONE);
  await staff.getByRole('button', { name: 'Commissions' }).click();
  await staff.getByLabel('Status').selectOption('paid');
  await expect(staff.getByRole('row', { name: new RegExp(DEAL) })).toContainText('Northwind Partners');
  await noAxeViolations(staff, 'console commissions');
  await shoot(staff, 'commissions-console-list', PHONE);
  await staffContext.close();

  // The partner sees it paid.
  await page.reload();
  await expect(row).toContainText('Paid');
  const history = page.getByRole('region', { name: 'Payment history' });
  await expect(history).toContainText('NW-E2E-001');
  await expect(history).toContainText(amount);
  await noAxeViolations(page, 'partner commissions');
  await shoot(page, 'commissions-partner', PHONE);

  // The tier page.
  await page.getByRole('link', { name: '← Home' }).click();
  await page.getByRole('link', { name: 'Your tier and progress' }).click();
  const tier = page.getByRole('region', { name: 'Your tier' });
  await expect(tier).toContainText('Won revenue, last 12 months');
  await noAxeViolations(page, 'partner tier');
  await shoot(page, 'commissions-tier', PHONE);

  // With "Export reports" granted to Northwind, a CSV statement downloads.
  const accounts = await admin.get('/admin/accounts?type=partner&limit=200');
  const northwind = accounts.items.find((a: { name: string }) => a.name === 'Northwind Partners').id;
  await admin.put('/admin/permissions', { scope: 'account', scope_id: northwind, permission: 'export_reports', allowed: true });
  await page.goto('/p/partners/commissions');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^commission-statement-\d{4}-01-01-to-\d{4}-\d\d-\d\d\.csv$/);
  const csv = readFileSync(await file.path(), 'utf8');
  expect(csv.split('\n')[0].trim()).toBe('date,type,deal,role,rate_bps,currency,amount,amount_minor,reference');
  expect(csv).toContain('NW-E2E-001');
  await expect(page.getByRole('status').filter({ hasText: 'saved to your downloads' })).toBeVisible();
  // The demo data is shared by every spec: Northwind goes back to the default.
  await admin.put('/admin/permissions', { scope: 'account', scope_id: northwind, permission: 'export_reports', allowed: null });
  expect(errors).toEqual([]);
});
