// The look every page shares, checked in the browser with JavaScript on and off: Bootstrap Italia's
// CSS and the Titillium Web font load from Sigillo's own origin, the header has the institute's name
// and the language switch, the footer the contact center's numbers and hours, a skip link leads to
// the content, and the security headers are there.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, open, here } from './helpers.mjs';

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

const PAGES = ['/', '/richiedi-pin', '/attiva-pin', '/accedi', '/ripristina-pin', '/revoca-pin', '/converti-pin', '/aiuto', '/demo/posta'];

describe('the look of the portal', { timeout: 180_000 }, () => {
  for (const javaScriptEnabled of [true, false]) {
    test(`Bootstrap Italia and Titillium Web load, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
      const { context, page } = await newPage(browser, { javaScriptEnabled });
      try {
        const fonts = [];
        const css = [];
        page.on('response', (r) => {
          const u = new URL(r.url());
          if (u.pathname.endsWith('.woff2')) fonts.push(`${u.origin === server.url ? '' : 'FOREIGN '}${u.pathname} ${r.status()}`);
          if (u.pathname.endsWith('.css')) css.push(`${u.origin === server.url ? '' : 'FOREIGN '}${u.pathname} ${r.status()}`);
        });
        await open(page, server, '/');
        await page.waitForLoadState('networkidle');
        assert.ok(css.some((c) => /^\/static\/.*bootstrap-italia.*\.css 200$/.test(c)), `Bootstrap Italia's CSS from this origin: ${css.join(', ')}`);
        assert.ok(fonts.some((f) => /^\/static\/.*[Tt]itillium.*\.woff2 200$/.test(f)), `Titillium Web from this origin: ${fonts.join(', ') || 'no font loaded'}`);
        assert.ok(![...css, ...fonts].some((x) => x.startsWith('FOREIGN')), 'nothing from another origin');
        if (javaScriptEnabled) {
          const family = await page.evaluate(async () => {
            await document.fonts.ready;
            return { body: getComputedStyle(document.body).fontFamily, loaded: document.fonts.check('16px "Titillium Web"') };
          });
          assert.match(family.body, /Titillium Web/, 'the body is set in Titillium Web');
          assert.ok(family.loaded, 'Titillium Web is loaded');
          const header = await page.evaluate(() => getComputedStyle(document.querySelector('.it-header-slim-wrapper')).backgroundColor);
          assert.notEqual(header, 'rgba(0, 0, 0, 0)', 'the slim header is coloured by Bootstrap Italia');
        }
        assert.deepEqual(page.problems, []);
      } finally {
        await context.close();
      }
    });
  }

  test('every public page has the frame: institute, language switch, breadcrumb, contact center, skip link', async () => {
    const { context, page } = await newPage(browser);
    try {
      for (const path of PAGES) {
        await open(page, server, path);
        const header = await page.locator('header').innerText();
        assert.match(header, /Istituto Nazionale della Previdenza Sociale|INPS/, `${path}: the header names the institute`);
        const switchLink = page.locator('header a[href*="lang=en"]');
        assert.equal(await switchLink.count(), 1, `${path}: one link to the English page`);
        if (path !== '/') assert.ok((await page.locator('nav .breadcrumb, nav ol.breadcrumb').count()) > 0, `${path}: breadcrumbs`);
        const footer = (await page.locator('footer').innerText()).replace(/\s+/g, ' ');
        for (const fact of ['803164', '06 164164']) assert.ok(footer.includes(fact), `${path}: the footer gives ${fact}`);
        assert.match(footer, /\b8(?:[.:]00)?\s*(?:-|–|alle|to)\s*20\b/, `${path}: the footer gives the weekday hours`);
        assert.match(footer, /\b8(?:[.:]00)?\s*(?:-|–|alle|to)\s*14\b/, `${path}: the footer gives the Saturday hours`);
        assert.equal(await page.locator('script:not([src])').count(), 0, `${path}: no inline script`);

        // The switch leads to the same page in English, and back.
        await Promise.all([page.waitForNavigation(), switchLink.click()]);
        assert.equal(new URL(page.url()).pathname, path, `${path}: the language switch stays on the page`);
        assert.equal(await page.getAttribute('html', 'lang'), 'en');
        await Promise.all([page.waitForNavigation(), page.locator('header a[href*="lang=it"]').click()]);
        assert.equal(await page.getAttribute('html', 'lang'), 'it');
      }
    } finally {
      await context.close();
    }
  });

  test('the skip link is the first stop of the keyboard and leads to the content', async () => {
    const { context, page } = await newPage(browser);
    try {
      await open(page, server, '/accedi');
      await page.keyboard.press('Tab');
      const first = await page.evaluate(() => ({ href: document.activeElement.getAttribute('href'), visible: document.activeElement.getBoundingClientRect().height > 0 }));
      assert.equal(first.href, '#main', 'the first Tab reaches the skip link');
      assert.ok(first.visible, 'the skip link shows when focused');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      const next = await page.evaluate(() => document.activeElement.closest('main') !== null);
      assert.ok(next, `after the skip link, Tab moves inside <main> (on ${here(page)})`);
    } finally {
      await context.close();
    }
  });

  test('security headers on the pages', async () => {
    const res = await fetch(server.url + '/accedi');
    const csp = res.headers.get('content-security-policy') || '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(res.headers.get('referrer-policy'));
    const cookies = res.headers.getSetCookie().join('\n');
    assert.match(cookies, /HttpOnly/i);
    assert.match(cookies, /SameSite/i);
  });
});
