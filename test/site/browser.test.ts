// A user page in real Chromium (playwright-core, Debian's /usr/bin/chromium), served by
// http-server on loopback. Every request to another host is aborted and fails the test.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStatus } from '../../scripts/site/status-adapter.ts';
import { build, load, makeFleet, removeAll, ROOT, SECRET_A, serve, STATUS_FIXTURE, tempDir } from './helpers.ts';

// jsqr is CommonJS with `export default` typings: the function is .default or the module.
type Decode = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR = ((jsQRModule as unknown as { default?: Decode }).default ?? jsQRModule) as unknown as Decode;
const SHOTS = join(ROOT, 'test-results', 'site');
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('user page in Chromium', () => {
  const dirs: string[] = [];
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  let browser: Browser | undefined;
  let pageUrl = '';
  const foreign: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const root = makeFleet(tempDir('br-fleet'));
    const out = join(tempDir('br-out'), 'site');
    dirs.push(root, join(out, '..'));
    server = await serve(out);
    const r = await build(root, out, { secret: SECRET_A, baseUrl: server.origin, status: readStatus(STATUS_FIXTURE, load(root)) });
    pageUrl = r.links.find((l) => l.user === 'quartz-owl')!.url;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    removeAll(...dirs);
    expect(foreign, 'requests to non-loopback hosts').toEqual([]);
  });

  async function open(opts: { js?: boolean; width?: number; userAgent?: string } = {}): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser!.newContext({ javaScriptEnabled: opts.js ?? true, viewport: { width: opts.width ?? 390, height: 844 }, deviceScaleFactor: 2, ...(opts.userAgent ? { userAgent: opts.userAgent } : {}) });
    await ctx.route('**/*', (route) => {
      const u = new URL(route.request().url());
      if (u.hostname === '127.0.0.1') return route.continue();
      foreign.push(u.href);
      return route.abort();
    });
    const page = await ctx.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(pageUrl, { waitUntil: 'load' });
    return { ctx, page };
  }

  it('loads with no console error, fits 390 px, and each QR code decodes to its subscription URL', async () => {
    const { ctx, page } = await open();
    await page.screenshot({ path: join(SHOTS, 'user-390.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.scrollingElement!.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    for (const id of ['sing-box', 'mihomo', 'links']) {
      const sub = page.locator(`.lang-default .sub[data-format="${id}"]`);
      const url = await sub.locator('input').inputValue();
      expect(url.startsWith(pageUrl)).toBe(true);
      const png = PNG.sync.read(await sub.locator('img.qr').screenshot({ path: join(SHOTS, `qr-${id}.png`) }));
      const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
      expect(code?.data, id).toBe(url);
    }
    expect(consoleErrors).toEqual([]);
    await ctx.close();
  });

  it('every deep link carries the right encoded subscription URL', async () => {
    const { ctx, page } = await open();
    const links = await page.$$eval('.lang-default a.app', (as) => as.map((a) => ({ app: a.getAttribute('data-app')!, href: a.getAttribute('href')! })));
    const urls = Object.fromEntries(await Promise.all(['sing-box', 'mihomo', 'links'].map(async (id) => [id, await page.locator(`.lang-default .sub[data-format="${id}"] input`).inputValue()] as const)));
    // Without a phone's user agent the computer group comes first (JavaScript moved it).
    expect(links.map((l) => l.app)).toEqual(['clash-verge-rev', 'sing-box-ios', 'shadowrocket', 'sing-box-android', 'hiddify', 'v2rayng']);
    const want: Record<string, string> = { 'clash-verge-rev': urls.mihomo!, 'sing-box-ios': urls['sing-box']!, 'sing-box-android': urls['sing-box']!, shadowrocket: urls.links!, hiddify: urls.links!, v2rayng: urls.links! };
    for (const { app, href } of links) {
      let got: string | null = null;
      if (app === 'hiddify') got = href.replace(/^hiddify:\/\/import\//, '').replace(/#.*$/, '');
      else if (app === 'shadowrocket') {
        // shadowrocket://add/sub://<base64url, no padding>?remark=<name>
        const m = /^shadowrocket:\/\/add\/sub:\/\/([A-Za-z0-9_-]+)\?remark=([^&#]+)$/.exec(href);
        expect(m, href).not.toBeNull();
        got = Buffer.from(m![1]!, 'base64url').toString('utf8');
        expect(decodeURIComponent(m![2]!)).toBe('Demo proxy fleet');
      } else got = new URL(href).searchParams.get('url');
      expect(got, app).toBe(want[app]);
    }
    expect(links.find((l) => l.app === 'sing-box-ios')!.href).toMatch(/^sing-box:\/\/import-remote-profile\?url=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Fs%2F/);
    expect(links[0]!.href).toMatch(/^clash:\/\/install-config\?url=[^&]+&name=/);
    await ctx.close();
  });

  it('on a phone the buttons come first, the phone\'s own platform leading; on a computer the codes come first', async () => {
    const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
    const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';
    const top = (page: Page, sel: string) => page.locator(sel).first().evaluate((e) => e.getBoundingClientRect().top);
    for (const [ua, first] of [[IPHONE, 'ios'], [ANDROID, 'android']] as const) {
      const { ctx, page } = await open({ userAgent: ua });
      expect(await page.$$eval('.lang-default .platform', (ps) => ps.map((p) => p.getAttribute('data-platform'))), ua).toEqual([first, ...['ios', 'android', 'desktop'].filter((p) => p !== first)]);
      // The first button is on the first screen (844 px high), above every QR code.
      expect(await top(page, '.lang-default a.app')).toBeLessThan(844);
      expect(await top(page, '.lang-default a.app')).toBeLessThan(await top(page, '.lang-default img.qr'));
      await page.screenshot({ path: join(SHOTS, `user-390-${first}.png`), fullPage: true });
      await ctx.close();
    }
    const { ctx, page } = await open({ width: 1280 });
    expect(await top(page, '.lang-default img.qr')).toBeLessThan(await top(page, '.lang-default a.app'));
    // The codes say to scan them inside the app, not with the camera.
    expect(await page.textContent('.lang-default .scan')).toContain('from inside the app');
    await page.screenshot({ path: join(SHOTS, 'user-1280.png'), fullPage: true });
    await ctx.close();
    expect(consoleErrors).toEqual([]);
  });

  it('copy buttons copy the link', async () => {
    const { ctx, page } = await open();
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server!.origin });
    const button = page.locator('.lang-default .sub[data-format="mihomo"] button.copy');
    await button.click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await page.locator('.lang-default .sub[data-format="mihomo"] input').inputValue());
    await ctx.close();
  });

  it('switches language both ways without JavaScript', async () => {
    const { ctx, page } = await open({ js: false });
    // One page holds both languages: the link shows the other one, no second file, no script.
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.locator('h1:visible').textContent()).toBe('Your subscription');
    await page.click('a.lang:visible');
    expect(page.url()).toBe(`${pageUrl}#zh`);
    expect(await page.locator('h1:visible').textContent()).toBe('您的订阅');
    expect(await page.locator('h1:visible').count()).toBe(1);
    expect(await page.locator('[lang="zh-CN"] img.qr:visible').count()).toBe(3);
    await page.screenshot({ path: join(SHOTS, 'user-zh.png'), fullPage: true });
    await page.click('a.lang:visible');
    expect(await page.locator('h1:visible').textContent()).toBe('Your subscription');
    await ctx.close();
  });

  it('the status page fits 390 px and draws its charts', async () => {
    const { ctx, page } = await open();
    await page.goto(`${server!.origin}/status/`, { waitUntil: 'load' });
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(await page.locator('.chart svg polyline').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'status-390.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    await ctx.close();
  });

  it('the status page marks its data stale only when the reader\'s clock is three probe intervals past it', async () => {
    const asOf = Date.parse('2026-11-26T11:45:00Z'); // the fixture's `updated`; probe.interval is 15m
    for (const [later, stale] of [[20 * 60_000, false], [2 * 3_600_000, true]] as const) {
      const { ctx, page } = await open();
      await page.clock.setFixedTime(new Date(asOf + later));
      await page.goto(`${server!.origin}/status/`, { waitUntil: 'load' });
      expect(await page.locator('.asof .stale').isVisible(), `${later / 60_000} min later`).toBe(stale);
      if (stale) await page.screenshot({ path: join(SHOTS, 'status-stale.png'), fullPage: true });
      await ctx.close();
    }
    // Without JavaScript it says when the data is from, and nothing more.
    const { ctx, page } = await open({ js: false });
    await page.goto(`${server!.origin}/status/`, { waitUntil: 'load' });
    expect(await page.locator('.asof').textContent()).toContain('Data as of 2026-11-26 11:45 UTC.');
    expect(await page.locator('.asof .stale').isVisible()).toBe(false);
    await ctx.close();
    expect(consoleErrors).toEqual([]);
  });

  it('still shows links and QR codes with JavaScript disabled', async () => {
    const { ctx, page } = await open({ js: false });
    expect(await page.locator('a.app:visible').count()).toBe(6);
    // Without JavaScript the buttons keep the page's own order (iPhone, Android, computer), still above the codes at 390 px.
    expect(await page.$$eval('.lang-default .platform', (ps) => ps.map((p) => p.getAttribute('data-platform')))).toEqual(['ios', 'android', 'desktop']);
    expect(await page.locator('.lang-default a.app').first().evaluate((e) => e.getBoundingClientRect().top)).toBeLessThan(await page.locator('.lang-default img.qr').first().evaluate((e) => e.getBoundingClientRect().top));
    expect(await page.locator('.lang-default .sub[data-format="links"] input').inputValue()).toBe(`${pageUrl}links.txt`);
    const widths = await page.$$eval('.lang-default img.qr', (imgs) => imgs.map((q) => Math.round(q.getBoundingClientRect().width)));
    expect(widths).toEqual([240, 240, 240]);
    expect(await page.locator('button.copy').first().isVisible()).toBe(false);
    await page.screenshot({ path: join(SHOTS, 'user-nojs.png'), fullPage: true });
    await ctx.close();
    expect(consoleErrors).toEqual([]);
  });
});
