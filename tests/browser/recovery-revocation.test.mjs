// Recovery (/ripristina-pin → e-mail with link and code → /ripristina-pin/conferma → new
// first-access PIN by SMS and e-mail → old PIN dead → new definitive PIN) and revocation
// (/revoca-pin with the health card, and by the logged-in citizen) through the pages.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NEW_PIN, OTHER_PIN, startServer, launchBrowser, newPage, open, fill, submit, here, mainText, login, changePin, logout,
  activePerson, firstAccessPinFromMailbox, fillRequestForm, sleep, tick,
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

/**
 * Fills /ripristina-pin: the fiscal code and two contacts. The contact fields are the form's
 * visible text, tel and e-mail inputs other than the fiscal code, in page order.
 */
async function fillRecovery(page, fiscalCode, contacts) {
  await fill(page, 'fiscal_code', fiscalCode);
  const form = page.locator('main form:has([id="fiscal_code"])');
  const inputs = form.locator('input[type="text"]:not([id="fiscal_code"]), input[type="tel"], input[type="email"]');
  const n = await inputs.count();
  assert.ok(n >= 2, `/ripristina-pin has two contact fields (found ${n})`);
  await inputs.nth(0).fill(contacts[0]);
  await inputs.nth(1).fill(contacts[1]);
}

/** A failed login stays on /accedi with an error. */
async function loginRefused(page, cf, pin) {
  await login(page, server, cf, pin);
  assert.match(here(page), /^\/accedi/, `the PIN should not open a session, but the browser is on ${here(page)}`);
  assert.ok((await page.locator('main [role="alert"], main .alert-danger').count()) > 0, 'the refusal is shown');
}

/** Day/month/year of an ISO date, as printed on the health card. */
const dmy = (iso) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

describe('recovery and revocation through the pages', { timeout: 240_000 }, () => {
  for (const javaScriptEnabled of [true, false]) {
    test(`recovery with two contacts on file, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
      const { person } = await activePerson(server);
      const cf = person.fiscal_code;
      const { context, page } = await newPage(browser, { javaScriptEnabled });
      try {
        // Wrong contacts: the same answer, nothing sent.
        await open(page, server, '/ripristina-pin');
        await fillRecovery(page, cf, ['+393330000001', 'nessuno@example.org']);
        let before = server.messageIds();
        await submit(page, 'fiscal_code');
        const answerForWrong = (await mainText(page)).replace(/\d+/g, '#');
        assert.ok((await page.locator('main .alert-danger').count()) === 0, `well-formed contacts are not an error: ${answerForWrong.slice(0, 300)}`);
        await sleep(1500);
        assert.equal(server.messages().filter((m) => !before.has(m.id) && m.fiscal_code === cf).length, 0, 'no message for contacts not on file');

        // The right ones (e-mail first, then the mobile, typed loosely).
        await open(page, server, '/ripristina-pin');
        await fillRecovery(page, cf.toLowerCase(), [person.email.toUpperCase(), person.mobile]);
        before = server.messageIds();
        await submit(page, 'fiscal_code');
        const answerForRight = (await mainText(page)).replace(/\d+/g, '#');
        assert.equal(answerForRight, answerForWrong, 'the answer does not tell whether the contacts matched');

        const mail = await server.waitForMessage({ fiscal_code: cf, kind: 'recovery_link' }, { after: before });
        assert.equal(mail.channel, 'email');
        assert.match(mail.link, /\/ripristina-pin\/conferma\?token=[^&]+$/);
        assert.match(mail.code, /^\d{4,8}$/);
        const token = new URL(mail.link).searchParams.get('token');

        // The link, then the code: a new first-access PIN, first half by SMS, second by e-mail.
        await open(page, server, `/ripristina-pin/conferma?token=${encodeURIComponent(token)}`);
        await fill(page, 'code', mail.code);
        before = server.messageIds();
        const res = await submit(page, 'code');
        assert.ok(res.status() < 400, `the confirmation answered ${res.status()}: ${await mainText(page)}`);
        const { first, second, pin } = await firstAccessPinFromMailbox(server, cf, before);
        assert.equal(first.channel, 'sms');
        assert.equal(second.channel, 'email');

        // The old PIN stopped working; the new one leads to a new definitive PIN.
        await loginRefused(page, cf, NEW_PIN);
        await login(page, server, cf, pin);
        assert.equal(here(page), '/cambia-pin', `first access after recovery: ${here(page)}: ${await mainText(page)}`);
        await changePin(page, pin, OTHER_PIN);
        assert.match(here(page), /^\/area-riservata/, `${here(page)}: ${await mainText(page)}`);
        await logout(page, server);

        // The link is single use.
        await open(page, server, `/ripristina-pin/conferma?token=${encodeURIComponent(token)}`, { status: undefined });
        if ((await page.locator('[id="code"]').count()) > 0) {
          await fill(page, 'code', mail.code);
          await submit(page, 'code');
        }
        assert.ok((await page.locator('main [role="alert"], main .alert-danger, main .alert-warning').count()) > 0, 'a used link is refused with a message');
        assert.deepEqual(page.problems, []);
      } finally {
        await context.close();
      }
    });
  }

  test('revocation with the health card, then a new request is accepted', async () => {
    const { person, pin } = await activePerson(server);
    const cf = person.fiscal_code;
    const { context, page } = await newPage(browser);
    try {
      await open(page, server, '/revoca-pin');
      await fill(page, 'fiscal_code', cf);
      await fill(page, 'health_card_number', person.health_card_number);
      await fill(page, 'health_card_expiry', dmy(person.health_card_expiry));
      await tick(page, 'confirm');
      const res = await submit(page, 'health_card_number');
      assert.ok(res.status() < 400, `/revoca-pin answered ${res.status()}: ${await mainText(page)}`);
      assert.equal(await page.locator('main .alert-danger').count(), 0, `no error: ${await mainText(page)}`);

      await loginRefused(page, cf, pin);

      // A revoked fiscal code may ask again.
      await open(page, server, '/richiedi-pin');
      await fillRequestForm(page, person);
      const before = server.messageIds();
      await submit(page, 'fiscal_code');
      assert.match(await mainText(page), /presa in carico/, `a new request after revocation: ${await mainText(page)}`);
      await firstAccessPinFromMailbox(server, cf, before);
    } finally {
      await context.close();
    }
  });

  test('revocation by the logged-in citizen', async () => {
    const { person, pin } = await activePerson(server);
    const cf = person.fiscal_code;
    const { context, page } = await newPage(browser, { javaScriptEnabled: false });
    try {
      await login(page, server, cf, pin);
      assert.match(here(page), /^\/area-riservata/);
      // The reserved area offers to revoke one's own PIN, without the health card: a form there, or
      // a link to a page with one.
      const revokeForm = () => page.locator('main form[action*="revoc"]').filter({ hasNot: page.locator('[id="health_card_number"]') });
      if ((await revokeForm().count()) === 0) {
        const link = page.locator('main a[href*="revoc"]').filter({ hasNotText: /^$/ });
        const hrefs = await link.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        const own = hrefs.find((h) => h !== '/revoca-pin') ?? hrefs[0];
        assert.ok(own, `the reserved area offers no way to revoke the PIN (no form or link with "revoc" in /area-riservata)`);
        await open(page, server, own);
      }
      assert.ok((await revokeForm().count()) > 0, `logged in, ${here(page)} has a form to revoke the own PIN: ${(await mainText(page)).slice(0, 300)}`);
      const form = revokeForm().first();
      for (const box of await form.locator('input[type="checkbox"]').all()) await tick(page, box);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), form.locator('button[type="submit"], button:not([type])').first().click()]);
      assert.equal(await page.locator('main .alert-danger').count(), 0, `no error: ${await mainText(page)}`);
      // The session ended with the PIN, and the PIN no longer opens one.
      await page.goto(server.url + '/area-riservata');
      assert.match(here(page), /^\/accedi/, 'after revoking, the reserved area asks for a login');
      await loginRefused(page, cf, pin);
    } finally {
      await context.close();
    }
  });
});
