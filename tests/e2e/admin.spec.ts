// The administration console in a real browser: every screen signed in as an administrator,
// an invitation sent and read from the outbox screens, the invitee deactivated from the
// console while they have their portal open, "view as", the permission matrix, the audit
// log, and a partner administrator's narrower console.
import { test, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

const ARTIFACTS = 'tests/e2e/artifacts';
const DEMO_PASSWORD = 'portcullis-demo-2026';

async function signIn(page: Page, email: string) {
  await page.goto('/admin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

function screen(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name, exact: true });
}

test('every console screen loads for an administrator, without accessibility violations', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // A 401 that the client answers by renewing the token (tokens live 5 seconds in these
  // runs) is logged by the browser but is no error of the app.
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(m.text()); });
  await signIn(page, 'admin@portcullis.example');
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
  await expect(page.getByText('partner-admin@northwind.example')).toBeVisible();
  const screens: [string, string][] = [
    ['Users', 'Users'], ['Invite', 'Invite people'], ['Approvals', 'Access requests'],
    ['Accounts', 'Accounts'], ['Portals', 'Portals'], ['Permissions', 'Permissions'],
    ['Outbox', 'Outbox'], ['Jobs', 'Jobs'], ['Audit log', 'Audit log'],
  ];
  for (const [link, heading] of screens) {
    await screen(page, link).click();
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
    await expect(screen(page, link)).toHaveAttribute('aria-current', 'page');
    await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.map((v) => `${link}: ${v.id}: ${v.help}`)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/admin-${link.toLowerCase().replace(' ', '-')}.png`, fullPage: true });
  }
  // On a phone every row's action stays within reach.
  await page.setViewportSize({ width: 360, height: 740 });
  await screen(page, 'Users').click();
  await expect(page.getByRole('button', { name: 'Manage customer@initech.example' })).toBeInViewport({ ratio: 1 }).catch(async () => {
    await page.getByRole('button', { name: 'Manage customer@initech.example' }).scrollIntoViewIfNeeded();
    await expect(page.getByRole('button', { name: 'Manage customer@initech.example' })).toBeInViewport({ ratio: 1 });
  });
  await page.screenshot({ path: `${ARTIFACTS}/admin-users-mobile.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('an invitation sent from the console is read in the outbox, accepted, and the user deactivated while signed in', async ({ page, browser }) => {
  const email = `console-${Date.now()}@northwind.example`;
  await signIn(page, 'admin@portcullis.example');
  await screen(page, 'Invite').click();
  await page.getByLabel('Role').selectOption('partner_user');
  await expect(page.getByLabel('Account')).toContainText('Northwind Partners');
  await page.getByLabel('Account').selectOption({ label: 'Northwind Partners' });
  await page.getByLabel('Portal').selectOption({ label: 'Partner Central' });
  await page.getByLabel('Email addresses').fill(`${email}, not-an-email`);
  await page.getByRole('button', { name: 'Send invitations' }).click();
  await expect(page.getByRole('alert')).toContainText('emails[1]');
  await page.getByLabel('Email addresses').fill(email);
  await page.getByRole('button', { name: 'Send invitations' }).click();
  await expect(page.getByRole('status')).toContainText('1 invitation(s) sent');

  await screen(page, 'Outbox').click();
  await page.getByLabel('Recipient').fill(email);
  await page.getByLabel('Recipient').press('Enter');
  const message = page.locator('.email summary', { hasText: email });
  await expect(message).toHaveCount(1);
  await message.click();
  const body = await page.locator('.email-body').first().innerText();
  const link = body.split(/\s+/).find((w) => w.includes('/invite/'));
  expect(link).toBeTruthy();
  // Its delivery ran as a job, which the console lists (this server keeps mail in the outbox).
  await screen(page, 'Jobs').click();
  await page.getByLabel('Kind').fill('email.send');
  await expect(page.locator('tbody tr').first()).toContainText('email.send');
  await expect(page.locator('tbody tr').first()).toContainText('Done');

  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(new URL(link!).pathname);
  await invitee.getByLabel('Your name').fill('Casey Console');
  await invitee.getByLabel('Password').fill('saffron-lantern-quiver-77');
  await invitee.getByRole('button', { name: 'Accept invitation' }).click();
  await invitee.getByRole('button', { name: 'Continue' }).click();
  await invitee.getByRole('button', { name: 'Continue' }).click();
  await invitee.getByRole('button', { name: 'Skip tour' }).click();
  await expect(invitee.getByRole('heading', { name: 'Welcome, Casey' })).toBeVisible();

  await screen(page, 'Users').click();
  await page.getByLabel('Status').selectOption('active');
  await page.getByLabel('Name or email').fill('casey');
  await page.getByLabel('Name or email').press('Enter');
  await expect(page.getByRole('button', { name: /^Manage / })).toHaveCount(1);
  await page.getByRole('button', { name: `Manage ${email}` }).click();
  const panel = page.locator('.panel');
  await expect(panel.getByRole('cell', { name: 'live' })).toBeVisible();
  await panel.getByRole('button', { name: 'Deactivate' }).click();
  await expect(page.getByRole('status').first()).toContainText('Deactivated');

  await invitee.getByLabel('Job title').fill('Still here?');
  await invitee.getByRole('button', { name: 'Save profile' }).click();
  await expect(invitee.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(invitee.getByRole('status')).toContainText('Your session has ended');
  await invitee.screenshot({ path: `${ARTIFACTS}/admin-deactivated-invitee.png` });
});

test('view as shows the user’s portal read-only, and the console comes back', async ({ page }) => {
  await signIn(page, 'admin@portcullis.example');
  await page.getByRole('button', { name: 'Manage customer@initech.example' }).click();
  await page.getByRole('button', { name: 'View as this user' }).click();
  await expect(page).toHaveURL(/\/p\/acme$/);
  await expect(page.getByRole('status').filter({ hasText: 'Read-only view as customer@initech.example' })).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/admin-view-as.png`, fullPage: true });
  await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
  await page.getByRole('link', { name: 'Back to administration' }).click();
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
  await expect(page.getByText('admin@portcullis.example · Administrator')).toBeVisible();
});

test('an account override set in the matrix decides the user’s result', async ({ page }) => {
  await signIn(page, 'admin@portcullis.example');
  await screen(page, 'Permissions').click();
  await page.getByLabel('Portal', { exact: true }).selectOption({ label: 'Acme Customer Hub' });
  await page.getByLabel('Account', { exact: true }).selectOption({ label: 'Initech' });
  await page.getByLabel('User', { exact: true }).selectOption({ label: 'customer@initech.example' });
  const row = page.getByRole('row', { name: /View deal value/ });
  await expect(row.getByRole('cell').last()).toHaveText('Denied');
  await page.getByLabel('View deal value: account override').selectOption('allow');
  await expect(page.getByRole('status')).toContainText('Saved');
  await expect(row.getByRole('cell').last()).toHaveText('Allowed');
  await page.getByLabel('View deal value: user override').selectOption('deny');
  await expect(row.getByRole('cell').last()).toHaveText('Denied');
  await page.screenshot({ path: `${ARTIFACTS}/admin-permissions-set.png`, fullPage: true });
});

test('the audit log filters, exports CSV and verifies its chain', async ({ page }) => {
  await signIn(page, 'admin@portcullis.example');
  await screen(page, 'Audit log').click();
  await page.getByLabel('Action').fill('auth.login');
  await page.getByLabel('Action').press('Enter');
  await expect(page.getByRole('cell', { name: 'auth.login' }).first()).toBeVisible();
  await expect(page.getByRole('cell', { name: 'admin@portcullis.example' }).first()).toBeVisible();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('portcullis-audit.csv');
  await page.getByRole('button', { name: 'Verify the chain' }).click();
  await expect(page.getByText(/The chain is intact: \d+ entries checked/)).toBeVisible();
});

test('a partner administrator manages only their own organisation', async ({ page }) => {
  // Partner administrators sign in at their portal and go to their team from there.
  await page.goto('/p/partners');
  await page.getByLabel('Email').fill('partner-admin@northwind.example');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Skip tour' }).click();
  await page.getByRole('link', { name: "Manage your organisation's users" }).click();
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Administration' });
  await expect(nav.getByRole('link')).toHaveText(['Users', 'Invite']);
  await expect(page.getByText('partner@northwind.example', { exact: true })).toBeVisible();
  await expect(page.getByText('partner@contoso.example')).toHaveCount(0);
  await expect(page.getByText('customer@globex.example')).toHaveCount(0);
  await screen(page, 'Invite').click();
  await expect(page.getByLabel('Role').locator('option')).toHaveText(['Partner administrator', 'Partner']);
  await expect(page.getByText('They join your organisation and your portal.')).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/admin-partner-admin.png`, fullPage: true });
});

test('self-registration switched on in the console: a request from the portal is approved and invited', async ({ page, browser }) => {
  await signIn(page, 'admin@portcullis.example');
  await screen(page, 'Portals').click();
  await page.getByRole('button', { name: 'Edit Partner Central' }).click();
  await page.getByLabel('Let people ask to join (self-registration)').check();
  await page.getByLabel('Only from these email domains').fill('fabrikam.example');
  await page.getByRole('button', { name: 'Save portal' }).click();
  await expect(page.getByRole('status')).toContainText('Saved Partner Central');

  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto('/p/partners');
  await visitor.getByRole('button', { name: 'Request access' }).click();
  await visitor.getByLabel('Work email').fill('rae@elsewhere.example');
  await visitor.getByLabel('Your name').fill('Rae Request');
  await visitor.getByLabel('Company').fill('Fabrikam');
  await visitor.getByRole('button', { name: 'Send request' }).click();
  await expect(visitor.getByRole('alert')).toContainText('approved company domain');
  await visitor.getByLabel('Work email').fill('rae@fabrikam.example');
  await visitor.getByRole('button', { name: 'Send request' }).click();
  await expect(visitor.getByRole('status')).toContainText('We will email you an invitation');
  await visitor.screenshot({ path: `${ARTIFACTS}/portal-request-access.png`, fullPage: true });

  await screen(page, 'Approvals').click();
  const request = page.getByRole('article', { name: 'Request from rae@fabrikam.example' });
  await request.getByLabel('Account').selectOption({ label: 'Northwind Partners' });
  await request.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toContainText('Approved rae@fabrikam.example');
  await screen(page, 'Outbox').click();
  await page.getByLabel('Recipient').fill('rae@fabrikam.example');
  await page.getByLabel('Recipient').press('Enter');
  await expect(page.locator('.email summary', { hasText: 'rae@fabrikam.example' })).toHaveCount(1);
});
