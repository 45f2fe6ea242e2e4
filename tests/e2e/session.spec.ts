// Staying signed in: run.sh gives access tokens a 5-second life, so an administrator who
// keeps working crosses many expiries and the web client renews the token through the
// refresh cookie, before it expires or when a call is refused with 401 (one refresh at a
// time: the server ends a session whose used refresh token is presented again). Only a
// session that really ended sends the user to sign-in.
import { test, expect, Page } from '@playwright/test';

const ARTIFACTS = 'tests/e2e/artifacts';
const DEMO_PASSWORD = 'portcullis-demo-2026';

async function signIn(page: Page, email: string) {
  await page.goto('/admin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
}

function screen(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name, exact: true });
}

/** Counts refreshes, how many were in flight at once, and how they were answered. */
function watchRefreshes(page: Page) {
  const seen = { started: 0, inFlight: 0, maxInFlight: 0, statuses: [] as number[], expired: 0 };
  const isRefresh = (url: string) => new URL(url).pathname === '/api/v1/auth/refresh';
  page.on('request', (r) => {
    if (!isRefresh(r.url())) return;
    seen.started += 1;
    seen.inFlight += 1;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
  });
  page.on('response', (r) => {
    if (isRefresh(r.url())) {
      seen.inFlight -= 1;
      seen.statuses.push(r.status());
    } else if (r.status() === 401 && new URL(r.url()).pathname.startsWith('/api/v1/')) {
      seen.expired += 1;
    }
  });
  page.on('requestfailed', (r) => { if (isRefresh(r.url())) seen.inFlight -= 1; });
  return seen;
}

test('with 5-second tokens an administrator works in the console for 20 seconds without signing in again', async ({ page }) => {
  test.setTimeout(90_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const refreshes = watchRefreshes(page);
  await signIn(page, 'admin@portcullis.example');

  // Each screen loads its data (several at once on some screens) with whatever token the
  // client holds; the pauses let tokens expire in between.
  const screens: [string, string, (p: Page) => Promise<void>][] = [
    ['Users', 'Users', async (p) => { await expect(p.getByText('partner-admin@northwind.example')).toBeVisible(); }],
    ['Accounts', 'Accounts', async (p) => { await expect(p.getByRole('cell', { name: 'Northwind Partners', exact: true })).toBeVisible(); }],
    ['Approvals', 'Access requests', async () => {}],
    ['Portals', 'Portals', async (p) => { await expect(p.getByRole('heading', { name: 'Partner Central' })).toBeVisible(); }],
    ['Permissions', 'Permissions', async (p) => { await expect(p.getByRole('row', { name: /View deal value/ })).toBeVisible(); }],
    ['Audit log', 'Audit log', async (p) => {
      await p.getByRole('button', { name: 'Verify the chain' }).click();
      await expect(p.getByText(/The chain is intact/)).toBeVisible();
    }],
    ['Outbox', 'Outbox', async () => {}],
  ];
  const started = Date.now();
  for (let i = 0; Date.now() - started < 20_000; i++) {
    const [link, heading, check] = screens[i % screens.length];
    await screen(page, link).click();
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
    await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
    await check(page);
    await expect(page.getByRole('alert')).toHaveCount(0);
    await page.waitForTimeout(1_200);
  }
  // Still signed in, on the console, as the administrator.
  await expect(page.getByRole('button', { name: 'Sign in' })).toHaveCount(0);
  await expect(page.getByText('admin@portcullis.example · Administrator')).toBeVisible();
  expect(refreshes.started, 'the token was renewed several times').toBeGreaterThanOrEqual(3);
  expect(refreshes.statuses.every((s) => s === 200), `refresh answers ${refreshes.statuses}`).toBe(true);
  expect(refreshes.maxInFlight, 'never two refreshes at once').toBe(1);
  expect(errors).toEqual([]);
  await page.screenshot({ path: `${ARTIFACTS}/session-kept.png`, fullPage: true });
});

test('calls refused with 401 at the same time share one refresh and are each retried once', async ({ page }) => {
  await signIn(page, 'admin@portcullis.example');
  await expect(page.getByText('partner-admin@northwind.example')).toBeVisible();
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  // The Approvals screen loads requests, portals and accounts at once; the server refuses the
  // first load of portals and of accounts as if the token had expired (a revoked signing
  // key, a server whose clock runs ahead).
  const refused = new Set<string>();
  await page.route(/\/api\/v1\/admin\/(accounts|portals)(\?|$)/, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (refused.has(path)) return route.continue();
    refused.add(path);
    return route.fulfill({
      status: 401,
      contentType: 'application/problem+json',
      body: JSON.stringify({ type: 'about:blank', title: 'Authentication required', status: 401, code: 'unauthenticated', detail: 'Sign in again.' }),
    });
  });
  const refreshes = watchRefreshes(page);
  await screen(page, 'Approvals').click();
  await expect(page.getByRole('heading', { name: 'Access requests', level: 1 })).toBeVisible();
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect([...refused].sort()).toEqual(['/api/v1/admin/accounts', '/api/v1/admin/portals']);
  expect(refreshes.started, 'one refresh for both').toBe(1);
  expect(refreshes.statuses).toEqual([200]);
  await screen(page, 'Portals').click();
  await expect(page.getByRole('heading', { name: 'Partner Central' })).toBeVisible();
});

test('after signing out everywhere in another browser, the next action lands on sign-in', async ({ page, browser }) => {
  await signIn(page, 'admin@portcullis.example');

  const elsewhere = await (await browser.newContext()).newPage();
  await signIn(elsewhere, 'admin@portcullis.example');
  await elsewhere.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(elsewhere.getByRole('button', { name: 'Sign in' })).toBeVisible();

  await screen(page, 'Accounts').click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Your session has ended');
  await page.screenshot({ path: `${ARTIFACTS}/session-ended-elsewhere.png` });
  // A reload does not bring the ended session back.
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
});

test('the console header fits a phone and its actions are reachable by keyboard', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page, 'admin@portcullis.example');
  const signOutEverywhere = page.getByRole('button', { name: 'Sign out everywhere' });
  await expect(signOutEverywhere).toBeInViewport();
  await page.getByRole('button', { name: 'Sign out', exact: true }).focus();
  await page.keyboard.press('Tab');
  await expect(signOutEverywhere).toBeFocused();
  await page.locator('.admin-header').screenshot({ path: `${ARTIFACTS}/session-console-header-mobile.png` });
});
