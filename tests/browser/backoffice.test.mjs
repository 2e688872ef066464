// The back-office through its pages (issue 7): operators of each role enrol their
// second factor at the first login; the desk identifies a citizen and prints a sealed envelope
// whose PIN makes the citizen dispositivo; the contact center confirms a request whose address
// differs; each role is refused the other roles' pages; the pages pass axe.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, launchBrowser, newPage, open, fill, submit, here, mainText, login, changePin, requestBody, axeProblems, screenshot, NEW_PIN } from './helpers.mjs';
import { addOperator, enrolOperator, totp } from './operators.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  addOperator(server, 'lucia.sede', 'desk');
  addOperator(server, 'paolo.cc', 'contact_center');
  addOperator(server, 'anna.rev', 'reviewer');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The PIN of the envelope's line "… (16 caratteri, senza spazi): PIN", from its hex or literal strings. */
function pinOfEnvelope(pdf) {
  const raw = pdf.toString('latin1');
  let shown = '';
  for (const m of raw.matchAll(/<([0-9A-Fa-f]+)>/g)) {
    if (m[1].length % 2 === 0) shown += Buffer.from(m[1], 'hex').toString('latin1') + '\n';
  }
  shown += raw;
  const m = shown.match(/senza spazi\): ([0-9A-Z]{16})/);
  assert.ok(m, 'the envelope prints the 16-character PIN');
  return m[1];
}

describe('back-office', { timeout: 240_000 }, () => {
  test('desk: identity document, sealed envelope, and the citizen is dispositivo after first access', async () => {
    // JavaScript on here for axe; the third test works the pages with JavaScript off.
    const { context, page } = await newPage(browser);
    const person = server.person();
    await enrolOperator(page, server, 'lucia.sede');
    assert.match(await page.locator('#operator-name').innerText(), /lucia\.sede/);
    assert.deepEqual(await axeProblems(page, '/operatore'), []);

    await open(page, server, `/operatore/cittadino?fiscal_code=${person.fiscal_code}`);
    assert.match(await mainText(page), new RegExp(person.family_name, 'i'));
    assert.match(await page.locator('#credential-state').innerText(), /nessun PIN/);
    assert.deepEqual(await axeProblems(page, '/operatore/cittadino'), []);
    await screenshot(page, 'backoffice-desk');

    // The envelope before the document: refused with the reason.
    const early = await Promise.all([page.waitForNavigation(), page.locator('#issue-envelope').click()]);
    assert.equal(early[0].status(), 409);
    assert.match(await mainText(page), /documento d'identità/);

    await open(page, server, `/operatore/cittadino?fiscal_code=${person.fiscal_code}`);
    await fill(page, 'document_kind', 'electronic_identity_card');
    await fill(page, 'document_number', 'CA12345AB');
    await fill(page, 'document_issuer', 'Comune di Roma');
    await fill(page, 'document_expiry', '2034-05-31');
    await submit(page, 'document_number');
    assert.match(await mainText(page), /Documento registrato/);
    assert.equal(await page.locator('#identity-checks li').count(), 1);

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#issue-envelope').click()]);
    const pdf = readFileSync(await download.path());
    assert.ok(pdf.subarray(0, 5).toString() === '%PDF-', 'a PDF');
    const pin = pinOfEnvelope(pdf);
    assert.ok(!(await page.content()).includes(pin), 'the operator screen never shows the PIN');
    await context.close();

    // The citizen at home: first access with the envelope's PIN, new PIN, level dispositivo.
    const citizen = await newPage(browser, { javaScriptEnabled: false });
    await login(citizen.page, server, person.fiscal_code, pin);
    assert.equal(here(citizen.page), '/cambia-pin');
    await changePin(citizen.page, pin, NEW_PIN);
    await open(citizen.page, server, '/area-riservata');
    assert.match(await mainText(citizen.page), /dispositivo/i);
    await citizen.context.close();
  });

  test('contact center: a request with a different address is confirmed by phone and sent', async () => {
    const person = server.person();
    const body = requestBody(person);
    body.residence.address = 'Via Diversa 99';
    const request = await server.api('POST', '/pin-requests', body);
    assert.equal(request.status, 201);
    assert.equal(request.body.status, 'awaiting_phone_check');

    const { context, page } = await newPage(browser);
    await enrolOperator(page, server, 'paolo.cc');
    await open(page, server, '/operatore/verifiche-telefoniche');
    const card = page.locator('section.phone-check', { hasText: person.fiscal_code });
    assert.equal(await card.count(), 1, 'the request is in the queue');
    assert.match(await card.innerText(), /Via Diversa 99/);
    assert.deepEqual(await axeProblems(page, '/operatore/verifiche-telefoniche'), []);
    await screenshot(page, 'backoffice-phone-checks');
    const before = server.messageIds();
    await Promise.all([page.waitForNavigation(), card.locator('form[action$="/conferma"] button').click()]);
    assert.match(await mainText(page), /Richiesta confermata/);
    await server.waitForMessage({ kind: 'pin_first_half', fiscal_code: person.fiscal_code }, { after: before });
    await server.waitForMessage({ kind: 'pin_second_half', fiscal_code: person.fiscal_code }, { after: before });
    await context.close();
  });

  test('each role is refused the pages of the others; a wrong code is refused', async () => {
    const { context, page } = await newPage(browser, { javaScriptEnabled: false });
    const secret = await enrolOperator(page, server, 'anna.rev');
    for (const path of ['/operatore/cittadino', '/operatore/verifiche-telefoniche', '/operatore/richiesta']) {
      await open(page, server, path, { status: 403 });
      assert.match(await mainText(page), /non consente/);
    }
    // Logged out, then a wrong code at the next login.
    await Promise.all([page.waitForNavigation(), page.locator('header form[action="/operatore/esci"] button').click()]);
    assert.equal(here(page), '/operatore/accedi');
    await fill(page, 'username', 'anna.rev');
    await fill(page, 'password', 'cavallo batteria graffetta');
    await submit(page, 'password');
    assert.equal(await page.locator('#totp-qr').count(), 0, 'no QR code once enrolled');
    await fill(page, 'code', '000000');
    const wrong = await submit(page, 'code');
    assert.equal(wrong.status(), 401);
    await fill(page, 'code', totp(secret, 1));
    await submit(page, 'code');
    assert.equal(here(page), '/operatore');
    // The desk's pages are not reachable without logging in.
    const anonymous = await newPage(browser, { javaScriptEnabled: false });
    await anonymous.page.goto(`${server.url}/operatore/cittadino`);
    assert.equal(here(anonymous.page), '/operatore/accedi');
    await anonymous.context.close();
    await context.close();
  });
});

describe('administration pages', { timeout: 180_000 }, () => {
  test('audit log with filters and the chain check, print batches, policy', async () => {
    addOperator(server, 'admin.one', 'admin');
    // A letter to print: a citizen's request (its second half goes by letter).
    const person = server.person();
    const request = await server.api('POST', '/pin-requests', requestBody(person));
    assert.equal(request.status, 201);
    await server.waitForMessage({ kind: 'pin_second_half', fiscal_code: person.fiscal_code });

    const { context, page } = await newPage(browser);
    await enrolOperator(page, server, 'admin.one');
    await open(page, server, '/operatore/audit?actor=admin.one');
    const rows = page.locator('#audit-table tbody tr');
    assert.ok((await rows.count()) > 0, 'the administrator\'s own login is listed');
    assert.match(await rows.first().innerText(), /operator:admin\.one/);
    assert.deepEqual(await axeProblems(page, '/operatore/audit'), []);
    await Promise.all([page.waitForNavigation(), page.locator('#verify-chain').click()]);
    assert.match(await page.locator('#chain-verdict').innerText(), /Catena integra/);
    await screenshot(page, 'backoffice-audit');

    await open(page, server, '/operatore/stampe');
    await Promise.all([page.waitForNavigation(), page.locator('#create-batch').click()]);
    assert.match(await mainText(page), /Lotto \S+ creato con \d+ lettere/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#batches a[href$="lettere.pdf"]').first().click()]);
    assert.equal(readFileSync(await download.path()).subarray(0, 5).toString(), '%PDF-');
    assert.deepEqual(await axeProblems(page, '/operatore/stampe'), []);
    await Promise.all([page.waitForNavigation(), page.locator('#batches form[action$="/conferma"] button').first().click()]);
    assert.match(await mainText(page), /confermata/);

    await open(page, server, '/operatore/politiche');
    assert.match(await mainText(page), /Argon2id/);
    await open(page, server, '/operatore/messaggi');
    assert.deepEqual(await axeProblems(page, '/operatore/messaggi'), []);
    await open(page, server, '/operatore/cittadino', { status: 403 });
    await context.close();
  });
});
