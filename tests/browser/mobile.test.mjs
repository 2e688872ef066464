// The whole path on a phone: a 375-pixel-wide touch viewport. Besides the path's own checks, no
// page of it may scroll sideways, and every form control and button must be at least 24 px tall
// (WCAG 2.2 target size, minimum) so that a thumb can hit it.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MOBILE, startServer, launchBrowser, newPage, wholePath } from './helpers.mjs';

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

async function fitsThePhone(page, step) {
  const { scrollWidth, innerWidth, wide, small } = await page.evaluate(() => {
    const describe = (e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${[...e.classList].map((c) => '.' + c).join('')}`;
    // On a phone the browser widens the page to fit what overflows: the outermost elements past 375 px.
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > 376 && e.getBoundingClientRect().width > 0)
      .filter((e) => !e.parentElement || e.parentElement.getBoundingClientRect().right <= 376)
      .map((e) => `${describe(e)} reaches ${Math.round(e.getBoundingClientRect().right)} px ("${e.textContent.trim().replace(/\s+/g, ' ').slice(0, 40)}")`);
    const small = [...document.querySelectorAll('main input:not([type=hidden]):not([type=radio]):not([type=checkbox]), main select, main button, header button, header a.btn')]
      .filter((e) => e.offsetParent !== null && e.getBoundingClientRect().height < 24)
      .map((e) => `${describe(e)} ${Math.round(e.getBoundingClientRect().height)} px tall`);
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, wide: wide.slice(0, 10), small };
  });
  if (!(innerWidth === 375 && scrollWidth <= 375)) {
    findings.push(`${new URL(page.url()).pathname} (${step}) is ${Math.max(scrollWidth, innerWidth)} px wide on a 375 px phone, so it scrolls sideways or shrinks; too wide:\n    ${wide.join('\n    ')}`);
  }
  for (const s of small) findings.push(`${new URL(page.url()).pathname} (${step}): too small to tap: ${s}`);
}

/** What did not fit, over the whole path (the path goes on, to find everything at once). */
const findings = [];

test('the whole path on a 375-pixel-wide phone', { timeout: 240_000 }, async () => {
  const { context, page } = await newPage(browser, MOBILE);
  try {
    await wholePath(server, page, server.person(), { shots: 'mobile-', check: fitsThePhone });
    assert.deepEqual(page.problems, []);
    assert.ok(findings.length === 0, `pages that do not fit a phone:\n  ${findings.join('\n  ')}`);
  } finally {
    await context.close();
  }
});
