// The demo in a real browser: logs in to the demo Home Assistant through its login
// page in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core),
// opens the Mt.Gox dashboard, checks that every Mt.Gox card shows a number (not
// "Unavailable" or "Unknown") in one money style and that the price moves, follows a
// device's Visit link to the sandbox's page, fills and performs an action, saves the
// options (and checks the dashboard again), and saves the screenshots the README
// shows. Run by scripts/browser-test, which starts the demo first.
//
// Environment: HA_URL, HA_USERNAME, HA_PASSWORD, DASHBOARD_YAML (to read the entity
// ids from), SCREENSHOTS (folder for the README's pictures), ARTIFACTS (folder for a
// failure's screenshot), CHROMIUM (default /usr/bin/chromium).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { checkMoneyStyle, performAction, saveOptions, step, texts, visitServerPage } from './interactions.mjs';

const HA_URL = process.env.HA_URL ?? 'http://127.0.0.1:8123';
const USERNAME = process.env.HA_USERNAME ?? 'demo';
const PASSWORD = process.env.HA_PASSWORD ?? 'demo-password';
const SCREENSHOTS = process.env.SCREENSHOTS ?? 'docs/images';
const ARTIFACTS = process.env.ARTIFACTS ?? tmpdir();
const DASHBOARD_PATH = '/mt-gox/mtgox';
const DASHBOARD_YAML =
  process.env.DASHBOARD_YAML ?? new URL('../../config-template/dashboards/mtgox.yaml', import.meta.url);
const ENTITY_IDS = [...new Set(readFileSync(DASHBOARD_YAML, 'utf8').match(/\bsensor\.[a-z0-9_]+\b/g))];
const PRICE = 'sensor.bitcoin_usd_price';
const PORTFOLIO = 'sensor.mt_gox_portfolio_value';

// Text of an element and everything under it, shadow roots included.
const DEEP = `
  window.__deepText = (root) => {
    const parts = [];
    const walk = (node) => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) parts.push(child.textContent);
        else if (child.nodeType === Node.ELEMENT_NODE) {
          if (child.shadowRoot) walk(child.shadowRoot);
          walk(child);
        }
      }
    };
    if (root.shadowRoot) walk(root.shadowRoot);
    walk(root);
    return parts.join(' ').replace(/\\s+/g, ' ').trim();
  };
  // Elements matching a simple selector under root, shadow roots included.
  window.__deepAll = (selector, root = document) => {
    const found = [];
    const walk = (node) => {
      found.push(...node.querySelectorAll(selector));
      for (const el of node.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
    };
    if (root.shadowRoot) walk(root.shadowRoot);
    walk(root);
    return found;
  };
  window.__chartIn = (selector) =>
    window.__deepAll(selector).some((el) => window.__deepAll('ha-chart-base', el).length > 0);
`;

async function states(page) {
  return page.evaluate(() => {
    const hass = document.querySelector('home-assistant')?.hass;
    return hass ? Object.fromEntries(Object.entries(hass.states).map(([id, s]) => [id, s.state])) : {};
  });
}

async function logIn(page) {
  step(`opening ${HA_URL}${DASHBOARD_PATH} (redirects to the login page)`);
  await page.goto(`${HA_URL}${DASHBOARD_PATH}`);
  await page.waitForURL(/\/auth\/authorize/);
  await page.locator('input[name="username"]').fill(USERNAME);
  await page.locator('input[name="password"]').fill(PASSWORD);
  await page.locator('input[name="password"]').press('Enter');
  await page.waitForURL((url) => url.pathname === DASHBOARD_PATH, { timeout: 30_000 });
  step(`logged in as ${USERNAME}`);
}

async function checkDashboard(page) {
  // Cards load lazily: wait until every one of them is there.
  await page.waitForFunction(
    () =>
      window.__deepAll('hui-tile-card').length >= 4 &&
      window.__deepAll('hui-sensor-card').length >= 1 &&
      window.__deepAll('hui-history-graph-card').length >= 1 &&
      window.__deepAll('hui-sensor-entity-row, hui-simple-entity-row').length >= 10,
    null,
    { timeout: 60_000 },
  );
  // Every sensor of the dashboard has a number in the frontend's state.
  await page.waitForFunction(
    (ids) => {
      const hass = document.querySelector('home-assistant')?.hass;
      return hass && ids.every((id) => hass.states[id] && Number.isFinite(Number(hass.states[id].state)));
    },
    ENTITY_IDS,
    { timeout: 60_000 },
  );
  // And every card shows one: tiles, the portfolio card and the entity rows.
  const bad = /unavailable|unknown|entity not available/i;
  const shown = {
    tile: await texts(page, 'hui-tile-card'),
    sensor: await texts(page, 'hui-sensor-card'),
    row: await texts(page, 'hui-sensor-entity-row, hui-simple-entity-row'),
  };
  assert.equal(shown.tile.length, 4, 'four price tiles');
  assert.equal(shown.sensor.length, 1, 'one portfolio-value card');
  assert.ok(shown.row.length >= 10, `at least 10 entity rows, got ${shown.row.length}`);
  for (const [kind, list] of Object.entries(shown)) {
    for (const text of list) {
      assert.match(text, /\d/, `${kind} card without a number: "${text}"`);
      assert.doesNotMatch(text, bad, `${kind} card not showing a value: "${text}"`);
      checkMoneyStyle(kind, text);
    }
  }
  step(`price tiles: ${shown.tile.join(' | ')}`);
  step(`portfolio: ${shown.sensor[0]}`);
  const history = await texts(page, 'hui-history-graph-card');
  assert.equal(history.length, 1, 'one history graph');
  assert.doesNotMatch(history[0], /no state history found/i, 'the history graph has data');
  await page.waitForFunction(() => window.__chartIn('hui-history-graph-card'), null, {
    timeout: 30_000,
  });
}

// With the stream connected, the full refresh (the safety net) runs every 5 minutes or
// less often, so of two price changes within PUSH_WINDOW_MS at most one is a poll's:
// the other was pushed.
const STREAM = 'sensor.mt_gox_stream';
const PUSH_WINDOW_MS = 120_000;

async function waitForPushedPriceMoves(page) {
  await page.waitForFunction(
    (id) => document.querySelector('home-assistant')?.hass?.states[id]?.state === 'connected',
    STREAM,
    { timeout: 30_000 },
  );
  const start = Date.now();
  const seen = [(await states(page))[PRICE]];
  step(`waiting for ${PRICE} to move twice from ${seen[0]} within ${PUSH_WINDOW_MS / 1000} s`);
  for (const _ of [1, 2]) {
    const timeout = PUSH_WINDOW_MS - (Date.now() - start);
    assert.ok(timeout > 0, `${PRICE} moved only ${seen.length - 1} time(s) in ${PUSH_WINDOW_MS / 1000} s`);
    await page.waitForFunction(
      ([id, value]) => document.querySelector('home-assistant')?.hass?.states[id]?.state !== value,
      [PRICE, seen.at(-1)],
      { timeout, polling: 100 },
    );
    seen.push((await states(page))[PRICE]);
  }
  assert.equal((await states(page))[STREAM], 'connected', `${STREAM} still says connected`);
  step(`${PRICE} moved ${seen.join(' -> ')} in ${((Date.now() - start) / 1000).toFixed(1)} s, stream connected`);
}

async function screenshotMoreInfo(page, file) {
  await page.locator('hui-tile-card').first().click();
  // ha-dialog's own box is empty (its content is in its shadow root): wait for it
  // to be open rather than "visible".
  const dialog = page.locator('ha-more-info-dialog ha-dialog[open]');
  await dialog.waitFor({ state: 'attached', timeout: 15_000 });
  // A price has long-term statistics, which the recorder compiles every 5 minutes:
  // a demo younger than that shows "No statistics found." instead of the chart.
  await page.waitForFunction(
    () =>
      window.__chartIn('ha-more-info-dialog') ||
      /no statistics found/i.test(window.__deepAll('ha-more-info-dialog').map(window.__deepText).join(' ')),
    null,
    { timeout: 30_000 },
  );
  if (!(await page.evaluate(() => window.__chartIn('ha-more-info-dialog')))) {
    step('note: no statistics yet (the demo is younger than 5 minutes), so more-info.png has no chart');
  }
  const text = (await texts(page, 'ha-more-info-dialog')).join(' ');
  assert.match(text, /\d/, 'the more-info dialog shows a number');
  await page.waitForTimeout(1500); // let the chart finish its animation
  await page.screenshot({ path: file });
  step(`saved ${file}`);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached', timeout: 10_000 });
}

const WEEK_HOURS = 7 * 24 - 1;
const IMPORT_TIMEOUT = 10 * 60_000; // the import reads one page of trades per 10 s

// Imported hours of the BTC/USD price statistic over the last 7 days, from the recorder.
async function importedHours(page) {
  return page.evaluate(async () => {
    const hass = document.querySelector('home-assistant')?.hass;
    if (!hass) return 0;
    const listed = await hass.callWS({ type: 'recorder/list_statistic_ids', statistic_type: 'mean' });
    const id = listed.map((s) => s.statistic_id).find((s) => s.startsWith('mtgox:btcusd_price_'));
    if (!id) return 0;
    const rows = await hass.callWS({
      type: 'recorder/statistics_during_period',
      start_time: new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString(),
      statistic_ids: [id],
      period: 'hour',
      types: ['mean'],
    });
    return (rows[id] ?? []).length;
  });
}

// The dashboard's statistics graph of the backfilled week (README, "History from day one").
async function screenshotBackfilledWeek(page, file) {
  const deadline = Date.now() + IMPORT_TIMEOUT;
  let hours = await importedHours(page);
  while (hours < WEEK_HOURS) {
    assert.ok(Date.now() < deadline, `only ${hours} of the week's hours imported`);
    await page.waitForTimeout(5000);
    hours = await importedHours(page);
  }
  step(`${hours} hours of BTC/USD imported`);
  const url = `${HA_URL}${DASHBOARD_PATH}`;
  // Closing the more-info dialog goes back in the page's history, which can abort a
  // navigation started at the same moment: then the second one finds it done.
  // Narrow enough for one column of cards: the week's chart gets the page's width.
  await page.setViewportSize({ width: 560, height: 1000 });
  await page.goto(url).catch(() => page.goto(url));
  await page.waitForFunction(() => window.__chartIn('hui-statistics-graph-card'), null, { timeout: 30_000 });
  const card = page.locator('hui-statistics-graph-card').first();
  await card.scrollIntoViewIfNeeded();
  await page.waitForTimeout(2000); // the chart settles
  await card.screenshot({ path: file });
  await page.setViewportSize({ width: 1280, height: 1000 });
  step(`saved ${file}`);
}

async function screenshotConfigPages(page) {
  await page.goto(`${HA_URL}/config/integrations/integration/mtgox`);
  await page.waitForFunction(
    () => /Mt\.Gox/.test(window.__deepText(document.body)) && /(service|device)s?\b/i.test(window.__deepText(document.body)),
    null,
    { timeout: 30_000 },
  );
  await page.waitForTimeout(1500);
  const integration = join(SCREENSHOTS, 'integration.png');
  await page.screenshot({ path: integration });
  step(`saved ${integration}`);

  const deviceId = await page.evaluate(
    (id) => document.querySelector('home-assistant').hass.entities[id]?.device_id,
    PORTFOLIO,
  );
  assert.ok(deviceId, `${PORTFOLIO} belongs to a device`);
  await page.goto(`${HA_URL}/config/devices/device/${deviceId}`);
  await page.waitForFunction(() => /Portfolio value/.test(window.__deepText(document.body)), null, {
    timeout: 30_000,
  });
  await page.waitForTimeout(1500);
  const device = join(SCREENSHOTS, 'device.png');
  await page.screenshot({ path: device });
  step(`saved ${device}`);
  await visitServerPage(page, HA_URL, deviceId, join(SCREENSHOTS, 'sandbox-page.png'));
}

async function main() {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'mtgox-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 1000 },
    colorScheme: 'light',
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.addInitScript(DEEP);
  try {
    await logIn(page);
    await checkDashboard(page);
    await waitForPushedPriceMoves(page);
    await checkDashboard(page);
    await page.setViewportSize({ width: 1280, height: 720 }); // the dashboard's height
    await page.waitForTimeout(2000); // charts settle
    const dashboard = join(SCREENSHOTS, 'dashboard.png');
    await page.screenshot({ path: dashboard });
    step(`saved ${dashboard}`);
    await page.setViewportSize({ width: 1280, height: 1000 });
    await screenshotMoreInfo(page, join(SCREENSHOTS, 'more-info.png'));
    await screenshotBackfilledWeek(page, join(SCREENSHOTS, 'history.png'));
    await screenshotConfigPages(page);
    await performAction(page, HA_URL, join(SCREENSHOTS, 'action.png'));
    await saveOptions(page, HA_URL);
    await page.goto(`${HA_URL}${DASHBOARD_PATH}`);
    await checkDashboard(page);
    step(`passed (${ENTITY_IDS.length} sensors checked)`);
  } catch (err) {
    const file = join(ARTIFACTS, 'browser-test-failure.png');
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    console.error(`browser-test: FAILED at ${page.url()}; screenshot: ${file}`);
    throw err;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

await main();
