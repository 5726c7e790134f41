// What an active user's page says (#15): days left, the update interval, the allowance
// without usage, the status page, region titles in the page's language, latency only
// from a vantage where the user is, the operator's mirror with its SHA-256, and the
// contact line worded for its case.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStatus } from '../../scripts/site/status-adapter.ts';
import { build, load, makeFleet, removeAll, SECRET_A, STATUS_FIXTURE, tempDir } from './helpers.ts';

const MIRROR = { url: 'https://dl.example.com/v2rayNG-1.9.apk', sha256: 'ab'.repeat(32) };

describe('the user page', () => {
  const dirs: string[] = [];
  let out = '';
  let folders: Record<string, string> = {};
  const page = (user: string) => readFileSync(join(out, folders[user]!, 'index.html'), 'utf8');
  const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

  beforeAll(async () => {
    const root = makeFleet(tempDir('up-fleet'), { settings: {
      probe: { vantages: [{ name: 'github', region: 'us' }, { name: 'home-cn', region: 'cn', self_hosted: true }] },
      site: { apps: { v2rayng: MIRROR } },
    } });
    out = join(tempDir('up-out'), 'site');
    dirs.push(root, join(out, '..'));
    const r = await build(root, out, { secret: SECRET_A, status: readStatus(STATUS_FIXTURE, load(root)) });
    folders = Object.fromEntries(r.links.map((l) => [l.user, new URL(l.url).pathname.slice(1)]));
  });
  afterAll(() => removeAll(...dirs));

  it('says how many days are left, how often apps refresh, and the allowance without usage', () => {
    const en = text(page('quartz-owl'));
    // Built on 2026-11-26 12:00 UTC; access ends at the end of 2027-06-30.
    expect(en).toContain('Expires 2027-06-30 (216 days left)');
    expect(en).toContain('Updates Apps refresh the profile every 12 hours.');
    expect(en).toContain('Traffic allowance 50 GB per month');
    expect(en).not.toMatch(/used|remaining|upload|download=/i);
    expect(text(page('maple-heron'))).toContain('Expires no end date');
  });

  it('links the status page in its own language', () => {
    expect(page('quartz-owl')).toContain('<a href="../../status/">Service status</a>');
    expect(page('cobalt-lynx')).toContain('<a href="../../status/zh.html">服务状态</a>');
    // cobalt-lynx's page is Chinese first; its English block links the English status page.
    expect(page('cobalt-lynx')).toContain('<a href="../../status/">Service status</a>');
  });

  it('titles regions in the page language, and shows latency only from a vantage where the user is', () => {
    const en = page('quartz-owl');
    const zh = page('cobalt-lynx');
    expect(en).toContain('<h3>East Asia</h3>');
    expect(en).not.toContain('<h3>asia-east</h3>');
    expect(zh).toContain('<h3>东亚</h3>');
    // cobalt-lynx is in cn, where home-cn measures: figures. quartz-owl is in asia-east,
    // where no vantage is: no figure at all (the US runner's would mislead).
    expect(zh).toMatch(/<span class="ms">\d+ 毫秒<\/span>/);
    expect(en).not.toContain('class="ms"');
  });

  it('points a download at the operator\'s mirror with its SHA-256, and the others at their own pages', () => {
    const en = page('quartz-owl');
    expect(en).toContain(`<a class="get" href="${MIRROR.url}" rel="noreferrer">Get v2rayNG</a> <span class="sha">SHA-256 <code>${MIRROR.sha256}</code></span>`);
    expect(en).toContain('<a class="get" href="https://github.com/hiddify/hiddify-app/releases" rel="noreferrer">Get Hiddify</a>');
    expect(en).toContain('not in its mainland China store: install it with an Apple ID of another region.');
    expect(en).not.toMatch(/<sup|\*\s*less certain/);
  });

  it('asks active users for questions, and tells inactive ones how to continue, for their case', () => {
    expect(text(page('quartz-owl'))).toContain('Questions or trouble connecting? Contact Telegram @demo_operator');
    expect(page('quartz-owl')).not.toMatch(/To renew|To resume|To continue/);
    // Inactive users have a folder but no link: find their pages by what they say.
    const inactive = (says: RegExp) => readdirSync(join(out, 's'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name === 'index.html').map((e) => readFileSync(join(e.parentPath, e.name), 'utf8')).filter((h) => says.test(h));
    expect(inactive(/This subscription has expired/).every((h) => text(h).includes('To renew it, contact Telegram @demo_operator'))).toBe(true);
    expect(inactive(/This subscription has expired/).length).toBeGreaterThan(0);
    expect(inactive(/This subscription is paused/).every((h) => text(h).includes('To resume it, contact Telegram @demo_operator'))).toBe(true);
    expect(inactive(/This subscription is paused/).length).toBeGreaterThan(0);
  });
});
