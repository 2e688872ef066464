// Converti PIN end to end in the browser: a citizen (JavaScript off) downloads the prefilled form,
// sends nothing, then a file that is no PDF, then the three good files; sees the request pending in
// /converti-pin and /area-riservata. A reviewer (back-office pages) compares the documents with the
// registry's data and rejects with a reason, which the citizen reads; the citizen sends again, the
// reviewer approves, and the citizen is dispositivo at once, told by e-mail. A desk operator is
// refused the reviewer's pages.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, newPage, open, here, mainText, login, pdfText, axeProblems, screenshot, activePerson } from './helpers.mjs';
import { addOperator, enrolOperator } from './operators.mjs';

// A 1×1 PNG and a 1×1 JPEG that browsers decode.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k=',
  'base64',
);

let server;
let browser;
let citizen;
let files;
let citizenPage;
let citizenContext;
let reviewerPage;
let reviewerContext;
// axe-core runs in the page: a second login of the citizen, with JavaScript on.
let axePage;
let axeContext;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  citizen = await activePerson(server);
  files = mkdtempSync(join(tmpdir(), 'sigillo-upload-'));
  writeFileSync(join(files, 'fronte.jpg'), JPEG);
  writeFileSync(join(files, 'retro.png'), PNG);
  writeFileSync(join(files, 'modulo-finto.pdf'), 'Questo non è un PDF, anche se il nome lo dice.\n');
  ({ context: citizenContext, page: citizenPage } = await newPage(browser, { javaScriptEnabled: false }));
  await login(citizenPage, server, citizen.person.fiscal_code, citizen.pin);
  ({ context: axeContext, page: axePage } = await newPage(browser));
  await login(axePage, server, citizen.person.fiscal_code, citizen.pin);
  ({ context: reviewerContext, page: reviewerPage } = await newPage(browser));
  addOperator(server, 'rita.rev', 'reviewer');
  await enrolOperator(reviewerPage, server, 'rita.rev');
});

after(async () => {
  await citizenContext?.close();
  await axeContext?.close();
  await reviewerContext?.close();
  await browser?.close();
  await server?.stop();
  if (files) rmSync(files, { recursive: true, force: true });
});

/** Chooses the three files (paths or null) and sends the form; returns the answer's status. */
async function send(page, chosen) {
  for (const [field, file] of Object.entries(chosen)) {
    if (file) await page.setInputFiles(`[id="${field}"]`, join(files, file));
  }
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.locator('main form[action="/converti-pin"] button[type="submit"]').click(),
  ]);
  return response;
}

async function reviewerOpensTheRequest() {
  await open(reviewerPage, server, '/operatore/revisione');
  const row = reviewerPage.locator('#review-queue tbody tr', { hasText: citizen.person.fiscal_code });
  assert.equal(await row.count(), 1, `the request is in the queue: ${await mainText(reviewerPage)}`);
  await Promise.all([reviewerPage.waitForNavigation(), row.locator('a').click()]);
  assert.match(here(reviewerPage), /^\/operatore\/revisione\/[0-9a-f-]{36}$/);
}

describe('Converti PIN, citizen without JavaScript and reviewer', { timeout: 240_000 }, () => {
  test('the form to sign comes prefilled with the registry data', async () => {
    await open(citizenPage, server, '/converti-pin');
    for (const field of ['signed_form', 'id_front', 'id_back']) {
      const input = citizenPage.locator(`main input[type="file"][id="${field}"]`);
      assert.equal(await input.count(), 1, `a file input ${field}`);
      assert.equal(await citizenPage.locator(`label[for="${field}"]`).count(), 1, `${field} has a label`);
    }
    const [download] = await Promise.all([citizenPage.waitForEvent('download'), citizenPage.locator('main a[href="/converti-pin/modulo.pdf"]').click()]);
    const path = join(files, 'modulo.pdf');
    await download.saveAs(path);
    const text = pdfText(path);
    if (text !== null) {
      assert.ok(text.includes(citizen.person.fiscal_code), 'the fiscal code is printed');
      assert.ok(text.includes(citizen.person.family_name.toUpperCase()), 'the family name is printed');
      assert.match(text, /Firma leggibile del richiedente/);
    }
    await open(axePage, server, '/converti-pin');
    assert.deepEqual(await axeProblems(axePage, '/converti-pin'), []);
  });

  test('nothing chosen: each file input says so, linked from the summary', async () => {
    await open(citizenPage, server, '/converti-pin');
    const response = await send(citizenPage, {});
    assert.equal(response.status(), 422);
    for (const field of ['signed_form', 'id_front', 'id_back']) {
      const input = citizenPage.locator(`[id="${field}"]`);
      assert.equal(await input.getAttribute('aria-invalid'), 'true', `${field} is marked invalid`);
      assert.match(await input.getAttribute('aria-describedby'), new RegExp(`${field}_error`));
      assert.match(await citizenPage.locator(`[id="${field}_error"]`).innerText(), /: alleghi il file/);
      assert.equal(await citizenPage.locator(`#errors a[href="#${field}"]`).count(), 1, `the summary links ${field}`);
    }
    await screenshot(citizenPage, 'upgrade-errors');
    await open(axePage, server, '/converti-pin');
    assert.equal((await send(axePage, {})).status(), 422);
    assert.deepEqual(await axeProblems(axePage, '/converti-pin with errors'), []);
  });

  test('a file named .pdf that is not a PDF is refused by its content', async () => {
    const response = await send(citizenPage, { signed_form: 'modulo-finto.pdf', id_front: 'fronte.jpg', id_back: 'retro.png' });
    assert.equal(response.status(), 422);
    assert.match(await citizenPage.locator('[id="signed_form_error"]').innerText(), /Modulo firmato: il file non è un PDF, un JPEG o un PNG/);
    assert.equal(await citizenPage.locator('[id="id_front_error"]').count(), 0, 'the photo was fine');
  });

  test('the three good files are sent; the request waits for review', async () => {
    const response = await send(citizenPage, { signed_form: 'modulo.pdf', id_front: 'fronte.jpg', id_back: 'retro.png' });
    assert.equal(response.status(), 200);
    assert.equal(here(citizenPage), '/converti-pin?esito=inviata');
    assert.match(await citizenPage.locator('#notice').innerText(), /richiesta è stata inviata/);
    assert.equal(await citizenPage.locator('#upgrade-status [data-status="pending"]').count(), 1);
    assert.equal(await citizenPage.locator('main form[action="/converti-pin"]').count(), 0, 'no second request while one waits');
    await open(citizenPage, server, '/area-riservata');
    assert.match(await citizenPage.locator('#upgrade-status').innerText(), /in attesa di verifica/);
    await open(citizenPage, server, '/converti-pin', { lang: 'en' });
    assert.match(await mainText(citizenPage), /Waiting to be checked/);
    await citizenPage.goto(server.url + '/converti-pin?lang=it'); // back to Italian (kept in a cookie)
  });

  test('a desk operator may not open the reviewer pages', async () => {
    const { context, page } = await newPage(browser);
    try {
      addOperator(server, 'sara.desk', 'desk');
      await enrolOperator(page, server, 'sara.desk');
      assert.equal(await page.locator('nav a[href="/operatore/revisione"]').count(), 0, 'no link to the review');
      const res = await page.goto(server.url + '/operatore/revisione');
      assert.equal(res.status(), 403);
    } finally {
      await context.close();
    }
  });

  test('the reviewer sees the documents beside the registry data and rejects with a reason', async () => {
    await reviewerOpensTheRequest();
    const registry = await reviewerPage.locator('#registry').innerText();
    assert.ok(registry.includes(citizen.person.family_name), 'family name');
    assert.ok(registry.includes(citizen.person.health_card_number), 'health card');
    for (const slot of ['id_front', 'id_back']) {
      const img = reviewerPage.locator(`#doc-${slot} img`);
      assert.equal(await img.count(), 1, `${slot} shown as an image`);
      assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth > 0), `${slot} decodes`);
    }
    const pdfHref = await reviewerPage.locator('#doc-signed_form a').getAttribute('href');
    const pdf = await reviewerPage.request.get(server.url + pdfHref);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    assert.match(pdf.headers()['content-disposition'], /^attachment/);
    assert.equal(pdf.headers()['x-content-type-options'], 'nosniff');
    assert.deepEqual(await axeProblems(reviewerPage, '/operatore/revisione/{id}'), []);
    await screenshot(reviewerPage, 'backoffice-review');

    // A rejection needs a reason.
    await Promise.all([reviewerPage.waitForNavigation(), reviewerPage.locator('form[action$="/respingi"] button').click()]);
    assert.equal(await reviewerPage.locator('#reason').getAttribute('aria-invalid'), 'true');
    await reviewerPage.fill('#reason', 'La foto del retro del documento è sfocata: la carichi di nuovo.');
    await Promise.all([reviewerPage.waitForNavigation(), reviewerPage.locator('form[action$="/respingi"] button').click()]);
    assert.match(await mainText(reviewerPage), /respinta/);

    await open(citizenPage, server, '/converti-pin');
    assert.equal(await citizenPage.locator('#upgrade-status [data-status="rejected"]').count(), 1);
    assert.match(await citizenPage.locator('#upgrade-reason').innerText(), /retro del documento è sfocata/);
    const mail = await server.waitForMessage({ fiscal_code: citizen.person.fiscal_code, kind: 'upgrade_outcome' });
    assert.equal(mail.channel, 'email');
    assert.match(mail.body, /sfocata/);
  });

  test('sent again and approved: the citizen is dispositivo at once', async () => {
    const before = server.messageIds();
    const response = await send(citizenPage, { signed_form: 'modulo.pdf', id_front: 'fronte.jpg', id_back: 'retro.png' });
    assert.equal(response.status(), 200);
    await reviewerOpensTheRequest();
    await Promise.all([reviewerPage.waitForNavigation(), reviewerPage.locator('form[action$="/approva"] button').click()]);
    assert.match(await mainText(reviewerPage), /approvata/);
    assert.equal(await reviewerPage.locator('#review-queue').count(), 0, 'the queue is empty');

    await open(citizenPage, server, '/area-riservata');
    assert.match(await mainText(citizenPage), /dispositivo/);
    assert.match(await citizenPage.locator('#upgrade-status').innerText(), /accolta/);
    await open(citizenPage, server, '/converti-pin');
    assert.equal(await citizenPage.locator('#upgrade-status [data-status="approved"]').count(), 1);
    assert.equal(await citizenPage.locator('main form[action="/converti-pin"]').count(), 0);
    const mail = await server.waitForMessage({ fiscal_code: citizen.person.fiscal_code, kind: 'upgrade_outcome' }, { after: before });
    assert.match(mail.body, /PIN è ora un PIN dispositivo/);
    assert.deepEqual(citizenPage.problems.concat(reviewerPage.problems), []);
  });
});
