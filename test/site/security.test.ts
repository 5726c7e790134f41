// What the published tree may and may not contain: capability paths, no listing, make
// before break on rotation, immediate revocation, no foreign hosts, determinism.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../scripts/secrets/index.ts';
import { APPS } from '../../scripts/site/deeplinks.ts';
import { isDemoBuild } from '../../scripts/site/demo.ts';
import { buildSite } from '../../scripts/site/build.ts';
import type { StatusView } from '../../scripts/site/status-adapter.ts';
import { build, listFiles, load, makeFleet, NOW, removeAll, SECRET_A, SECRET_B, secretOf, tempDir, USERS } from './helpers.ts';

const dirs: string[] = [];
const temp = (p: string) => { const d = tempDir(p); dirs.push(d); return d; };
afterAll(() => removeAll(...dirs));

/** Folder tokens and the secret values of each user under SECRET_A at NOW (and a grace rev). */
function identities(root: string, secret = SECRET_A) {
  const fleet = load(root);
  const store = new CredentialStore(secretOf(secret).secret, fleet.settings.epoch);
  return fleet.users.map((u) => {
    const revs = [u.rev, ...(u.rev > 1 ? [u.rev - 1] : [])];
    const creds = revs.map((r) => store.user(u.name, r));
    return { name: u.name, tokens: creds.map((c) => c.token), secrets: creds.flatMap((c) => [c.uuid, c.password]) };
  });
}

describe('site security', () => {
  let root: string;
  let out: string;
  let files: string[];
  beforeAll(async () => {
    root = makeFleet(temp('fleet'), { settings: { site: { host: 'cloudflare' } } });
    out = join(temp('out'), 'site');
    await build(root, out, { secret: SECRET_A });
    files = listFiles(out);
  });

  it('has the neutral root files, and nothing else outside s/', () => {
    const rootFiles = files.filter((f) => !/^s\/[^/]+\//.test(f));
    expect(rootFiles).toEqual(['.boxfleet-output', '404.html', '_headers', 'assets/copy.js', 'assets/site.css', 'index.html', 'robots.txt', 's/index.html', 'status/index.html', 'status/zh.html', 'zh.html']);
    expect(readFileSync(join(out, 'robots.txt'), 'utf8')).toBe('User-agent: *\nDisallow: /\n');
    for (const f of files.filter((x) => x.endsWith('.html'))) {
      const html = readFileSync(join(out, f), 'utf8');
      expect(html, f).toContain('<meta name="robots" content="noindex, nofollow">');
      expect(html, f).toContain('<meta name="referrer" content="no-referrer">');
    }
  });

  it("no file outside a user's own folders holds their name, token, UUID or password", () => {
    const ids = identities(root);
    for (const id of ids) {
      const own = id.tokens.map((t) => `s/${t}/`);
      for (const f of files) {
        if (own.some((p) => f.startsWith(p))) continue;
        const text = readFileSync(join(out, f), 'utf8');
        // _headers may carry token paths (checked exactly below), never anything else.
        const needles = f === '_headers' ? [id.name, ...id.secrets] : [id.name, ...id.tokens, ...id.secrets];
        for (const n of needles) expect(text.includes(n), `${f} contains a value of ${id.name}`).toBe(false);
      }
    }
  });

  it('_headers lists exactly the rules it needs and nothing else', () => {
    const ids = Object.fromEntries(identities(root).map((i) => [i.name, i.tokens]));
    const paths = readFileSync(join(out, '_headers'), 'utf8').split('\n').filter((l) => l && !l.startsWith(' '));
    // Only quota/expiry users get a per-token rule: quartz-owl (quota+expiry), amber-wren is expired (no folder rule).
    expect(paths).toEqual(['/s/*', '/s/:token/sing-box.json', '/s/:token/mihomo.yaml', '/s/:token/links.txt', `/s/${ids['quartz-owl'][0]}/*`]);
    const text = readFileSync(join(out, '_headers'), 'utf8');
    expect(text).toContain('Cache-Control: no-store');
    expect(text).toContain('X-Robots-Tag: noindex');
    expect(text).toContain('profile-update-interval: 12');
    expect(text).not.toContain('upload=');
    expect(text).toContain(`subscription-userinfo: total=${50 * 1024 ** 3}; expire=${Date.parse('2027-06-30T23:59:59Z') / 1000}`);
  });

  it('active users get four files (three profiles and one page); disabled and expired users only a page that says so', () => {
    const ids = Object.fromEntries(identities(root).map((i) => [i.name, i.tokens[0]]));
    for (const name of ['quartz-owl', 'maple-heron', 'cobalt-lynx']) {
      expect(files.filter((f) => f.startsWith(`s/${ids[name]}/`)), name).toEqual(['index.html', 'links.txt', 'mihomo.yaml', 'sing-box.json'].map((f) => `s/${ids[name]}/${f}`));
      // Both languages in the one page.
      const page = readFileSync(join(out, 's', ids[name], 'index.html'), 'utf8');
      expect(page).toContain('<div class="lang-alt" id=');
      expect(page).toMatch(/lang="zh-CN">[\s\S]*lang="en">|lang="en">[\s\S]*lang="zh-CN">/);
    }
    for (const name of ['velvet-ibis', 'amber-wren']) {
      expect(files.filter((f) => f.startsWith(`s/${ids[name]}/`))).toEqual([`s/${ids[name]}/index.html`]);
      const page = readFileSync(join(out, 's', ids[name], 'index.html'), 'utf8');
      expect(page).toContain('Telegram @demo_operator');
      expect(page).toContain(name === 'velvet-ibis' ? 'paused' : 'expired');
    }
  });

  it('changing FLEET_SECRET changes every user folder', async () => {
    const other = join(temp('out-b'), 'site');
    await build(root, other, { secret: SECRET_B });
    const folders = (list: string[]) => new Set(list.filter((f) => /^s\/[^/]+\//.test(f)).map((f) => f.split('/')[1]));
    const a = folders(files);
    const b = folders(listFiles(other));
    expect(a.size).toBe(b.size);
    for (const t of b) expect(a.has(t)).toBe(false);
  });

  it('builds the same bytes twice', async () => {
    const again = join(temp('again'), 'site');
    await build(root, again, { secret: SECRET_A });
    const second = listFiles(again);
    expect(second).toEqual(files);
    for (const f of files) expect(readFileSync(join(again, f)).equals(readFileSync(join(out, f))), f).toBe(true);
  });

  it('pages load nothing from another host (QR codes are data: images); the only links out are app downloads, without a referrer', () => {
    const downloads = new Set(APPS.map((a) => a.get));
    for (const f of files.filter((x) => x.endsWith('.html'))) {
      const html = readFileSync(join(out, f), 'utf8');
      for (const m of html.matchAll(/<(\w+)[^>]*\s(src|href|action|srcset|poster|data)="([^"]*)"[^>]*>/g)) {
        const [tag, attr] = [m[1]!, m[2]!];
        const value = m[3]!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
        // Relative (no scheme, no //host) — or a deep link the app, not the browser, opens.
        const relative = !/^[a-z][a-z0-9+.-]*:/i.test(value) && !value.startsWith('//');
        const app = /^(sing-box|clash|hiddify|v2rayng|shadowrocket):\/\//.test(value);
        // A download page opens only when tapped, and carries no Referer (the page's URL is a credential).
        const download = tag === 'a' && attr === 'href' && downloads.has(value) && m[0]!.includes('rel="noreferrer"');
        // A QR code: an image carried in the page itself, nothing fetched.
        const inline = tag === 'img' && attr === 'src' && /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/.test(value);
        expect(relative || app || download || inline, `${f}: ${value}`).toBe(true);
      }
      expect(html).not.toMatch(/url\(|@import|<iframe|<object|<embed/);
    }
    const css = readFileSync(join(out, 'assets/site.css'), 'utf8');
    expect(css).not.toMatch(/url\(|@import/);
  });

  it('a real secret is not a demo build; the demo secret is, and says so on every page', async () => {
    expect(isDemoBuild(out)).toBe(false);
    const demo = join(temp('demo'), 'site');
    await build(root, demo);
    expect(isDemoBuild(demo)).toBe(true);
    expect(existsSync(join(demo, '.boxfleet-demo'))).toBe(true);
    for (const f of listFiles(demo).filter((x) => x.endsWith('.html'))) {
      const html = readFileSync(join(demo, f), 'utf8');
      expect(html, f).toContain('<meta name="boxfleet-demo"');
      expect(html, f).toMatch(/class="demo"/);
    }
  });
});

describe('rotation and revocation', () => {
  const base = { name: 'teal-marten', enabled: true };
  async function folders(user: Record<string, unknown>, now: Date) {
    const root = makeFleet(temp('rot'), { users: [{ ...base, ...user } as any, USERS[2]] });
    const out = join(temp('rot-out'), 'site');
    await build(root, out, { secret: SECRET_A, now });
    const store = new CredentialStore(secretOf(SECRET_A).secret, 1);
    const tok = (rev: number) => store.user('teal-marten', rev).token;
    return { out, tok, list: listFiles(out) };
  }

  it('a routine rotation moves only that user, and the old folder serves the new profile until the grace period ends', async () => {
    const before = await folders({ rev: 1 }, NOW);
    const during = await folders({ rev: 2, rotated_at: '2026-11-26T06:00:00Z' }, NOW);
    const after = await folders({ rev: 2, rotated_at: '2026-11-26T06:00:00Z' }, new Date('2026-11-28T06:00:01Z'));
    const others = (l: string[], t: string[]) => l.filter((f) => f.startsWith('s/') && !t.some((x) => f.startsWith(`s/${x}/`)));
    // The other user's folder is unchanged by the rotation.
    expect(others(during.list, [during.tok(1), during.tok(2)])).toEqual(others(before.list, [before.tok(1)]));
    for (const f of ['sing-box.json', 'mihomo.yaml', 'links.txt', 'index.html']) {
      const fresh = readFileSync(join(during.out, 's', during.tok(2), f));
      expect(readFileSync(join(during.out, 's', during.tok(1), f)).equals(fresh), f).toBe(true);
      expect(readFileSync(join(before.out, 's', before.tok(1), f)).equals(fresh), `${f} differs from rev 1`).toBe(false);
    }
    expect(after.list.some((f) => f.startsWith(`s/${after.tok(1)}/`))).toBe(false);
    expect(after.list.some((f) => f.startsWith(`s/${after.tok(2)}/sing-box.json`))).toBe(true);
  });

  it('a revocation removes the old folder at once', async () => {
    const revoked = await folders({ rev: 2, rotated_at: '2026-11-26T06:00:00Z', revoked: true }, NOW);
    expect(revoked.list.some((f) => f.startsWith(`s/${revoked.tok(1)}/`))).toBe(false);
    expect(revoked.list).toContain(`s/${revoked.tok(2)}/sing-box.json`);
  });
});

describe('parallel build', () => {
  it('worker threads write the same bytes as one thread', async () => {
    const root = makeFleet(temp('par'), { settings: { site: { host: 'netlify' } } });
    const one = join(temp('one'), 'site');
    const two = join(temp('two'), 'site');
    const a = await build(root, one, { secret: SECRET_A, threads: 1 });
    const b = await build(root, two, { secret: SECRET_A, threads: 2 });
    expect(b.links).toEqual(a.links);
    expect([b.files, b.bytes]).toEqual([a.files, a.bytes]);
    const files = listFiles(one);
    expect(listFiles(two)).toEqual(files);
    for (const f of files) expect(readFileSync(join(two, f)).equals(readFileSync(join(one, f))), f).toBe(true);
    // A grace folder's files are hard links to the current folder's, from the workers'
    // synchronous writer as from the main thread's queued one.
    const linked = (dir: string) => files.filter((f) => statSync(join(dir, f)).nlink === 2);
    expect(linked(one).length).toBeGreaterThan(0);
    expect(linked(two)).toEqual(linked(one));
    // Published files are readable by all, as GitHub Pages requires (render's own output is 0600).
    for (const dir of [one, two]) {
      for (const f of files) expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o644);
      for (const d of new Set(files.map((f) => dirname(join(dir, f))))) expect(statSync(d).mode & 0o777, d).toBe(0o755);
    }
  });
});

describe('parallel build that fails', () => {
  it('stops its workers and leaves no output when the build fails after they started', async () => {
    // The workers start before the main thread checks the nodes: the demo's self-signed
    // certificate, made from the demo secret, fails that check under another secret.
    const root = makeFleet(temp('fail'));
    const threads = () => readdirSync('/proc/self/task').length;
    const before = threads();
    const parent = temp('fail-out');
    await expect(buildSite(load(root), secretOf(SECRET_A), NOW, { outDir: join(parent, 'site'), threads: 2, warn: () => {} }))
      .rejects.toThrow(/was not made from its derived key/);
    // terminate() resolves once a worker stopped; its OS thread is gone a moment later.
    for (let i = 0; i < 50 && threads() > before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(threads()).toBeLessThanOrEqual(before);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('removes its temp dir when a worker cannot even start', async () => {
    // What a worker is given is copied into it; a value that cannot be copied fails `new Worker`.
    const root = makeFleet(temp('nostart'));
    const parent = temp('nostart-out');
    const status = { updated: NOW.toISOString(), nodes: {}, incidents: [], uncopyable: () => 1 } as unknown as StatusView;
    await expect(buildSite(load(root), secretOf(SECRET_A), NOW, { outDir: join(parent, 'site'), status, threads: 2, warn: () => {} }))
      .rejects.toThrow(/could not be cloned/);
    expect(readdirSync(parent)).toEqual([]);
  });
});
