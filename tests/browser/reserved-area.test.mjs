// The reserved area's services, logged in through /accedi: contacts (add an e-mail, the code from
// the demo mailbox, verified), access history, applications (a PIN ordinario is told how to
// upgrade), /converti-pin with the prefilled form; each page needs a login.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, open, fill, submit, here, mainText, login, logout, activePerson } from './helpers.mjs';

let server;
let browser;
let context;
let page;
let citizen;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  citizen = await activePerson(server);
  ({ context, page } = await newPage(browser, { javaScriptEnabled: false }));
  await login(page, server, citizen.person.fiscal_code, citizen.pin);
  assert.match(here(page), /^\/area-riservata/);
});

after(async () => {
  await context?.close();
  await browser?.close();
  await server?.stop();
});

describe('the reserved area, JavaScript off', { timeout: 180_000 }, () => {
  test('the reserved area links its services', async () => {
    await open(page, server, '/area-riservata');
    for (const path of ['/area-riservata/recapiti', '/area-riservata/accessi', '/area-riservata/domande', '/cambia-pin', '/converti-pin']) {
      assert.ok((await page.locator(`main a[href="${path}"]`).count()) > 0, `/area-riservata links ${path}`);
    }
  });

  test('contacts: add an e-mail, verify it with the code sent to it', async () => {
    const address = `verifica.${Date.now()}@example.org`;
    await open(page, server, '/area-riservata/recapiti');
    await fill(page, 'kind', 'email');
    await fill(page, 'value', address);
    const before = server.messageIds();
    await submit(page, 'value');
    assert.equal(await page.locator('main .alert-danger').count(), 0, `adding ${address}: ${await mainText(page)}`);
    assert.ok((await mainText(page)).includes(address), 'the new contact is listed');
    const message = await server.waitForMessage({ kind: 'contact_verification', to: address }, { after: before });
    assert.match(message.code, /^\d{4,8}$/);

    const codeField = page.locator('main form[action$="/verifica"] input[name="code"]').first();
    assert.equal(await codeField.count(), 1, 'a form asks for the code');
    await codeField.fill(message.code);
    await Promise.all([page.waitForNavigation(), page.locator('main form[action$="/verifica"] button[type="submit"]').first().click()]);
    assert.equal(await page.locator('main .alert-danger').count(), 0, `verifying: ${await mainText(page)}`);
    assert.equal(await page.locator('main form[action$="/verifica"]').count(), 0, 'nothing left to verify');
    const row = page.locator('main table tbody tr', { hasText: address });
    assert.equal(await row.count(), 1, 'the contact is in the table');
    const contacts = await server.api('GET', '/me/contacts');
    assert.equal(contacts.status, 401, 'the API needs its own token (the cookie is not a bearer token)');
  });

  test('contacts: a malformed value is refused next to the field, the input kept', async () => {
    await open(page, server, '/area-riservata/recapiti');
    await fill(page, 'kind', 'email');
    await fill(page, 'value', 'non-una-mail');
    await submit(page, 'value');
    assert.equal(await page.locator('[id="value"]').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('[id="value"]').inputValue(), 'non-una-mail');
    assert.ok((await page.locator('main a[href="#value"]').count()) > 0, 'the summary links the field');
  });

  test('access history lists the logins', async () => {
    await open(page, server, '/area-riservata/accessi');
    const rows = page.locator('main table tbody tr');
    assert.ok((await rows.count()) >= 2, 'at least the first access and this login');
  });

  test('applications: a PIN ordinario is told how to get a PIN dispositivo', async () => {
    await open(page, server, '/area-riservata/domande', { status: [200, 403] });
    assert.match(await mainText(page), /dispositivo/i);
    assert.ok((await page.locator('main a[href="/converti-pin"]').count()) > 0, 'the page links /converti-pin');
  });

  test('/converti-pin explains both ways (and its form, when offered, is a PDF)', async () => {
    await open(page, server, '/converti-pin');
    const text = await mainText(page);
    assert.match(text, /sede/i, 'at a desk');
    assert.match(text, /online/i, 'online');
    for (const href of await page.locator('main a[href$=".pdf"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
      const res = await page.request.get(new URL(href, server.url).toString());
      assert.equal(res.status(), 200, href);
      assert.equal((await res.body()).subarray(0, 4).toString('latin1'), '%PDF', href);
    }
  });

  test('after logout, every reserved page asks for a login and comes back after it', async () => {
    await logout(page, server);
    for (const path of ['/area-riservata/recapiti', '/area-riservata/accessi', '/area-riservata/domande', '/cambia-pin']) {
      await page.goto(server.url + path);
      assert.match(here(page), /^\/accedi/, `${path} without a session leads to /accedi`);
    }
    await page.goto(server.url + '/area-riservata/accessi');
    await fill(page, 'fiscal_code', citizen.person.fiscal_code);
    await fill(page, 'pin', citizen.pin);
    await submit(page, 'pin');
    assert.equal(here(page), '/area-riservata/accessi', 'the login leads back to the page asked for');
  });
});
