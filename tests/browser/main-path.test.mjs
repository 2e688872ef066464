// The whole path of a new citizen in a real browser, with JavaScript on and off:
// request at /richiedi-pin → first half by SMS and second half by letter (PDF) in the demo mailbox
// → first access at /accedi with the 16 characters → forced /cambia-pin → definitive PIN →
// /area-riservata with level and contribution table → contribution PDF → logout → login again.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, open, mainText, screenshot, wholePath, issueFirstAccessPin } from './helpers.mjs';

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

describe('the whole path of a new citizen', { timeout: 240_000 }, () => {
  test('with JavaScript on', async () => {
    const { context, page } = await newPage(browser);
    try {
      const person = server.person();
      await wholePath(server, page, person, { shots: '' });
      assert.deepEqual(page.problems, [], 'no console error, failed request or missing static file');
    } finally {
      await context.close();
    }
  });

  test('with JavaScript off, typing as a hurried citizen', async () => {
    const { context, page } = await newPage(browser, { javaScriptEnabled: false });
    try {
      const person = server.person();
      await wholePath(server, page, person, { forgiving: true });
      assert.deepEqual(page.problems, []);
    } finally {
      await context.close();
    }
  });

  test('the demo mailbox page shows the SMS and links the letter PDF', async () => {
    const { context, page } = await newPage(browser);
    try {
      // The paths above left messages; alone, this test makes its own.
      if (!server.messages('sms').some((m) => m.kind === 'pin_first_half')) await issueFirstAccessPin(server, server.person());
      const sms = server.messages('sms').find((m) => m.kind === 'pin_first_half');
      const letter = server.messages('letter').find((m) => m.kind === 'pin_second_half' && m.fiscal_code === sms.fiscal_code);
      assert.ok(letter, 'an SMS and its letter are in the mailbox');
      await open(page, server, '/demo/posta');
      const text = await mainText(page);
      assert.ok(text.includes(sms.pin_half), `/demo/posta shows the SMS with the first half ${sms.pin_half}`);
      assert.ok(text.includes(sms.fiscal_code), '/demo/posta names the fiscal code');
      const pdfLinks = page.locator('main a[href*=".pdf"], main a[href*="pdf"]');
      assert.ok((await pdfLinks.count()) > 0, '/demo/posta links the letters as PDF');
      const href = await pdfLinks.first().getAttribute('href');
      const res = await page.request.get(new URL(href, server.url).toString());
      assert.equal(res.status(), 200, `${href}`);
      assert.equal((await res.body()).subarray(0, 4).toString('latin1'), '%PDF', `${href} is a PDF`);
      await screenshot(page, 'demo-mailbox');
      assert.deepEqual(page.problems, []);
    } finally {
      await context.close();
    }
  });
});
