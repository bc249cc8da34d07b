import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { skipReason } from '../support/skip.ts';
import { ROOT } from '../support/tools.ts';

const CHROMIUM = '/usr/bin/chromium';
const noChromium = skipReason(existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does it)`);
if (noChromium) console.warn(`status page browser test skipped: ${noChromium}`);

const TOKEN = 'browser-test-token';
const SCREENSHOT = join(ROOT, 'test-results', 'status-page.png');

const invoice = (id: string) => ({ type: 'invoice', id, amount_cents: 1250, currency: 'EUR', quality_grade: 'A', billed_hours: 1.5 });

describe.skipIf(noChromium !== undefined)('status page in Chromium', () => {
  let agent: AgentProcess;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const post = (body: unknown) =>
    fetch(`${agent.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
  const text = (selector: string) => page.locator(selector).first().textContent();

  beforeAll(async () => {
    agent = await spawnAgent({ env: { QB_AGENT_INGEST_TOKENS: TOKEN, QB_AGENT_HOST_METRICS: 'false' } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      // The two 401s of the login flow are expected; any other error is a bug (a CSP violation shows here too).
      if (msg.type() === 'error' && !msg.text().includes('status of 401')) problems.push(`console: ${msg.text()}`);
    });
    // Nothing may leave the agent's origin (air-gapped) — the CSP forbids it, this proves it.
    page.on('request', (req) => {
      if (!req.url().startsWith(agent.url) && !req.url().startsWith('data:')) problems.push(`external request: ${req.url()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
  });

  it('asks for the token, then shows counts and rejections live, without a reload', async () => {
    await page.goto(`${agent.url}/`);
    await page.locator('#login').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await page.locator('#main').isVisible()).toBe(false);

    await page.fill('#token', 'wrong-token');
    await page.click('#login-form button');
    await expect.poll(() => text('#login-error'), { timeout: 15_000 }).toBe('That token was not accepted.');

    await page.fill('#token', TOKEN);
    await page.click('#login-form button');
    await page.locator('#main').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await text('#conn')).toBe('live');
    expect(await text('#kpi-accepted')).toBe('0');
    expect(await page.locator('#rejections-empty').isVisible()).toBe(true);

    // Known traffic: 3 accepted, 1 duplicate, then a batch of 2 rejected for a typo.
    expect((await post({ events: [invoice('inv-1'), invoice('inv-2'), { type: 'user_activity', user: 'u1', state: 'active' }] })).status).toBe(202);
    expect((await post({ events: [invoice('inv-1')] })).status).toBe(202);
    const typo = { type: 'invoice', amount_cent: 990, currency: 'EUR', quality_grade: 'B', billed_hours: 2 };
    expect((await post({ events: [invoice('inv-3'), typo] })).status).toBe(400);

    await expect.poll(() => text('#kpi-accepted'), { timeout: 15_000 }).toBe('3');
    expect(await text('#kpi-duplicate')).toBe('1');
    expect(await text('#kpi-rejected')).toBe('2');
    expect(await text('#kpi-rejections')).toBe('1');
    expect(await page.locator('#rejections-empty').isVisible()).toBe(false);
    const row = page.locator('#rejections tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.locator('.rej-error').textContent()).toBe('invalid_events');
    const problem = await row.locator('.rej-problem').textContent();
    expect(problem).toContain('/amount_cent');
    expect(problem).toContain('is not a known field of this event type');
    expect(await row.locator('.payload').textContent()).toBe(JSON.stringify(typo));
    expect(await text('#types tbody')).toContain('invoice');
    expect(await text('#status-codes')).toBe('202: 2400: 1');
    // Bars were drawn for the current bucket: accepted, duplicate and rejected.
    for (const cls of ['accepted', 'duplicate', 'rejected']) expect(await page.locator(`#chart-events rect.${cls}`).count()).toBe(1);

    // The token never appears on the page.
    expect(await page.content()).not.toContain(TOKEN);

    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(problems).toEqual([]);
  });
});
