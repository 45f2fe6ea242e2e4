// Identity in a real browser: accepting an invitation from the outbox through onboarding, and
// a deactivated user's very next action landing on the sign-in page.
import { test, expect, APIRequestContext } from '@playwright/test';

const ARTIFACTS = 'tests/e2e/artifacts';
const DEMO_PASSWORD = 'portcullis-demo-2026';

// Access tokens live 5 seconds in these runs (see run.sh): take one right before using it.
async function adminToken(request: APIRequestContext): Promise<string> {
  const res = await request.post('/api/v1/auth/login', {
    data: { email: 'admin@portcullis.example', password: DEMO_PASSWORD },
  });
  expect(res.status()).toBe(200);
  return (await res.json()).access_token;
}

test('an invitee accepts from the outbox and finishes onboarding', async ({ page, request }) => {
  const token = await adminToken(request);
  const auth = { authorization: `Bearer ${token}` };
  const portals = await (await request.get('/api/v1/admin/portals', { headers: auth })).json();
  const partners = portals.items.find((p: { slug: string }) => p.slug === 'partners');
  const accounts = await (await request.get('/api/v1/admin/accounts?type=partner', { headers: auth })).json();
  const northwind = accounts.items.find((a: { name: string }) => a.name === 'Northwind Partners');
  const email = `e2e-${Date.now()}@northwind.example`;
  const invited = await request.post('/api/v1/admin/invitations', {
    headers: auth,
    data: { emails: [email], role: 'partner_user', account_id: northwind.id, portal_id: partners.id },
  });
  expect(invited.status()).toBe(200);

  const outbox = await (await request.get(`/api/v1/admin/outbox?to=${encodeURIComponent(email)}`, { headers: auth })).json();
  const link: string = outbox.items[0].body_text.split(/\s+/).find((w: string) => w.includes('/invite/'));
  await page.goto(new URL(link).pathname);

  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Join Partner Central');
  await page.getByLabel('Your name').fill('Erin Endtoend');
  await page.getByLabel('Password').fill('password1234');
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(page.getByRole('alert')).toContainText('common');
  await page.getByLabel('Password').fill('cobalt-meadow-rivet-58');
  await page.getByRole('button', { name: 'Accept invitation' }).click();

  await expect(page.getByRole('heading', { name: "Welcome! Let's set up your account" })).toBeVisible();
  await page.getByLabel('Job title').fill('Partner success lead');
  await page.getByLabel('Phone').fill('+44 20 7946 0123');
  await page.getByLabel(/Profile photo/).setInputFiles({
    name: 'me.png',
    mimeType: 'image/png',
    buffer: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'),
  });
  await page.screenshot({ path: `${ARTIFACTS}/onboarding-profile.png`, fullPage: true });
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Send me a weekly digest').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Register deals' })).toBeVisible();
  await page.getByRole('button', { name: 'Skip tour' }).click();

  await expect(page.getByRole('heading', { name: 'Welcome, Erin' })).toBeVisible();
  // Quick actions lead only to screens that exist; what the user may do follows from their
  // effective permissions.
  await expect(page.getByRole('link', { name: 'Update your profile' })).toBeVisible();
  const can = page.locator('.permissions li');
  await expect(can).toContainText(['Register deals', 'View deal pipeline']);
  await expect(can.filter({ hasText: 'Export reports' })).toHaveCount(0);
  await page.screenshot({ path: `${ARTIFACTS}/onboarded-home.png`, fullPage: true });
  const fresh = { authorization: `Bearer ${await adminToken(request)}` };
  const users = await (await request.get(`/api/v1/admin/users?portal_type=partner`, { headers: fresh })).json();
  expect(users.items.find((u: { email: string }) => u.email === email).status).toBe('active');
});

test('a deactivated user is sent to sign-in on their next action', async ({ page, request }) => {
  await page.goto('/p/partners');
  await page.getByLabel('Email').fill('partner@contoso.example');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // First sign-in: skip straight through onboarding.
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Skip tour' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, Connie' })).toBeVisible();

  const token = await adminToken(request);
  const auth = { authorization: `Bearer ${token}` };
  const users = await (await request.get('/api/v1/admin/users?portal_type=partner', { headers: auth })).json();
  const connie = users.items.find((u: { email: string }) => u.email === 'partner@contoso.example');
  expect((await request.post(`/api/v1/admin/users/${connie.id}/deactivate`, { headers: auth })).status()).toBe(200);

  await page.getByLabel('Job title').fill('Still here?');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Your session has ended');
  await page.screenshot({ path: `${ARTIFACTS}/deactivated-next-action.png` });
  // The demo data is shared by every spec: Connie comes back for the ones after this.
  const again = { authorization: `Bearer ${await adminToken(request)}` };
  expect((await request.post(`/api/v1/admin/users/${connie.id}/reactivate`, { headers: again })).status()).toBe(200);
});
