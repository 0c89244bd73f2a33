// What a person does besides reading the dashboard, in the real browser: saves the
// options, fills an action's form and performs an action, and follows a device's
// "Visit" link to the server's own page. Used by dashboard.test.mjs, whose init
// script defines window.__deepAll and window.__deepText.
import assert from 'node:assert/strict';
import { join } from 'node:path';

export const step = (message) => console.log(`browser-test: ${message}`);

export async function texts(page, selector) {
  return page.evaluate(
    (sel) => window.__deepAll(sel).map((el) => window.__deepText(el)),
    selector,
  );
}

// How many decimals people read each currency with; what the sensors suggest.
const DECIMALS = { USD: 2, EUR: 2, GBP: 2, JPY: 0, BTC: 8 };

// Every amount on a card reads "<number> <CODE>" with the currency's usual decimals:
// never the exchange's 5 decimals, never "$10,000.00" beside "796.21 USD".
export function checkMoneyStyle(kind, text) {
  assert.doesNotMatch(text, /[$€£¥]/, `${kind} card shows a currency symbol: "${text}"`);
  for (const match of text.matchAll(/\d[\d,]*(?:\.(\d+))?\s*(USD|EUR|GBP|JPY|BTC)\b/g)) {
    const [amount, decimals = '', code] = match;
    assert.equal(decimals.length, DECIMALS[code], `${kind} card: "${amount}" has ${decimals.length} decimals`);
  }
}

async function entryId(page) {
  await page.waitForFunction(() => document.querySelector('home-assistant')?.hass, null, { timeout: 30_000 });
  return page.evaluate(async () => {
    const hass = document.querySelector('home-assistant').hass;
    const [entry] = await hass.callWS({ type: 'config_entries/get', domain: 'mtgox' });
    return entry.entry_id;
  });
}

// Opens the entry's options from the integration page, checks the form and saves it
// unchanged: the entry reloads, and the dashboard must still show values afterwards.
export async function saveOptions(page, haUrl) {
  await page.goto(`${haUrl}/config/integrations/integration/mtgox`);
  await page.getByText('Configure', { exact: true }).first().click();
  const dialog = page.locator('dialog-data-entry-flow');
  await dialog.waitFor({ state: 'attached', timeout: 15_000 });
  await page.locator('mwc-button', { hasText: 'Submit' }).waitFor({ timeout: 15_000 });
  const form = (await texts(page, 'dialog-data-entry-flow')).join(' ');
  for (const label of ['Tracked pairs', 'Valuation currency', 'Update interval', 'Maximum order amount', 'BTC/USD']) {
    assert.ok(form.includes(label), `the options form shows "${label}"`);
  }
  await page.locator('mwc-button', { hasText: 'Submit' }).click();
  await page.waitForFunction(
    () => /Options successfully saved/.test(window.__deepAll('dialog-data-entry-flow').map(window.__deepText).join(' ')),
    null,
    { timeout: 30_000 },
  );
  await page.locator('mwc-button', { hasText: 'Finish' }).click();
  // The dialog element stays in the page, closed and empty.
  await page.waitForFunction(
    () => !/Options successfully saved/.test(window.__deepAll('dialog-data-entry-flow').map(window.__deepText).join(' ')),
    null,
    { timeout: 10_000 },
  );
  step('saved the options through the options flow');
}

async function writeActionYaml(page, yaml) {
  const editor = page.locator('ha-code-editor .cm-content').first();
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(yaml);
}

// Shows the place order form (its labels and units) for the README, then performs
// get_orders in the actions developer tool and reads its response.
export async function performAction(page, haUrl, file) {
  await page.goto(`${haUrl}/developer-tools/action`);
  const id = await entryId(page);
  await page.locator('mwc-button', { hasText: 'Go to YAML mode' }).click();
  await writeActionYaml(
    page,
    `action: mtgox.place_order\ndata:\n  config_entry_id: ${id}\n  side: buy\n  amount: 0.25\n  price: 750\n  pair: BTCUSD\n`,
  );
  await page.locator('mwc-button', { hasText: 'Go to UI mode' }).click();
  await page.waitForFunction(
    () => /Price per BTC/.test(window.__deepText(document.body)),
    null,
    { timeout: 15_000 },
  );
  const form = (await texts(page, 'developer-tools-action')).join(' ');
  for (const label of ['Account', 'Amount', 'BTC', 'Price per BTC']) {
    assert.ok(form.includes(label), `the place order form shows "${label}"`);
  }
  // The picker inside keeps the frontend's own label, "Integration"; the field's name
  // and help are ours.
  assert.doesNotMatch(form, /config entry/i, 'the account field speaks of an account');
  await page.waitForTimeout(1000);
  await page.screenshot({ path: file });
  step(`saved ${file}`);

  await page.locator('mwc-button', { hasText: 'Go to YAML mode' }).click();
  await writeActionYaml(page, `action: mtgox.get_orders\ndata:\n  config_entry_id: ${id}\n`);
  await page.locator('ha-progress-button', { hasText: 'Perform action' }).click();
  await page.waitForFunction(
    () => /Response/.test(window.__deepText(document.body)) && /orders\s*:\s*\[/.test(window.__deepText(document.body)),
    null,
    { timeout: 30_000 },
  );
  step('performed mtgox.get_orders; its response lists the orders');
}

// The account device's "Visit" link opens the sandbox's own page, which shows its
// markets and API URL.
export async function visitServerPage(page, haUrl, deviceId, file) {
  await page.goto(`${haUrl}/config/devices/device/${deviceId}`);
  // The link is found by where it goes: its "Visit" text may not be translated yet.
  const serverLink = () =>
    window.__deepAll('ha-device-info-card').flatMap((card) => window.__deepAll('a[target="_blank"]', card))[0]?.href;
  await page.waitForFunction(serverLink, null, { timeout: 30_000 });
  const href = await page.evaluate(serverLink);
  assert.match(href, /^http:\/\/127\.0\.0\.1:\d+\/$/, `the Visit link opens the server's root, not ${href}`);
  await page.goto(href);
  const text = await page.locator('body').innerText();
  assert.match(text, /Mt\.Gox sandbox/);
  assert.ok(text.includes(`${href}api/`), 'the page gives the API base URL');
  for (const pair of ['BTC/USD', 'BTC/EUR', 'BTC/JPY', 'BTC/GBP']) assert.ok(text.includes(pair), `the page lists ${pair}`);
  await page.screenshot({ path: file });
  step(`the device's Visit link opens ${href}; saved ${file}`);
}
