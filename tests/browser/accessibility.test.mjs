// axe-core (WCAG 2.0/2.1 A and AA rules) on every page of the portal, in Italian and in English:
// public pages, their error and answer states, the reserved area logged in, the forced PIN change,
// the demo mailbox and the "not found" page. A serious or critical violation fails the page's test
// and is printed with the elements concerned.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, newPage, open, fill, submit, here, axeProblems, activePerson, issueFirstAccessPin,
  fillRequestForm, login, tick, mainText,
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

/** Submits the form holding `#fieldId` with HTML validation off, and checks the error summary shows. */
async function submitForErrors(page, fieldId) {
  await page.evaluate(() => document.querySelectorAll('form').forEach((f) => { f.noValidate = true; }));
  await submit(page, fieldId);
  const summary = page.locator('main [role="alert"], main .alert-danger');
  assert.ok((await summary.count()) > 0, `${here(page)}: the error summary shows`);
}

/** A well-formed fiscal code with no PIN: a demo person left alone. */
let spare;
function spareCode() {
  spare ??= server.person();
  return spare.fiscal_code;
}

/** Each page state: [label, action(page, lang)]. The action leaves the page in the state to check. */
const publicStates = [
  ['home', (page, lang) => open(page, server, '/', { lang })],
  ['/richiedi-pin', (page, lang) => open(page, server, '/richiedi-pin', { lang })],
  ['/richiedi-pin with errors', async (page, lang) => {
    await open(page, server, '/richiedi-pin', { lang });
    await fill(page, 'fiscal_code', 'RSSMRA80A01H501X');
    await fill(page, 'birth_date', '31/02/1980');
    await submitForErrors(page, 'fiscal_code');
  }],
  ['/richiedi-pin accepted', async (page, lang) => {
    await open(page, server, '/richiedi-pin', { lang });
    await fillRequestForm(page, server.person());
    await submit(page, 'fiscal_code');
    assert.equal(await page.locator('main .alert-danger').count(), 0, 'the request was accepted');
  }],
  ['/attiva-pin', (page, lang) => open(page, server, '/attiva-pin', { lang })],
  ['/attiva-pin with errors', async (page, lang) => {
    await open(page, server, '/attiva-pin', { lang });
    await fill(page, 'fiscal_code', 'abc');
    await submitForErrors(page, 'fiscal_code');
  }],
  ['/attiva-pin accepted', async (page, lang) => {
    const person = server.person();
    const { first } = await issueFirstAccessPin(server, person);
    await open(page, server, '/attiva-pin', { lang });
    await fill(page, 'fiscal_code', person.fiscal_code);
    await fill(page, 'health_card_number', person.health_card_number);
    await fill(page, 'health_card_expiry', person.health_card_expiry.split('-').reverse().join('/'));
    await fill(page, 'first_half', first.pin_half);
    await fill(page, 'mobile', person.mobile);
    await tick(page, 'second_half_channel_email');
    await fill(page, 'contact', person.email);
    await submit(page, 'first_half');
    assert.match(here(page), /^\/attiva-pin\/esito/, `activation accepted: ${here(page)}: ${await mainText(page)}`);
  }],
  ['/accedi', (page, lang) => open(page, server, '/accedi', { lang })],
  ['/accedi with errors', async (page, lang) => {
    await open(page, server, '/accedi', { lang });
    await fill(page, 'fiscal_code', spareCode());
    await fill(page, 'pin', 'ZZZZ9999');
    await submitForErrors(page, 'pin');
  }],
  ['/ripristina-pin', (page, lang) => open(page, server, '/ripristina-pin', { lang })],
  ['/ripristina-pin with errors', async (page, lang) => {
    await open(page, server, '/ripristina-pin', { lang });
    await fill(page, 'fiscal_code', 'abc');
    await submitForErrors(page, 'fiscal_code');
  }],
  ['/ripristina-pin answered', async (page, lang) => {
    await open(page, server, '/ripristina-pin', { lang });
    await fill(page, 'fiscal_code', spareCode());
    const inputs = page.locator('main form:has([id="fiscal_code"])').locator('input[type="text"]:not([id="fiscal_code"]), input[type="tel"], input[type="email"]');
    await inputs.nth(0).fill('+393330000001');
    await inputs.nth(1).fill('nessuno@example.org');
    await submit(page, 'fiscal_code');
  }],
  ['/ripristina-pin/conferma', (page, lang) => open(page, server, `/ripristina-pin/conferma?token=${'x'.repeat(43)}`, { lang, status: undefined })],
  ['/ripristina-pin/conferma with errors', async (page, lang) => {
    await open(page, server, `/ripristina-pin/conferma?token=${'x'.repeat(43)}`, { lang });
    await fill(page, 'code', '000000');
    await submitForErrors(page, 'code');
  }],
  ['/ripristina-pin/conferma accepted', async (page, lang) => {
    const { person } = await activePerson(server);
    const before = server.messageIds();
    const res = await server.api('POST', '/pin-recoveries', { fiscal_code: person.fiscal_code, contacts: [person.mobile, person.email] });
    assert.equal(res.status, 202);
    const mail = await server.waitForMessage({ fiscal_code: person.fiscal_code, kind: 'recovery_link' }, { after: before });
    await open(page, server, `/ripristina-pin/conferma?token=${new URL(mail.link).searchParams.get('token')}`, { lang });
    await fill(page, 'code', mail.code);
    await submit(page, 'code');
    assert.equal(await page.locator('main .alert-danger').count(), 0, 'the code was accepted');
  }],
  ['/revoca-pin', (page, lang) => open(page, server, '/revoca-pin', { lang })],
  ['/revoca-pin with errors', async (page, lang) => {
    await open(page, server, '/revoca-pin', { lang });
    await fill(page, 'fiscal_code', 'abc');
    await submitForErrors(page, 'fiscal_code');
  }],
  ['/revoca-pin answered', async (page, lang) => {
    await open(page, server, '/revoca-pin', { lang });
    await fill(page, 'fiscal_code', spareCode());
    await fill(page, 'health_card_number', '80380000000000000000');
    await fill(page, 'health_card_expiry', '31/12/2030');
    await tick(page, 'confirm');
    await submit(page, 'fiscal_code');
  }],
  ['/converti-pin', (page, lang) => open(page, server, '/converti-pin', { lang })],
  ['/aiuto', (page, lang) => open(page, server, '/aiuto', { lang })],
  ['/demo/posta with messages', async (page, lang) => {
    if (!server.messages().some((m) => m.channel === 'letter')) await issueFirstAccessPin(server, server.person());
    await open(page, server, '/demo/posta', { lang });
  }],
  ['not found', async (page, lang) => {
    // A mistyped or old link: a portal page saying so (status 404), not the browser's own error page.
    try {
      await open(page, server, '/pagina-che-non-esiste', { lang, status: 404 });
    } catch (e) {
      if (/ERR_HTTP_RESPONSE_CODE_FAILURE/.test(e.message)) assert.fail('an unknown path answers 404 with an empty body: the browser shows its own error page instead of a portal page');
      throw e;
    }
  }],
];

/** States of a logged-in citizen with a definitive PIN. */
const areaStates = [
  ['/area-riservata', (page, lang) => open(page, server, '/area-riservata', { lang })],
  ['/cambia-pin', (page, lang) => open(page, server, '/cambia-pin', { lang })],
  ['/cambia-pin with errors', async (page, lang) => {
    await open(page, server, '/cambia-pin', { lang });
    await fill(page, 'current_pin', 'ZZZZ9999');
    await fill(page, 'new_pin', 'Q7W3Z9K2');
    await fill(page, 'new_pin_confirm', 'Q7W3Z9K3');
    await submitForErrors(page, 'new_pin');
  }],
  ['/area-riservata/recapiti', (page, lang) => open(page, server, '/area-riservata/recapiti', { lang })],
  ['/area-riservata/recapiti with errors', async (page, lang) => {
    await open(page, server, '/area-riservata/recapiti', { lang });
    const field = page.locator('main form input[type="text"], main form input[type="tel"], main form input[type="email"]').first();
    assert.ok((await field.count()) > 0, '/area-riservata/recapiti has a form to add a contact');
    await field.fill('x');
    const id = await field.getAttribute('id');
    await submitForErrors(page, id);
  }],
  ['/area-riservata/recapiti with a contact to verify', async (page, lang) => {
    await open(page, server, '/area-riservata/recapiti', { lang });
    await fill(page, 'kind', 'email');
    await fill(page, 'value', `axe.${lang}@example.org`);
    await submit(page, 'value');
    assert.ok((await page.locator('main form[action$="/verifica"]').count()) > 0, 'a code is asked for');
  }],
  ['/area-riservata/accessi', (page, lang) => open(page, server, '/area-riservata/accessi', { lang })],
  // For a PIN ordinario the applications page explains the upgrade, with status 403 as the API.
  ['/area-riservata/domande', (page, lang) => open(page, server, '/area-riservata/domande', { lang, status: [200, 403] })],
  ['/area-riservata/domande/nuova/naspi', (page, lang) => open(page, server, '/area-riservata/domande/nuova/naspi', { lang, status: [200, 403] })],
  ['/area-riservata/pensione', (page, lang) => open(page, server, '/area-riservata/pensione', { lang })],
  ['/converti-pin logged in', (page, lang) => open(page, server, '/converti-pin', { lang })],
  ['/revoca-pin logged in', (page, lang) => open(page, server, '/revoca-pin', { lang })],
  ['/aiuto logged in', (page, lang) => open(page, server, '/aiuto', { lang })],
];

async function check(t, page, label, lang) {
  assert.equal(await page.getAttribute('html', 'lang'), lang, `${label}: <html lang="${lang}">`);
  assert.equal(await page.locator('h1').count(), 1, `${label}: one <h1>`);
  const { problems, lesser } = await axeProblems(page, `${label} (${lang})`, { lesser: true });
  for (const l of lesser) t.diagnostic(l);
  assert.ok(problems.length === 0, `axe-core, serious or critical:\n${problems.join('\n')}`);
  const other = [...page.problems];
  page.problems.length = 0;
  assert.deepEqual(other, [], `${label}: console errors or failed requests`);
}

for (const lang of ['it', 'en']) {
  describe(`axe-core, ${lang === 'it' ? 'Italian' : 'English'}`, { timeout: 300_000 }, () => {
    describe('public pages', () => {
      let context;
      let page;
      before(async () => {
        ({ context, page } = await newPage(browser));
      });
      after(() => context?.close());
      for (const [label, action] of publicStates) {
        test(label, async (t) => {
          await action(page, lang);
          await check(t, page, label, lang);
        });
      }
    });

    describe('first access', () => {
      test('/cambia-pin forced', async (t) => {
        const { context, page } = await newPage(browser);
        try {
          const person = server.person();
          const { pin } = await issueFirstAccessPin(server, person);
          await login(page, server, person.fiscal_code, pin, { lang });
          assert.equal(here(page), '/cambia-pin');
          await check(t, page, '/cambia-pin forced', lang);
        } finally {
          await context.close();
        }
      });
    });

    describe('reserved area, logged in', () => {
      let context;
      let page;
      before(async () => {
        ({ context, page } = await newPage(browser));
        const { person, pin } = await activePerson(server);
        await login(page, server, person.fiscal_code, pin, { lang });
        assert.match(here(page), /^\/area-riservata/);
      });
      after(() => context?.close());
      for (const [label, action] of areaStates) {
        test(label, async (t) => {
          await action(page, lang);
          await check(t, page, label, lang);
        });
      }
    });
  });
}
