// The demo portals in a real browser: branding, sign-in, keyboard use, accessibility.
import { test, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

const ARTIFACTS = 'tests/e2e/artifacts';
const DEMO_PASSWORD = 'portcullis-demo-2026';

const portals = [
  { slug: 'acme', name: 'Acme Customer Hub', primary: '#1d4ed8', background: 'rgb(248, 250, 252)', kind: 'Customer portal' },
  { slug: 'partners', name: 'Partner Central', primary: '#0f766e', background: 'rgb(240, 253, 250)', kind: 'Partner portal' },
];

function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

for (const p of portals) {
  test(`the ${p.name} portal shows its name and colours`, async ({ page }) => {
    const errors = watchConsole(page);
    await page.goto(`/p/${p.slug}`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(p.name);
    await expect(page.getByText(p.kind)).toBeVisible();
    await expect(page).toHaveTitle(p.name);
    const wrapper = page.locator('.portal');
    const primary = await wrapper.evaluate((el) => getComputedStyle(el).getPropertyValue('--brand-primary').trim());
    expect(primary).toBe(p.primary);
    await expect(wrapper).toHaveCSS('background-color', p.background);
    await page.screenshot({ path: `${ARTIFACTS}/${p.slug}.png`, fullPage: true });
    await page.setViewportSize({ width: 360, height: 740 });
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeInViewport();
    await page.screenshot({ path: `${ARTIFACTS}/${p.slug}-mobile.png`, fullPage: true });
    expect(errors, 'no console errors, CSP violations included').toEqual([]);
  });
}

test('an unknown portal gets a friendly not-found page', async ({ page }) => {
  await page.goto('/p/no-such-portal');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("We couldn't find that portal");
  await expect(page.getByRole('link', { name: 'Go to the home page' })).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/not-found.png` });
});

test('the sign-in form is reachable by keyboard, in order, with visible focus', async ({ page }) => {
  await page.goto('/p/acme');
  await expect(page.getByLabel('Email')).toBeVisible();
  const order: string[] = [];
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el?.id || el?.textContent?.trim() || '';
    }));
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    expect(outline).not.toBe('none');
  }
  expect(order).toEqual(['email', 'password', 'Sign in']);
});

test('the portal page has no accessibility violations', async ({ page }) => {
  await page.goto('/p/partners');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Partner Central');
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});

// Initech's customer signs in here for the first time (the deals tests use Globex's).
test('a wrong password is explained, and the right one signs in and out', async ({ page }) => {
  await page.goto('/p/acme');
  await page.getByLabel('Email').fill('customer@initech.example');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('The email or password is incorrect.');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The first sign-in starts onboarding; the tour can be skipped.
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Your deals' })).toBeVisible();
  await page.getByRole('button', { name: 'Skip tour' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, Ian' })).toBeVisible();
  await page.getByRole('link', { name: 'Update your profile' }).click();
  await expect(page.getByRole('heading', { name: 'Your profile' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Job title')).toBeFocused();
  await expect(page.locator('.permissions li').filter({ hasText: 'View deal status' })).toBeVisible();
  await expect(page.locator('.permissions li').filter({ hasText: 'View deal value' })).toHaveCount(0);
  await expect(page.getByText('Customer at Initech')).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/acme-signed-in.png`, fullPage: true });
  // A reload keeps the session through the refresh cookie.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Welcome, Ian' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
});
