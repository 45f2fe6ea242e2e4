// What the browser specs share: the API as one user, sign-ins, and the checks every screen
// gets (no console errors, no axe violations, screenshots that fit a phone).
import { expect, Page, APIRequestContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

export const ARTIFACTS = 'tests/e2e/artifacts';
export const DEMO_PASSWORD = 'portcullis-demo-2026';

/** The API as one user. Access tokens live 5 seconds in these runs (see run.sh), so a new one
 * is taken when the last is about to expire; sign-ins are rate limited, so no more often. */
export function as(request: APIRequestContext, email: string, portal?: string) {
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

export type Api = ReturnType<typeof as>;


export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // A 401 that the client answers by renewing the token is logged by the browser but is no
  // error of the app.
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(m.text()); });
  return errors;
}

/** Signs in at a portal; the first sign-in's onboarding is skipped through. */
export async function portalSignIn(page: Page, slug: string, email: string, first: string) {
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

export async function consoleSignIn(page: Page, email: string) {
  await page.goto('/admin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Administration' })).toBeVisible();
}

export async function noAxeViolations(page: Page, where: string) {
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${where}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`)).toEqual([]);
}

/** Full-page screenshots at desktop and phone widths (360 px unless given); on the phone
 * nothing scrolls sideways. */
export async function shoot(page: Page, name: string, phone = { width: 360, height: 740 }) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
  await page.setViewportSize(phone);
  // What sticks out past the right edge, if anything (elements that scroll inside a box of
  // their own, such as the console's menu, do not count).
  const wide = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    return [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 1)
      .filter((e) => {
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
          if (getComputedStyle(a).overflowX !== 'visible') return false;
        }
        return true;
      })
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}#${e.id}`)
      .slice(0, 5);
  });
  expect(wide, `${name} fits a ${phone.width} px screen`).toEqual([]);
  await page.screenshot({ path: `${ARTIFACTS}/${name}-mobile.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}
