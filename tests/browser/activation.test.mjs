// Fast activation (/attiva-pin): with the first half from the SMS and the health card, the second
// half comes at once by e-mail instead of by letter; then the first access and the definitive PIN.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NEW_PIN, startServer, launchBrowser, newPage, open, fill, submit, tick, here, mainText, login, changePin, logout,
  requestBody,
} from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const dmy = (iso) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

test('fast activation with the health card, JavaScript off', { timeout: 180_000 }, async () => {
  const person = server.person();
  const cf = person.fiscal_code;
  const res = await server.api('POST', '/pin-requests', requestBody(person));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const sms = await server.waitForMessage({ fiscal_code: cf, kind: 'pin_first_half' });

  const { context, page } = await newPage(browser, { javaScriptEnabled: false });
  try {
    await open(page, server, '/attiva-pin');
    await fill(page, 'fiscal_code', cf);
    await fill(page, 'health_card_number', person.health_card_number);
    await fill(page, 'health_card_expiry', dmy(person.health_card_expiry));
    await fill(page, 'first_half', sms.pin_half.toLowerCase());
    await fill(page, 'mobile', person.mobile);
    await tick(page, 'second_half_channel_email');
    await fill(page, 'contact', person.email);
    const before = server.messageIds();
    const answer = await submit(page, 'first_half');
    assert.ok(answer.status() < 400, `/attiva-pin answered ${answer.status()}: ${await mainText(page)}`);
    assert.match(here(page), /^\/attiva-pin\/esito/, `the outcome page, not ${here(page)}`);
    assert.match(await mainText(page), /e-mail/i, 'the outcome names the channel');

    const mail = await server.waitForMessage({ fiscal_code: cf, kind: 'pin_second_half', channel: 'email' }, { after: before });
    assert.equal(mail.to, person.email);
    await login(page, server, cf, sms.pin_half + mail.pin_half);
    assert.equal(here(page), '/cambia-pin', `first access: ${here(page)}: ${await mainText(page)}`);
    await changePin(page, sms.pin_half + mail.pin_half, NEW_PIN);
    assert.match(here(page), /^\/area-riservata/, `${here(page)}: ${await mainText(page)}`);
    await logout(page, server);
    assert.deepEqual(page.problems, []);
  } finally {
    await context.close();
  }
});

test('fast activation with a wrong first half: an error, the input kept', { timeout: 120_000 }, async () => {
  const person = server.person();
  const cf = person.fiscal_code;
  assert.equal((await server.api('POST', '/pin-requests', requestBody(person))).status, 201);
  await server.waitForMessage({ fiscal_code: cf, kind: 'pin_first_half' });
  const { context, page } = await newPage(browser);
  try {
    await open(page, server, '/attiva-pin');
    await fill(page, 'fiscal_code', cf);
    await fill(page, 'health_card_number', person.health_card_number);
    await fill(page, 'health_card_expiry', dmy(person.health_card_expiry));
    await fill(page, 'first_half', 'ZZZZ9999');
    await fill(page, 'mobile', person.mobile);
    await tick(page, 'second_half_channel_sms');
    await fill(page, 'contact', person.mobile);
    await submit(page, 'first_half');
    assert.match(here(page), /^\/attiva-pin(\?|$)/);
    assert.ok((await page.locator('main [role="alert"], main .alert-danger').count()) > 0, 'the refusal is shown');
    assert.equal(await page.locator('[id="health_card_number"]').inputValue(), person.health_card_number, 'the input is kept');
    assert.equal(await page.locator('[id="mobile"]').inputValue(), person.mobile, 'the input is kept');
  } finally {
    await context.close();
  }
});
