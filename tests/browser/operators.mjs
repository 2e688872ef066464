// Back-office helpers of the browser tests: operators created with the real CLI, RFC 6238 codes
// computed from the secret the enrolment page shows, and the login through /operatore/accedi.

import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';
import { BIN, open, fill, submit, here, mainText } from './helpers.mjs';

export const OPERATOR_PASSWORD = 'cavallo batteria graffetta';

/** `sigillo operator add USERNAME --role ROLE`, the password on standard input. */
export function addOperator(server, username, role) {
  execFileSync(BIN, ['operator', 'add', username, '--role', role], { env: server.env, input: `${OPERATOR_PASSWORD}\n`, encoding: 'utf8' });
}

function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The 6-digit TOTP (SHA-1, 30 s) of a base-32 secret, `steps` time steps from now. */
export function totp(secret, steps = 0) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + steps));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/**
 * First login of an operator through the pages: password, then the enrolment page (QR code and
 * key), then a code of the key. Returns the key for later logins.
 */
export async function enrolOperator(page, server, username) {
  await open(page, server, '/operatore/accedi');
  await fill(page, 'username', username);
  await fill(page, 'password', OPERATOR_PASSWORD);
  await submit(page, 'password');
  assert.equal(here(page), '/operatore/verifica', `after the password: ${await mainText(page)}`);
  assert.equal(await page.locator('#totp-qr').count(), 1, 'a QR code to enrol');
  const secret = (await page.locator('#totp-secret').innerText()).replace(/\s+/g, '');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await fill(page, 'code', totp(secret));
  await submit(page, 'code');
  assert.equal(here(page), '/operatore', `after the code: ${await mainText(page)}`);
  return secret;
}
