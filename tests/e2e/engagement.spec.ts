// Deal collaboration in a real browser, on the demo data: the Globex platform rollout is
// shared with Globex and co-sold with Northwind. The customer downloads a document shared
// with them (never an internal one), writes in their thread, asks for a quote that lands on
// the rep's task list, and books a meeting in the rep's published hours; the co-selling
// partner works in the workspace (strategy notes, joint tasks) and never sees the customer's
// thread.
//
// This file runs after deals.spec.ts (files run in name order on one worker): that spec checks
// the demo customer's first view since their seeded last visit, which a sign-in here moves.
import { test, expect, APIRequestContext } from '@playwright/test';
import { as, consoleSignIn, noAxeViolations, portalSignIn, shoot, watchErrors } from './support';

const RUN = Date.now().toString(36);
test.setTimeout(120_000);

async function dealId(request: APIRequestContext, name: string): Promise<string> {
  const rep = as(request, 'rep@portcullis.example');
  const page = await rep.get(`/deals?q=${encodeURIComponent(name)}`);
  return page.items.find((d: { name: string }) => d.name === name).id;
}

async function upload(request: APIRequestContext, deal: string, file: string, title: string, audience: string, text: string) {
  const rep = as(request, 'rep@portcullis.example');
  const headers = { ...(await rep.signIn()), 'content-type': 'application/octet-stream' };
  const q = new URLSearchParams({ name: file, title, category: 'proposal', audience });
  const res = await request.post(`/api/v1/deals/${deal}/documents?${q}`, { data: Buffer.from(text), headers });
  expect(res.status(), await res.text()).toBe(201);
  return res.json();
}

async function globex(request: APIRequestContext): Promise<string> {
  const admin = as(request, 'admin@portcullis.example');
  const list = await admin.get('/admin/accounts?type=customer&limit=200');
  return list.items.find((a: { name: string }) => a.name === 'Globex Corporation').id;
}

async function northwind(request: APIRequestContext): Promise<string> {
  const admin = as(request, 'admin@portcullis.example');
  const list = await admin.get('/admin/accounts?type=partner&limit=200');
  return list.items.find((a: { name: string }) => a.name === 'Northwind Partners').id;
}

test('a customer downloads a shared document, writes in the thread, asks for a quote and books a meeting', async ({ page, request }) => {
  const errors = watchErrors(page);
  const admin = as(request, 'admin@portcullis.example');
  const rep = as(request, 'rep@portcullis.example');
  const account = await globex(request);
  const deal = await dealId(request, 'Globex platform rollout');
  await admin.put('/admin/permissions', { scope: 'account', scope_id: account, permission: 'schedule_meetings', allowed: true });
  // The rep is free every day, all day, in UTC: any slot the customer is offered is theirs.
  const published = await rep.get('/me/availability');
  const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '23:30' }));
  await rep.put('/me/availability', { time_zone: 'UTC', weekly, exceptions: [] });
  await upload(request, deal, `proposal-${RUN}.txt`, `Rollout proposal ${RUN}`, 'customer', 'The proposal for Globex.');
  await upload(request, deal, `pricing-floor-${RUN}.txt`, `Internal pricing floor ${RUN}`, 'internal', 'Do not go below.');
  try {
    await portalSignIn(page, 'acme', 'customer@globex.example', 'Gloria');
    await page.getByRole('link', { name: 'Globex platform rollout' }).first().click();
    const work = page.getByRole('region', { name: 'Working together' });
    await expect(work).toBeVisible();

    // Documents: the shared one, not the internal one; its download is the file.
    await work.getByRole('button', { name: 'Documents' }).click();
    await expect(work.locator("strong", { hasText: `Rollout proposal ${RUN}` })).toBeVisible();
    await expect(work.getByText(`Internal pricing floor ${RUN}`)).toHaveCount(0);
    const row = work.locator('tr', { hasText: `Rollout proposal ${RUN}` });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('button', { name: /^Download/ }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`proposal-${RUN}.txt`);
    const saved = await download.path();
    expect(require('fs').readFileSync(saved, 'utf8')).toBe('The proposal for Globex.');
    await noAxeViolations(page, 'customer documents');
    await shoot(page, 'collab-customer-documents');

    // The thread.
    await work.getByRole('button', { name: 'Conversation' }).click();
    await work.getByLabel(/^Message/).fill(`Could you **confirm** the go-live date? ${RUN}`);
    await work.getByRole('button', { name: 'Send' }).click();
    await expect(work.locator('.post', { hasText: `go-live date? ${RUN}` }).locator('strong', { hasText: 'confirm' })).toBeVisible();
    await shoot(page, 'collab-customer-thread');

    // A request, which becomes the rep's task.
    await work.getByRole('button', { name: 'Requests' }).click();
    await work.getByLabel('What do you need?').selectOption('quote');
    await work.getByLabel('Subject').fill(`Quote for 50 more seats ${RUN}`);
    await work.getByLabel('Details').fill('Same terms as the first 200.');
    await work.getByRole('button', { name: 'Send request' }).click();
    await expect(work.getByText('Request sent.')).toBeVisible();
    await expect(work.locator('.request', { hasText: `Quote for 50 more seats ${RUN}` })).toContainText('Submitted');

    // A meeting in the rep's hours, shown in the browser's time zone.
    await work.getByRole('button', { name: 'Meetings' }).click();
    const from = new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 10);
    await work.getByLabel('From').fill(from);
    await work.getByLabel('From').dispatchEvent('change');
    const slot = work.locator('.slot').first();
    await expect(slot).toBeVisible();
    await slot.click();
    await work.getByLabel('Subject').fill(`Go-live planning ${RUN}`);
    await work.getByRole('button', { name: 'Book' }).click();
    await expect(work.getByText(/Booked: Go-live planning/)).toBeVisible();
    await expect(work.locator('.meeting-list li', { hasText: `Go-live planning ${RUN}` })).toBeVisible();
    await noAxeViolations(page, 'customer meetings');
    await shoot(page, 'collab-customer-meetings');
    expect(errors).toEqual([]);

    // The rep finds the request on their task list.
    await page.context().clearCookies();
    await consoleSignIn(page, 'rep@portcullis.example');
    await page.getByRole('link', { name: 'Tasks' }).click();
    await expect(page.getByText(`Quote for 50 more seats ${RUN}`).first()).toBeVisible();
    await noAxeViolations(page, 'rep tasks');
    await shoot(page, 'collab-rep-tasks');
  } finally {
    await admin.put('/admin/permissions', { scope: 'account', scope_id: account, permission: 'schedule_meetings', allowed: null });
    await rep.put('/me/availability', published);
  }
});

test('a co-selling partner works in the workspace and never sees the customer’s thread', async ({ page, request }) => {
  const errors = watchErrors(page);
  const admin = as(request, 'admin@portcullis.example');
  const rep = as(request, 'rep@portcullis.example');
  const partnerOrg = await northwind(request);
  const deal = await dealId(request, 'Globex platform rollout');
  await admin.put('/admin/permissions', { scope: 'account', scope_id: partnerOrg, permission: 'access_co_sell_workspace', allowed: true });
  await rep.post(`/deals/${deal}/threads/customer/posts`, { body: `Customer-only message ${RUN}` });
  await rep.post(`/deals/${deal}/strategy-notes`, { body: `Lead with the analytics story ${RUN}` });
  try {
    await portalSignIn(page, 'partners', 'partner@northwind.example', 'Nora');
    await page.goto(`/p/partners/deals/${deal}`);
    const work = page.getByRole('region', { name: 'Working together' });
    await expect(work.getByRole('button', { name: 'Co-selling workspace' })).toBeVisible();
    await expect(work.getByText(`Lead with the analytics story ${RUN}`).first()).toBeVisible();
    await work.getByLabel('Task', { exact: true }).fill(`Joint demo prep ${RUN}`);
    await work.getByLabel('For').selectOption({ label: 'Nora Northwind' }).catch(async () => {
      await work.getByLabel('For').selectOption({ index: 1 });
    });
    await work.getByRole('button', { name: 'Add task' }).click();
    await expect(work.locator('.joint-tasks li', { hasText: `Joint demo prep ${RUN}` })).toBeVisible();
    await work.getByLabel('Add a strategy note').fill(`We bring the integrator ${RUN}`);
    await work.getByRole('button', { name: 'Add note' }).click();
    await expect(work.getByText(`We bring the integrator ${RUN}`).first()).toBeVisible();
    await noAxeViolations(page, 'co-selling workspace');
    await shoot(page, 'collab-partner-workspace');

    // The partner's conversation is theirs with the company, never the customer's thread.
    await work.getByRole('button', { name: 'Conversation' }).click();
    await expect(work.getByRole('heading', { name: 'Conversation with your team' })).toBeVisible();
    await expect(page.getByText(`Customer-only message ${RUN}`)).toHaveCount(0);
    expect(errors).toEqual([]);
  } finally {
    await admin.put('/admin/permissions', { scope: 'account', scope_id: partnerOrg, permission: 'access_co_sell_workspace', allowed: null });
  }
});
