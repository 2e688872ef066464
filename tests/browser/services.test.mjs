// The services of the reserved area, JavaScript off: a pensioner finds the monthly slips and the
// yearly Certificazione Unica and downloads them; someone without a pension reads a sentence, not
// an empty table; a PIN dispositivo fills the NASpI form, sees each error next to its field with
// the input kept, then submits, gets a protocol number and downloads the receipt with the labels.
//
// A PIN dispositivo comes from a desk or an approved upgrade (the back-office); here the level is
// raised in the SQLite database, as a reviewer's approval would.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServer, launchBrowser, newPage, open, fill, tick, submit, here, mainText, login, logout, axeProblems,
  issueFirstAccessPin, pdfText, NEW_PIN,
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

/** Gives `person` a definitive PIN over the API. */
async function activate(person, pin = NEW_PIN) {
  const { pin: firstAccess } = await issueFirstAccessPin(server, person);
  const login = await server.api('POST', '/sessions', { fiscal_code: person.fiscal_code, pin: firstAccess });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const change = await server.api('PUT', '/me/pin', { current_pin: firstAccess, new_pin: pin }, login.body.token);
  assert.equal(change.status, 204, JSON.stringify(change.body));
  await server.api('DELETE', '/sessions/current', undefined, login.body.token);
  return pin;
}

/** Downloads what a link points to, through the page's own session; returns the bytes. */
async function download(page, href) {
  const res = await page.request.get(new URL(href, server.url).toString());
  assert.equal(res.status(), 200, href);
  assert.equal(res.headers()['content-type'], 'application/pdf', href);
  const body = await res.body();
  assert.equal(body.subarray(0, 4).toString('latin1'), '%PDF', href);
  return body;
}

/** The PDF's text, or null without poppler-utils. */
function textOf(bytes, name) {
  const file = join(server.dataDir, name);
  writeFileSync(file, bytes);
  return pdfText(file);
}

/**
 * axe-core needs JavaScript: `act` runs in a JavaScript-enabled context with the same session,
 * then the page it leaves is checked (serious or critical problems fail).
 */
async function noSeriousAxeProblems(page, label, act) {
  const { context, page: jsPage } = await newPage(browser, { storageState: await page.context().storageState() });
  try {
    await act(jsPage);
    const problems = await axeProblems(jsPage, label);
    assert.ok(problems.length === 0, `axe-core, serious or critical on ${label}:\n${problems.join('\n')}`);
  } finally {
    await context.close();
  }
}

/** The NASpI form sent with an impossible date, no reason, a mistyped IBAN, no declaration. */
async function sendBadNaspi(page) {
  await fill(page, 'termination_date', '31/02/2026');
  await fill(page, 'employer', 'Officine Rossi S.r.l.');
  await fill(page, 'iban', 'IT61 X054 2811 1010 0000 0123 456');
  return submit(page, 'iban');
}

/** A person born in 1975 or later (no pension in the demo). */
const young = (row) => Number(row.birth_date.slice(0, 4)) >= 1975;

describe('services of the reserved area, JavaScript off', { timeout: 240_000 }, () => {
  test('a pensioner lists the slips and the CU and downloads both', async () => {
    const line = server.seeded.split('\n').find((l) => /pensionat/.test(l));
    assert.ok(line, `demo seed suggests a pensioner:\n${server.seeded}`);
    const person = server.registry(line.trim().split(/\s+/)[0]);
    const pin = await activate(person);
    const { context, page } = await newPage(browser, { javaScriptEnabled: false });
    try {
      await login(page, server, person.fiscal_code, pin);
      assert.ok((await page.locator('main a[href="/area-riservata/pensione"]').count()) > 0, 'the reserved area links the page');
      await open(page, server, '/area-riservata/pensione');
      const cu = page.locator('main a[href^="/area-riservata/pensione/cu/"]');
      const slips = page.locator('main a[href^="/area-riservata/pensione/cedolino/"]');
      assert.ok((await cu.count()) >= 1, 'at least last year\'s CU');
      assert.ok((await slips.count()) >= 1, 'monthly slips');
      const lastYear = new Date().getUTCFullYear() - 1;
      const cuHref = `/area-riservata/pensione/cu/${lastYear}.pdf`;
      assert.equal(await page.locator(`main a[href="${cuHref}"]`).count(), 1, `the CU of ${lastYear}`);
      const text = textOf(await download(page, cuHref), 'cu.pdf');
      if (text) {
        assert.match(text, new RegExp(`Certificazione Unica ${lastYear + 1}`));
        assert.ok(text.includes(person.fiscal_code));
      }
      const slipHref = await slips.first().getAttribute('href');
      const slipText = textOf(await download(page, slipHref), 'cedolino.pdf');
      if (slipText) assert.match(slipText, /Cedolino della pensione/);
      assert.match(await mainText(page), /€ \d/, 'amounts in euro');
      await noSeriousAxeProblems(page, '/area-riservata/pensione with slips', (p) => open(p, server, '/area-riservata/pensione'));

      await open(page, server, '/area-riservata/pensione', { lang: 'en' });
      assert.match(await mainText(page), /Pension slips/);
      assert.match(await mainText(page), /Tax certificate/);
      await logout(page, server);
    } finally {
      await context.close();
    }
  });

  test('someone without a pension reads a sentence, not an empty table', async () => {
    const person = server.person(young);
    const pin = await activate(person);
    const { context, page } = await newPage(browser, { javaScriptEnabled: false });
    try {
      await login(page, server, person.fiscal_code, pin);
      await open(page, server, '/area-riservata/pensione');
      assert.equal(await page.locator('main table').count(), 0, 'no table');
      assert.match(await mainText(page), /Non risultano pensioni a Suo nome/);
      const missing = await page.request.get(`${server.url}/area-riservata/pensione/cu/${new Date().getUTCFullYear() - 1}.pdf`);
      assert.equal(missing.status(), 404);
    } finally {
      await context.close();
    }
  });

  test('a PIN dispositivo submits a NASpI: errors by the fields, then the protocol and the receipt', async () => {
    const person = server.person(young);
    const pin = await activate(person);
    execFileSync('sqlite3', [join(server.dataDir, 'sigillo.db'),
      `UPDATE credentials SET level = 'dispositivo', version = version + 1 WHERE fiscal_code = '${person.fiscal_code}' AND state NOT IN ('revoked', 'annulled');`]);
    const { context, page } = await newPage(browser, { javaScriptEnabled: false });
    try {
      await login(page, server, person.fiscal_code, pin);
      await open(page, server, '/area-riservata/domande');
      const link = page.locator('main a[href="/area-riservata/domande/nuova/naspi"]');
      assert.equal(await link.count(), 1, 'the catalogue links the NASpI form');
      await Promise.all([page.waitForNavigation(), link.click()]);
      assert.equal(here(page), '/area-riservata/domande/nuova/naspi');
      for (const id of ['termination_date', 'termination_reason', 'employer', 'iban', 'declaration']) {
        assert.equal(await page.locator(`main label[for="${id}"]`).count(), 1, `#${id} has its label`);
      }

      // Wrong: an impossible date, no reason, a mistyped IBAN, the declaration not ticked.
      const refused = await sendBadNaspi(page);
      assert.equal(refused.status(), 422);
      for (const id of ['termination_date', 'termination_reason', 'iban', 'declaration']) {
        assert.equal(await page.locator(`[id="${id}"]`).getAttribute('aria-invalid'), 'true', `#${id} is marked invalid`);
        assert.equal(await page.locator(`[id="${id}_error"]`).count(), 1, `#${id} has its message`);
        assert.ok((await page.locator(`main a[href="#${id}"]`).count()) > 0, `the summary links #${id}`);
      }
      assert.equal(await page.locator('[id="employer"]').getAttribute('aria-invalid'), null, 'a good field is not marked');
      assert.match(await page.locator('[id="iban_error"]').innerText(), /IBAN/);
      assert.equal(await page.locator('[id="iban"]').inputValue(), 'IT61 X054 2811 1010 0000 0123 456', 'input kept');
      assert.equal(await page.locator('[id="employer"]').inputValue(), 'Officine Rossi S.r.l.');
      await noSeriousAxeProblems(page, 'the NASpI form with errors', async (p) => {
        await open(p, server, '/area-riservata/domande/nuova/naspi');
        assert.equal((await sendBadNaspi(p)).status(), 422);
      });

      // Right.
      const ended = new Date(Date.now() - 10 * 86_400_000);
      const dmy = `${String(ended.getUTCDate()).padStart(2, '0')}/${String(ended.getUTCMonth() + 1).padStart(2, '0')}/${ended.getUTCFullYear()}`;
      await fill(page, 'termination_date', dmy);
      await fill(page, 'termination_reason', 'scadenza_contratto');
      await fill(page, 'iban', 'IT60 X054 2811 1010 0000 0123 456');
      await tick(page, 'declaration');
      await submit(page, 'iban');
      assert.match(here(page), /^\/area-riservata\/domande\?protocollo=INPS\.\d{4}\.\d{8}$/);
      const protocol = decodeURIComponent(here(page).split('=')[1]);
      assert.ok((await mainText(page)).includes(protocol), 'the protocol number is shown');
      const receipt = page.locator('main .alert-success a[href$="/ricevuta.pdf"]');
      const text = textOf(await download(page, await receipt.getAttribute('href')), 'ricevuta.pdf');
      if (text) {
        for (const needle of [protocol, 'Motivo della cessazione', 'Scadenza del contratto a termine', 'IT60 X054 2811 1010 0000 0123 456']) {
          assert.ok(text.includes(needle), `${needle} in the receipt`);
        }
      }
      assert.equal(await page.locator('main table tbody tr', { hasText: protocol }).count(), 1, 'listed among the applications');

      await open(page, server, '/area-riservata/domande/nuova/naspi', { lang: 'en' });
      assert.match(await mainText(page), /Date the job ended/);
    } finally {
      await context.close();
    }
  });
});
