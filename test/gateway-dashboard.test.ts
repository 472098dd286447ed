/**
 * The gateway's dashboard page in a real browser (Debian's headless chromium driven by playwright-core)
 * against a running cluster: it lists the instances as alive, draws live charts, and draws the
 * speculation timeline of a finished request. A screenshot is saved in test-artifacts/ (git-ignored).
 * Needs Debian's chromium-headless-shell (what `npm test` installs: the smallest package that serves)
 * or chromium; without either the test is skipped, loudly.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '@specmesh/gateway';
import { emulatedPair } from '@specmesh/models';
import { type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitGatewayReady } from './helpers/gateway.js';
import { startRoles } from './helpers/roles.js';
import { within } from './helpers/within.js';

const CHROMIUM = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((p) => existsSync(p));
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const hasChromium = CHROMIUM !== undefined;
if (!hasChromium)
  console.warn(
    'dashboard browser test skipped: no /usr/bin/chromium-headless-shell or /usr/bin/chromium (apt-get install -y chromium-headless-shell)',
  );

let server: NatsServerHandle;
let gw: Gateway;
let browser: BrowserContext | undefined;
const stops: Array<() => Promise<void>> = [];
const profile = join(tmpdir(), `specmesh-chromium-${process.pid}`);

beforeAll(async () => {
  if (!hasChromium) return;
  server = await startNatsServer();
  const { target, drafter } = emulatedPair({
    agreement: 0.7,
    seed: 5,
    latency: { ttftMs: 3, tpotMs: 2 },
    drafterLatency: { ttftMs: 0.5, tpotMs: 0.2 },
  });
  const common = { servers: server.url, heartbeatIntervalMs: 100 };
  const stopRoles = await startRoles(common, {
    target,
    drafter,
    verifierIds: ['dv0', 'dv1'],
    drafterId: 'dd0',
  });
  gw = await Gateway.start({ ...common, port: 0 });
  stops.push(() => gw.stop(), stopRoles);
  await waitGatewayReady(gw.url);
});

afterAll(async () => {
  await browser?.close();
  for (const s of stops) await s();
  await server?.stop();
  rmSync(profile, { recursive: true, force: true });
});

describe('dashboard in a real browser', () => {
  it.skipIf(!hasChromium)('shows the live instances and the timeline of a finished request', async () => {
    const res = await fetch(`${gw.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'specmesh',
        prompt: 'draw me a timeline',
        max_tokens: 32,
        temperature: 0,
        specmesh: { mode: 'dsi', k: 4 },
      }),
    });
    const { id } = (await res.json()) as { id: string };
    // A fresh profile per run; playwright takes it as the persistent context's directory.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM!,
      headless: true,
      viewport: { width: 1280, height: 1200 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${gw.url}/dashboard`);
    // Topology: every role, alive.
    const alive = page.locator('#instances tr.alive');
    await alive.filter({ hasText: 'dv1' }).waitFor({ timeout: within(10_000) });
    const rows = await page.locator('#instances tr').allInnerTexts();
    for (const who of ['scheduler', 'batcher', 'dv0', 'dv1', 'dd0']) {
      expect(rows.some((r) => r.includes(who) && r.includes('alive'))).toBe(true);
    }
    // Timeline of the finished request: the page picks the newest one by itself.
    await page.waitForSelector(`body[data-timeline="${id}"]`, { timeout: within(10_000) });
    const drawn = await page.evaluate(() => {
      const chart = (globalThis as unknown as { Chart: { getChart(id: string): unknown } }).Chart.getChart(
        'timeline',
      ) as { data: { labels: string[]; datasets: Array<{ label: string; data: unknown[] }> } };
      return { lanes: chart.data.labels, outcomes: chart.data.datasets.map((d) => [d.label, d.data.length]) };
    });
    expect(drawn.lanes[0]).toBe('draft dd0');
    expect(drawn.lanes.some((l) => /^verify dv[01]$/.test(l))).toBe(true);
    const outcomes = Object.fromEntries(drawn.outcomes) as Record<string, number>;
    expect(outcomes['draft']).toBeGreaterThan(0);
    expect((outcomes['accepted'] ?? 0) + (outcomes['rejected'] ?? 0)).toBeGreaterThan(0);
    // The live charts got at least one point.
    await page.waitForFunction(
      () =>
        ((
          globalThis as unknown as { Chart: { getChart(id: string): { data: { labels: unknown[] } } } }
        ).Chart.getChart('throughput')?.data.labels.length ?? 0) > 0,
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(existsSync(join(ARTIFACTS, 'dashboard.png'))).toBe(true);
    expect(errors).toEqual([]);
  });
});
