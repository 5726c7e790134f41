// The built site through a real static server (http-server on loopback): pages and
// profiles as apps fetch them, parsed and checked by the render stage's validators.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, httpGet, makeFleet, removeAll, SECRET_A, serve, tempDir } from './helpers.ts';
import { profileProblems } from './checks.ts';

describe('site over HTTP', () => {
  const dirs: string[] = [];
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  let links: { user: string; url: string }[] = [];

  beforeAll(async () => {
    const root = makeFleet(tempDir('http-fleet'));
    const out = join(tempDir('http-out'), 'site');
    dirs.push(root, join(out, '..'));
    server = await serve(out);
    // Built after the server is up, at its address: the page's URLs are the served ones.
    links = (await build(root, out, { secret: SECRET_A, baseUrl: server.origin })).links;
  });
  afterAll(async () => { await server?.stop(); removeAll(...dirs); });

  it('serves every active user page and their three profiles, which parse and pass the checks', async () => {
    expect(links.map((l) => l.user)).toEqual(['cobalt-lynx', 'maple-heron', 'quartz-owl']);
    for (const { user, url } of links) {
      const page = await httpGet(url);
      expect(page.status, user).toBe(200);
      expect(await page.text()).toContain(user);
      const get = async (f: string) => {
        const r = await httpGet(`${url}${f}`);
        expect(r.status, `${user} ${f}`).toBe(200);
        return r.text();
      };
      const files = { singbox: await get('sing-box.json'), mihomo: await get('mihomo.yaml'), links: await get('links.txt') };
      expect(profileProblems(files), user).toEqual([]);
    }
  });

  it('serves the neutral root, robots.txt and the status page, and no listing of s/', async () => {
    const o = server!.origin;
    expect((await httpGet(`${o}/`)).status).toBe(200);
    expect(await (await httpGet(`${o}/robots.txt`)).text()).toBe('User-agent: *\nDisallow: /\n');
    expect((await httpGet(`${o}/status/`)).status).toBe(200);
    // http-server would list a folder that has no index.html; s/ must not be one it can list.
    const s = await httpGet(`${o}/s/`);
    const body = await s.text();
    for (const { url } of links) expect(body).not.toContain(url.split('/s/')[1].slice(0, -1));
  });
});
