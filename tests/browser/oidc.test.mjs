// OpenID Connect in the browser (issue 8): the example relying service (examples/relying-service,
// built on the `openidconnect` crate) sends a citizen to Sigillo; the citizen logs in with the
// portal's form, agrees on the consent page and lands back on the service, logged in at
// ordinario. The same service then asks for dispositivo: the citizen gets the page explaining
// how to upgrade and goes back with a standard error. Finally the service's logout ends the
// Sigillo session too. The way back to the service needs no script, and no CSP rule is broken.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, startServer, launchBrowser, newPage, fill, submit, here, mainText, axeProblems, activePerson } from './helpers.mjs';

const RP_BIN = process.env.SIGILLO_RP_BIN || join(ROOT, 'target/debug/sigillo-example-rp');

let server;
let browser;
let citizen;
let rp;
let rpUrl;
let page;
let context;

function freePort() {
  return new Promise((resolvePromise, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePromise(port));
    });
  });
}

before(async () => {
  assert.ok(existsSync(RP_BIN), `${RP_BIN} is missing: cargo build -p sigillo-example-rp`);
  server = await startServer();
  browser = await launchBrowser();
  citizen = await activePerson(server);
  const port = await freePort();
  rpUrl = `http://127.0.0.1:${port}`;
  const printed = execFileSync(
    BIN,
    ['client', 'add', 'Servizio di esempio', '--redirect-uri', `${rpUrl}/callback`, '--post-logout-redirect-uri', `${rpUrl}/signed-out`],
    { env: server.env, encoding: 'utf8' },
  );
  const { client_id: clientId, client_secret: clientSecret } = JSON.parse(printed);
  rp = spawn(RP_BIN, [], {
    env: { ...process.env, SIGILLO_ISSUER: server.url, RP_LISTEN: `127.0.0.1:${port}`, RP_CLIENT_ID: clientId, RP_CLIENT_SECRET: clientSecret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.once('exit', () => rp.exitCode === null && rp.kill('SIGKILL'));
  let rpErr = '';
  rp.stderr.on('data', (d) => (rpErr += d));
  await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`the example relying service did not start\n${rpErr}`)), 30_000);
    rp.stdout.on('data', (d) => {
      if (String(d).includes('example relying service on')) {
        clearTimeout(timer);
        resolvePromise();
      }
    });
    rp.on('exit', (code) => reject(new Error(`the example relying service exited with ${code}\n${rpErr}`)));
  });
  ({ context, page } = await newPage(browser));
});

after(async () => {
  await context?.close();
  await browser?.close();
  rp?.kill('SIGTERM');
  await server?.stop();
});

test('a service logs the citizen in through Sigillo, with consent, at ordinario', async () => {
  await page.goto(rpUrl + '/');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#login')]);
  assert.equal(new URL(page.url()).origin, server.url, 'sent to Sigillo');
  assert.match(here(page), /^\/accedi\?next=/, "Sigillo's own login form");
  await fill(page, 'fiscal_code', citizen.person.fiscal_code);
  await fill(page, 'pin', citizen.pin);
  await submit(page, 'pin');
  const consent = await mainText(page);
  assert.match(consent, /Autorizza l'accesso/);
  assert.match(consent, /Servizio di esempio/);
  assert.match(consent, /nome, cognome e data di nascita/);
  assert.match(consent, /codice fiscale/);
  assert.deepEqual(await axeProblems(page, 'consent'), []);
  // "Agree" → a page that moves on by itself (meta refresh, no script) → the service.
  await Promise.all([
    page.waitForURL((url) => url.origin === rpUrl && url.pathname === '/', { timeout: 15_000 }),
    page.click('button[value="allow"]'),
  ]);
  assert.equal(await page.textContent('#who'), `${citizen.person.given_name} ${citizen.person.family_name}`);
  assert.equal(await page.textContent('#fiscal-number'), `TINIT-${citizen.person.fiscal_code}`);
  assert.equal(await page.textContent('#acr'), 'urn:sigillo:acr:ordinario');
  assert.deepEqual(page.problems, [], 'no CSP violation or failed load on the way');
});

test('a service that needs dispositivo: the ordinario citizen is told how to upgrade, the service gets an error', async () => {
  await page.goto(rpUrl + '/');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#login-dispositivo')]);
  assert.equal(new URL(page.url()).origin, server.url);
  const text = await mainText(page);
  assert.match(text, /Serve un PIN dispositivo/);
  assert.match(text, /Converti PIN/);
  assert.deepEqual(await axeProblems(page, 'upgrade needed'), []);
  await Promise.all([
    page.waitForURL((url) => url.origin === rpUrl, { timeout: 15_000 }),
    page.click('button:has-text("Torna al servizio")'),
  ]);
  assert.equal(await page.textContent('#error'), 'unmet_authentication_requirements');
});

test("the service's logout ends the Sigillo session too", async () => {
  await page.goto(rpUrl + '/');
  if (await page.locator('#logout').count() === 0) {
    // Log in at the service again (Sigillo remembers the session and the consent).
    await Promise.all([page.waitForURL((url) => url.origin === rpUrl && url.pathname === '/'), page.click('#login')]);
  }
  await Promise.all([page.waitForURL((url) => url.origin === rpUrl && url.pathname === '/signed-out'), page.click('#logout')]);
  assert.match(await page.textContent('#signed-out'), /È uscito/);
  await page.goto(server.url + '/area-riservata');
  assert.match(here(page), /^\/accedi/, 'the Sigillo session ended with the service');
  assert.deepEqual(page.problems, []);
});
