// Helpers of the browser tests: a Sigillo server of its own per test file (fresh data folder, demo
// registry, `files` delivery, a free port), the demo mailbox on disk, Debian's Chromium through
// playwright-core, axe-core, and the citizen's steps through the portal's pages.

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.SIGILLO_BIN || join(ROOT, 'target/debug/sigillo');
export const CHROMIUM = process.env.SIGILLO_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = process.env.SIGILLO_SCREENSHOTS === '1';
export const SCREENSHOT_DIR = join(ROOT, 'docs/screenshots');

/** Definitive PINs: 8 letters and digits, no run of letters or digits a name or date could match. */
export const NEW_PIN = 'K7Q2M9XA';
export const OTHER_PIN = 'W4J8T3HB';

// ---------------------------------------------------------------- server

/**
 * Starts `sigillo serve` on a free port over a fresh data folder seeded with 60 demo persons.
 * Resolves to a server handle; call `stop()` at the end of the file.
 */
export async function startServer({ env = {} } = {}) {
  assert.ok(existsSync(BIN), `${BIN} is missing: build it with \`cargo build -p sigillo\``);
  const dataDir = mkdtempSync(join(tmpdir(), 'sigillo-browser-'));
  const childEnv = {
    ...process.env,
    SIGILLO_DATA_DIR: dataDir,
    SIGILLO_DELIVERY: 'files',
    SIGILLO_LISTEN: '127.0.0.1:0',
    SIGILLO_LOG_FORMAT: 'text',
    RUST_LOG: process.env.SIGILLO_TEST_LOG || 'warn,sqlx=warn',
    ...env,
  };
  delete childEnv.SIGILLO_PUBLIC_URL;
  delete childEnv.SIGILLO_DATABASE_URL;
  const seeded = execFileSync(BIN, ['demo', 'seed', '--count', '60'], { env: childEnv, encoding: 'utf8' });
  // `demo csv` with the same (default) seed lists the same persons `demo seed` stored: candidates,
  // each confirmed with `registry show` before use.
  const csv = execFileSync(BIN, ['demo', 'csv', '--count', '60'], { env: childEnv, encoding: 'utf8', maxBuffer: 1 << 24 });
  const candidates = parseCsv(csv);

  const child = spawn(BIN, ['serve'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  // Should the test file die before its `after` hook, the server goes with it.
  const killOnExit = () => child.exitCode === null && child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderr = '';
  child.stderr.on('data', (d) => {
    if (process.env.SIGILLO_TEST_LOG) process.stderr.write(d);
    stderr += d;
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  const url = await new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sigillo serve did not say where it listens within 30 s\n${stderr}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m[1].replace(/\/$/, ''));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sigillo serve exited with ${code}\n${stderr}`));
    });
  });
  child.stdout.resume();

  const used = new Set();
  const server = {
    url,
    dataDir,
    seeded,
    env: childEnv,
    get stderr() {
      return stderr;
    },
    /** The registry's record of a person, as `sigillo registry show` prints it. */
    registry(code) {
      return JSON.parse(execFileSync(BIN, ['registry', 'show', code], { env: childEnv, encoding: 'utf8' }));
    },
    /**
     * A person not yet used in this file who may request a PIN online and get the first half by
     * SMS: resident in Italy, 52 weeks or more, mobile and e-mail on file.
     */
    person(filter = () => true) {
      for (const row of candidates) {
        if (used.has(row.fiscal_code)) continue;
        if (row.country !== 'IT' || Number(row.contribution_weeks) < 52 || !row.mobile || !row.email) continue;
        if (!/^[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]$/.test(row.fiscal_code)) continue; // no omocodia here
        if (!filter(row)) continue;
        let person;
        try {
          person = server.registry(row.fiscal_code);
        } catch {
          continue;
        }
        used.add(row.fiscal_code);
        return person;
      }
      throw new Error('no unused eligible demo person left');
    },
    /** Every message of the demo mailbox, oldest first, optionally only one channel. */
    messages(channel) {
      const root = join(dataDir, 'mailbox');
      const channels = channel ? [channel] : existsSync(root) ? readdirSync(root) : [];
      const out = [];
      for (const ch of channels) {
        const dir = join(root, ch);
        if (!existsSync(dir)) continue;
        for (const f of readdirSync(dir)) {
          if (!f.endsWith('.json')) continue;
          try {
            const m = JSON.parse(readFileSync(join(dir, f), 'utf8'));
            m._file = join(dir, f);
            m._pdf = existsSync(join(dir, f.replace(/\.json$/, '.pdf'))) ? join(dir, f.replace(/\.json$/, '.pdf')) : null;
            out.push(m);
          } catch {
            // written atomically, but be lenient with a file caught mid-rename
          }
        }
      }
      return out.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
    },
    /** Waits (up to `timeout` ms) for the delivery worker to drop a message matching `match`. */
    async waitForMessage(match, { channel, timeout = 20_000, after = new Set() } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const found = server.messages(channel).find((m) => !after.has(m.id) && matches(m, match));
        if (found) return found;
        if (Date.now() > deadline) {
          const seen = server.messages(channel).map((m) => `${m.channel}/${m.kind}/${m.fiscal_code}`);
          throw new Error(`no message ${JSON.stringify(match)} in the demo mailbox after ${timeout} ms; there: ${seen.join(', ') || 'nothing'}`);
        }
        await sleep(150);
      }
    },
    /** Ids of the messages there now, to wait for newer ones. */
    messageIds() {
      return new Set(server.messages().map((m) => m.id));
    },
    async api(method, path, body, token) {
      const headers = { accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(`${url}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = text;
      }
      return { status: res.status, body: json };
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([new Promise((r) => child.once('exit', r)), sleep(10_000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      if (!process.env.SIGILLO_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

function matches(message, match) {
  return Object.entries(match).every(([k, v]) => message[k] === v);
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into objects keyed by the header. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h.replace(/^\uFEFF/, ''), r[i] ?? ''])));
}

// ---------------------------------------------------------------- API shortcuts (test set-up only)

/** The JSON body of `POST /pin-requests` for a registry person, exactly as on file. */
export function requestBody(p) {
  return {
    fiscal_code: p.fiscal_code,
    family_name: p.family_name,
    given_name: p.given_name,
    birth_date: p.birth_date,
    sex: p.sex,
    birth_place: p.birth_place,
    residence: {
      country: p.country,
      address: p.address,
      postal_code: p.postal_code,
      municipality: p.municipality,
      province: p.province,
    },
    mobile: p.mobile || undefined,
    email: p.email,
  };
}

/** Requests a PIN over the API and returns the 16 first-access characters from the mailbox. */
export async function issueFirstAccessPin(server, person) {
  const res = await server.api('POST', '/pin-requests', requestBody(person));
  assert.equal(res.status, 201, `POST /pin-requests for ${person.fiscal_code}: ${JSON.stringify(res.body)}`);
  return firstAccessPinFromMailbox(server, person.fiscal_code);
}

export async function firstAccessPinFromMailbox(server, fiscalCode, after) {
  const first = await server.waitForMessage({ fiscal_code: fiscalCode, kind: 'pin_first_half' }, { after });
  const second = await server.waitForMessage({ fiscal_code: fiscalCode, kind: 'pin_second_half' }, { after });
  return { first, second, pin: first.pin_half + second.pin_half };
}

/** A person with an active definitive PIN, set up over the API. */
export async function activePerson(server, pin = NEW_PIN) {
  const person = server.person();
  const { pin: firstAccess } = await issueFirstAccessPin(server, person);
  const login = await server.api('POST', '/sessions', { fiscal_code: person.fiscal_code, pin: firstAccess });
  assert.equal(login.status, 200, `first access over the API: ${JSON.stringify(login.body)}`);
  const change = await server.api('PUT', '/me/pin', { current_pin: firstAccess, new_pin: pin }, login.body.token);
  assert.equal(change.status, 204, `PUT /me/pin: ${JSON.stringify(change.body)}`);
  await server.api('DELETE', '/sessions/current', undefined, login.body.token);
  return { person, pin };
}

// ---------------------------------------------------------------- browser

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser() {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export const MOBILE = { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 900 } };

/**
 * A new browser context (its own cookies) with a page that records what went wrong: console errors
 * (CSP violations among them), failed requests and 4xx/5xx answers for static files.
 */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ ...DESKTOP, locale: 'it-IT', acceptDownloads: true, ...options });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    // Failed loads are judged below from the responses themselves (a 422 page is no error).
    if (msg.type() !== 'error' || msg.text().startsWith('Failed to load resource')) return;
    problems.push(`console error on ${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`script error on ${page.url()}: ${err.message}`));
  page.on('requestfailed', (req) => {
    if (!/net::ERR_ABORTED/.test(req.failure()?.errorText || '')) problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  page.on('response', (res) => {
    // Chromium asks for /favicon.ico by itself: a missing one is not a page's fault.
    if (res.status() < 400 || res.request().resourceType() === 'document' || res.url().endsWith('/favicon.ico')) return;
    problems.push(`${res.request().resourceType()} ${res.url()} of ${page.url()} answered ${res.status()}`);
  });
  page.problems = problems;
  return { context, page };
}

/** Appends `lang=en` to a path when `lang` is 'en' (the portal keeps it in a cookie as well). */
export function withLang(path, lang) {
  if (lang !== 'en') return path;
  return path + (path.includes('?') ? '&' : '?') + 'lang=en';
}

/** Goes to a portal path and checks it answered (not 404/500) in the right language. */
export async function open(page, server, path, { lang = 'it', status } = {}) {
  const res = await page.goto(server.url + withLang(path, lang));
  assert.ok(res, `no response for ${path}`);
  if (Array.isArray(status)) assert.ok(status.includes(res.status()), `${path} answered ${res.status()}, not ${status.join(' or ')}`);
  else if (status !== undefined) assert.equal(res.status(), status, `${path} answered ${res.status()}`);
  else assert.ok(res.status() < 400, `${path} answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
  assert.equal(await page.getAttribute('html', 'lang'), lang, `${path}: <html lang>`);
  return res;
}

/** Fills a form control by id (equal to the field name), whatever kind it is. */
export async function fill(page, id, value) {
  const el = page.locator(`[id="${id}"]`);
  const tag = await el.evaluate((e) => e.tagName.toLowerCase());
  if (tag === 'select') {
    const options = await el.evaluate((e) => [...e.options].map((o) => ({ value: o.value, label: o.textContent.trim() })));
    const hit = options.find((o) => o.value === value) || options.find((o) => o.value.toUpperCase() === String(value).toUpperCase()) || options.find((o) => o.label === value);
    assert.ok(hit, `#${id}: no option ${value} among ${options.slice(0, 10).map((o) => o.value).join(', ')}…`);
    await el.selectOption(hit.value);
  } else {
    await el.fill(String(value));
  }
}

/**
 * Ticks a radio button or checkbox as a person does: by its label (Bootstrap Italia draws the
 * control on the label, which takes the click), and checks it took.
 */
export async function tick(page, input) {
  const control = typeof input === 'string' ? page.locator(`[id="${input}"]`) : input;
  if (await control.isChecked()) return;
  const id = await control.getAttribute('id');
  const label = id ? page.locator(`label[for="${id}"]`) : null;
  if (label && (await label.count()) > 0) await label.first().click();
  else await control.check();
  assert.ok(await control.isChecked(), `#${id} is ticked`);
}

/** Clicks the submit button of the form holding `#fieldId` (or the main one) and waits for the next page. */
export async function submit(page, fieldId) {
  const form = fieldId ? page.locator(`form:has([id="${fieldId}"])`) : page.locator('main form').first();
  const button = form.locator('button[type="submit"], input[type="submit"], button:not([type])').first();
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
  return response;
}

/** The path (and query) the page is on. */
export function here(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

/** Text of `main`, whitespace collapsed. */
export async function mainText(page) {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

// ---------------------------------------------------------------- the citizen's steps

/** Fills `/richiedi-pin` with a registry person's data (as typed by a citizen) and submits it. */
export async function fillRequestForm(page, person, overrides = {}) {
  const v = {
    fiscal_code: person.fiscal_code,
    family_name: person.family_name,
    given_name: person.given_name,
    birth_date: person.birth_date,
    birth_place: person.birth_place,
    residence_country: person.country,
    residence_address: person.address,
    residence_postal_code: person.postal_code,
    residence_municipality: person.municipality,
    residence_province: person.province,
    mobile: person.mobile,
    email: person.email,
    ...overrides,
  };
  // The residence country first: a page may show the Italian fields only for Italy.
  await fill(page, 'residence_country', v.residence_country);
  for (const id of ['fiscal_code', 'family_name', 'given_name', 'birth_date', 'birth_place', 'residence_address', 'residence_postal_code', 'residence_municipality', 'residence_province', 'mobile', 'email']) {
    await fill(page, id, v[id]);
  }
  await tick(page, page.locator(`input[name="sex"][value="${overrides.sex || person.sex}"]`));
  return v;
}

/** `/accedi`: types the fiscal code and a PIN and submits. */
export async function login(page, server, fiscalCode, pin, { lang = 'it' } = {}) {
  await open(page, server, '/accedi', { lang });
  await fill(page, 'fiscal_code', fiscalCode);
  await fill(page, 'pin', pin);
  return submit(page, 'pin');
}

/** `/cambia-pin`: current, new and confirmation. */
export async function changePin(page, current, next) {
  await fill(page, 'current_pin', current);
  await fill(page, 'new_pin', next);
  await fill(page, 'new_pin_confirm', next);
  return submit(page, 'new_pin');
}

/** The header's logout button (a POST form), then checks the session is gone. */
export async function logout(page, server) {
  const button = page.locator('header form[action="/esci"] button');
  const box = await button.boundingBox();
  const width = page.viewportSize().width;
  assert.ok(box && box.x >= 0 && box.x + box.width <= width + 1,
    `the logout button lies at x ${Math.round(box?.x)}–${Math.round(box?.x + box?.width)}, off a ${width} px wide screen`);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
  assert.match(here(page), /^\/accedi/, 'logout leads to the login page');
  await page.goto(server.url + '/area-riservata');
  assert.match(here(page), /^\/accedi/, 'after logout the reserved area asks for a login again');
}

/** Downloads the contribution statement from the reserved area's link; returns its bytes. */
export async function downloadContributions(page) {
  const link = page.locator('a[href$="estratto-conto.pdf"]').first();
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const path = await download.path();
  assert.ok(path, `download failed: ${await download.failure()}`);
  return readFileSync(path);
}

/** Text of a PDF by `pdftotext`, or null when poppler-utils is not installed. */
export function pdfText(file) {
  try {
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
}

// ---------------------------------------------------------------- axe-core

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe-core on the page; returns its serious and critical violations, readable. With
 * `{ lesser: true }`, returns `{ problems, lesser }`, lesser being the moderate and minor ones.
 */
export async function axeProblems(page, label, { lesser = false } = {}) {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const isBad = (v) => v.impact === 'serious' || v.impact === 'critical';
  const problems = result.violations.filter(isBad).map(describeViolation(label));
  if (!lesser) return problems;
  return { problems, lesser: result.violations.filter((v) => !isBad(v)).map(describeViolation(label)) };
}

const describeViolation = (label) => (v) => {
  const nodes = v.nodes
    .slice(0, 5)
    .map((n) => `      ${n.target.join(' ')}\n        ${n.failureSummary.replace(/\n/g, '\n        ')}\n        ${n.html.slice(0, 200)}`)
    .join('\n');
  return `${label}: [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length} element${v.nodes.length > 1 ? 's' : ''})\n    ${v.helpUrl}\n${nodes}`;
};

// ---------------------------------------------------------------- screenshots

/** Saves a full-page screenshot as docs/screenshots/NAME.png when SIGILLO_SCREENSHOTS=1. */
export async function screenshot(page, name) {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.evaluate(() => document.fonts && document.fonts.ready).catch(() => {});
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true, scale: 'css' });
}

// ---------------------------------------------------------------- the whole path

/**
 * The path, step by step, in Italian. With `forgiving`, the citizen types carelessly: the fiscal code
 * in lower case with spaces, the date in ISO form, the 16 characters in lower case with a space
 * between the halves and the letter O for every zero, the definitive PIN in lower case.
 * `shots` (a name prefix) saves screenshots; `check(page, step)` runs on every page of the path.
 */
export async function wholePath(srv, page, person, { forgiving = false, shots = null, check = null } = {}) {
  const cf = person.fiscal_code;
  const shot = async (name) => {
    if (check) await check(page, name);
    if (shots !== null) await screenshot(page, shots + name);
  };

  // Request.
  await open(page, srv, '/');
  await shot('home');
  await Promise.all([page.waitForURL(/\/richiedi-pin/, { waitUntil: 'load' }), page.locator('main a[href="/richiedi-pin"]').first().click()]);
  assert.equal(here(page), '/richiedi-pin');
  assert.equal(await page.getAttribute('html', 'lang'), 'it');
  await shot('request');
  const [d, m, y] = [person.birth_date.slice(8, 10), person.birth_date.slice(5, 7), person.birth_date.slice(0, 4)];
  await fillRequestForm(page, person, forgiving
    ? { fiscal_code: `${cf.slice(0, 6).toLowerCase()} ${cf.slice(6, 11).toLowerCase()} ${cf.slice(11).toLowerCase()}`, birth_date: person.birth_date }
    : { birth_date: `${d}/${m}/${y}` });
  const before = srv.messageIds();
  const res = await submit(page, 'fiscal_code');
  assert.ok(res && res.status() < 400, `request answered ${res?.status()}: ${await mainText(page)}`);
  const confirmation = await mainText(page);
  assert.match(confirmation, /La Sua richiesta è stata presa in carico/, `confirmation text on ${here(page)}: ${confirmation.slice(0, 400)}`);
  assert.match(confirmation, /SMS/, 'the confirmation says the first half comes by SMS');
  assert.match(confirmation, /letter|lettera|posta/i, 'the confirmation says the second half comes by letter');
  await shot('request-done');

  // Demo mailbox on disk: first half by SMS, second half by letter with its PDF.
  const { first, second, pin } = await firstAccessPinFromMailbox(srv, cf, before);
  assert.equal(first.channel, 'sms');
  assert.equal(first.to, person.mobile);
  assert.match(first.pin_half, /^[0-9A-HJKMNP-TV-Z]{8}$/);
  assert.equal(second.channel, 'letter');
  assert.ok(second._pdf, 'the letter has a PDF beside its JSON');
  const text = pdfText(second._pdf);
  if (text !== null) {
    assert.ok(text.replace(/\s+/g, '').includes(second.pin_half), `the letter PDF shows the second half ${second.pin_half}`);
    assert.ok(text.toUpperCase().includes(person.family_name.toUpperCase()), 'the letter is addressed to the citizen');
  }

  // First access with the 16 characters: straight to the forced PIN change.
  const typed = forgiving ? `${first.pin_half} ${second.pin_half}`.replace(/0/g, 'O').toLowerCase() : pin;
  await open(page, srv, '/accedi');
  await shot('login');
  await fill(page, 'fiscal_code', forgiving ? cf.toLowerCase() : cf);
  await fill(page, 'pin', typed);
  await submit(page, 'pin');
  assert.equal(here(page), '/cambia-pin', `first access leads to /cambia-pin, not ${here(page)}: ${await mainText(page)}`);
  assert.ok(await page.locator('main .alert').first().isVisible(), 'the forced change says why');
  await shot('change-pin');

  // The definitive PIN.
  await changePin(page, typed, NEW_PIN);
  assert.match(here(page), /^\/area-riservata/, `after the change: ${here(page)}: ${await mainText(page)}`);

  // Reserved area: level, PIN expiry, contributions as a table.
  const area = await mainText(page);
  assert.match(area, /ordinario/i, 'the reserved area shows the level');
  assert.ok(area.includes(cf), 'the reserved area shows the fiscal code');
  assert.match(area, /\d{2}\/\d{2}\/\d{4}/, 'the reserved area shows the PIN expiry date');
  const rows = page.locator('main table tbody tr');
  assert.ok((await rows.count()) > 0, 'the contribution statement is a table with rows');
  assert.equal(await page.locator('main table th[scope="col"]').count() >= 3, true, 'the table has column headers');
  await shot('reserved-area');

  // The statement as a PDF.
  const pdf = await downloadContributions(page);
  assert.equal(pdf.subarray(0, 4).toString('latin1'), '%PDF', 'the contribution statement is a PDF');

  // Logout, then the definitive PIN (case-insensitive) opens the reserved area directly.
  await logout(page, srv);
  await login(page, srv, cf, forgiving ? NEW_PIN.toLowerCase() : NEW_PIN);
  assert.match(here(page), /^\/area-riservata/, `login with the definitive PIN: ${here(page)}: ${await mainText(page)}`);
  await logout(page, srv);
  return { first, second };
}
