// Errors on /richiedi-pin: the citizen's input is kept, each error sits next to its field
// (aria-invalid, aria-describedby) and is linked from a summary at the top; in Italian and English,
// with JavaScript on and off. Also the refusals a citizen meets most: "PIN già assegnato" and too
// few contribution weeks.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, newPage, open, fillRequestForm, submit, here, mainText, screenshot, issueFirstAccessPin,
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

/** Another check character: a well-formed but invalid fiscal code. */
function wrongCheckCharacter(cf) {
  const last = cf.at(-1);
  return cf.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}

const FIELDS = ['fiscal_code', 'family_name', 'given_name', 'birth_date', 'birth_place', 'residence_address', 'residence_postal_code', 'residence_municipality', 'residence_province', 'mobile', 'email'];

/** The summary at the top: its links' targets and texts. */
async function summary(page) {
  const links = page.locator('main [role="alert"] a[href^="#"], main .alert-danger a[href^="#"]');
  const out = new Map();
  for (const a of await links.all()) out.set((await a.getAttribute('href')).slice(1), (await a.innerText()).trim());
  return out;
}

/** Checks the error of one field: marked invalid, described by a visible message. */
async function fieldError(page, id) {
  const input = page.locator(`[id="${id}"]`);
  assert.equal(await input.getAttribute('aria-invalid'), 'true', `#${id} has aria-invalid="true"`);
  const described = ((await input.getAttribute('aria-describedby')) || '').split(/\s+/).filter(Boolean);
  const texts = [];
  for (const ref of described) {
    const el = page.locator(`[id="${ref}"]`);
    if ((await el.count()) && (await el.isVisible())) texts.push((await el.innerText()).trim());
  }
  const message = texts.find((t) => t.length > 0 && !/^(es\.|e\.g\.)/i.test(t));
  assert.ok(texts.length > 0 && message, `#${id}: aria-describedby="${described.join(' ')}" points to a visible error message`);
  return texts.join(' ');
}

async function badInput(lang, javaScriptEnabled) {
  const { context, page } = await newPage(browser, { javaScriptEnabled });
  try {
    const person = server.person();
    await open(page, server, '/richiedi-pin', { lang });
    const badCf = wrongCheckCharacter(person.fiscal_code).toLowerCase();
    const typed = await fillRequestForm(page, person, { fiscal_code: badCf, birth_date: '31/02/1980' });
    const before = server.messageIds();
    const res = await submit(page, 'fiscal_code');
    assert.ok(res, 'the form was sent');
    assert.equal(res.status(), 422, 'a refused request answers 422');
    assert.match(here(page), /^\/richiedi-pin/, `the form comes back, not ${here(page)}`);
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    const text = await mainText(page);
    assert.doesNotMatch(text, /presa in carico|has been taken/i, 'no confirmation');

    // The summary links both fields.
    const links = await summary(page);
    assert.ok(links.has('fiscal_code'), `the summary links #fiscal_code (links: ${[...links.keys()].join(', ') || 'none'})`);
    assert.ok(links.has('birth_date'), `the summary links #birth_date (links: ${[...links.keys()].join(', ') || 'none'})`);
    for (const id of links.keys()) assert.equal(await page.locator(`[id="${id}"]`).count(), 1, `the summary's link #${id} has a target`);
    const cfMessage = await fieldError(page, 'fiscal_code');
    const dateMessage = await fieldError(page, 'birth_date');

    // What was typed is still there.
    for (const id of FIELDS) {
      const value = await page.locator(`[id="${id}"]`).inputValue();
      const want = String(typed[id]);
      const same = id === 'fiscal_code' ? value.replace(/\s/g, '').toUpperCase() === want.replace(/\s/g, '').toUpperCase() : value === want;
      assert.ok(same, `#${id} keeps the input: ${JSON.stringify(value)} vs typed ${JSON.stringify(want)}`);
    }
    assert.equal(await page.locator(`input[name="sex"][value="${person.sex}"]`).isChecked(), true, 'the sex stays chosen');
    assert.equal(await page.locator('[id="residence_country"]').inputValue(), person.country, 'the country stays chosen');

    // Following a summary link lands on the field.
    await page.locator('main a[href="#birth_date"]').first().click();
    assert.equal(new URL(page.url()).hash, '#birth_date');

    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual([...server.messageIds()].filter((id) => !before.has(id)), [], 'nothing sent');
    if (lang === 'it' && javaScriptEnabled) await screenshot(page, 'request-errors');
    assert.deepEqual(page.problems, []);
    return { cfMessage, dateMessage };
  } finally {
    await context.close();
  }
}

describe('errors on the request form', { timeout: 180_000 }, () => {
  let italian;

  test('bad fiscal code and bad date, Italian, JavaScript on', async () => {
    italian = await badInput('it', true);
  });

  test('bad fiscal code and bad date, English, JavaScript off', async () => {
    const english = await badInput('en', false);
    if (italian) {
      assert.notEqual(english.cfMessage, italian.cfMessage, 'the fiscal-code error is translated');
      assert.notEqual(english.dateMessage, italian.dateMessage, 'the date error is translated');
    }
  });

  test('"PIN già assegnato" keeps the input and points to recovery or revocation', async () => {
    const { context, page } = await newPage(browser);
    try {
      const person = server.person();
      await issueFirstAccessPin(server, person);
      await open(page, server, '/richiedi-pin');
      await fillRequestForm(page, person);
      await submit(page, 'fiscal_code');
      assert.match(here(page), /^\/richiedi-pin/);
      const text = await mainText(page);
      assert.doesNotMatch(text, /presa in carico/);
      assert.match(text, /già/i, `the page says a PIN is already assigned: ${text.slice(0, 300)}`);
      assert.ok(
        (await page.locator('main a[href^="/ripristina-pin"], main a[href^="/revoca-pin"]').count()) > 0,
        'the page links recovery or revocation',
      );
      assert.equal(await page.locator('[id="fiscal_code"]').inputValue(), person.fiscal_code, 'the input is kept');
      assert.equal(await page.locator('[id="email"]').inputValue(), person.email, 'the input is kept');
    } finally {
      await context.close();
    }
  });

  test('fewer than 52 weeks of contributions: sent to an office, input kept', async () => {
    const { context, page } = await newPage(browser);
    try {
      const person = server.registry(
        server.seeded.match(/^\s*([A-Z0-9]{16}).*meno di 52 settimane/m)?.[1] ?? assert.fail(`demo seed named no one under 52 weeks:\n${server.seeded}`),
      );
      await open(page, server, '/richiedi-pin');
      await fillRequestForm(page, person);
      await submit(page, 'fiscal_code');
      assert.match(here(page), /^\/richiedi-pin/);
      const text = await mainText(page);
      assert.doesNotMatch(text, /presa in carico/);
      assert.match(text, /sede|ufficio|sportello|contact center|803164/i, `the page says where to go: ${text.slice(0, 400)}`);
      assert.equal(await page.locator('[id="family_name"]').inputValue(), person.family_name, 'the input is kept');
    } finally {
      await context.close();
    }
  });
});
