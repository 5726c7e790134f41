// Host limits known before publishing (#16 item 2): validate estimates the site's files
// from the model, the site build counts files and bytes as written; both warn from 80% and
// refuse at 100% with the numbers and what to do.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../scripts/fleet.ts';
import { checkLimits, estimateSiteFiles, hostLimits } from '../../scripts/model/site-limits.ts';
import { build, load, makeFleet, NOW, removeAll, SECRET_A, tempDir, USERS, type TestUser } from './helpers.ts';

const dirs: string[] = [];
const temp = (p: string) => { const d = tempDir(p); dirs.push(d); return d; };
afterAll(() => removeAll(...dirs));

/** n active users beside the helpers' five (one in a grace period, two inactive). */
const many = (n: number): TestUser[] => [...USERS, ...Array.from({ length: n }, (_, i) => ({ name: `u${i}`, enabled: true, rev: 1 }))];

/** The CLI on the demo secret (the demo's self-signed certificate is made from it). */
async function fleet(root: string, ...argv: string[]) {
  const out: string[] = []; const err: string[] = [];
  const code = await main([...argv, '--root', root, '--now', NOW.toISOString()], { out: (t) => out.push(t), err: (t) => err.push(t) }, {});
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('host limits', () => {
  it('the estimate is exactly what a build writes, on every host', async () => {
    for (const host of ['github-pages', 'cloudflare', 'netlify', 'plain']) {
      const root = makeFleet(temp('est'), { settings: { site: { host } }, users: many(3) });
      const r = await build(root, join(temp('out'), 'site'), { secret: SECRET_A });
      expect(estimateSiteFiles(load(root), NOW), host).toBe(r.files);
    }
    const demo = makeFleet(temp('est-demo'));
    const r = await build(demo, join(temp('out'), 'site'));
    expect(estimateSiteFiles(load(demo), NOW, true)).toBe(r.files);
  });

  it('says nothing below 80%, warns from 80%, refuses at 100%, with the numbers and what to do', () => {
    const free = hostLimits({ host: 'cloudflare', plan: 'free' });
    expect(checkLimits(free, { files: 15_999 })).toEqual([]);
    expect(checkLimits(free, { files: 16_000 })).toEqual([{ level: 'warning', message: 'the site has 16,000 files, 80% of the 20,000 files Cloudflare Pages (free plan) allows', hint: 'before it is full: set `site.plan: paid` on a paid Cloudflare plan (100,000 files), or publish to an object store instead (`site.host: s3` with `site.s3`, e.g. Cloudflare R2: no file or size limit; `fleet publish`)' }]);
    expect(checkLimits(free, { files: 20_000 })[0]!.level).toBe('error');
    expect(checkLimits(hostLimits({ host: 'cloudflare', plan: 'paid' }), { files: 20_000 })).toEqual([]);
    const pages = hostLimits({ host: 'github-pages', plan: 'free' });
    expect(checkLimits(pages, { files: 1_000_000, bytes: 999_999_999 })).toEqual([{ level: 'warning', message: 'the site has 1,000 MB, 99% of the 1,000 MB GitHub Pages allows', hint: expect.stringMatching(/^before it is full: /) }]);
    const full = checkLimits(pages, { files: 1, bytes: 1_000_000_000 })[0]!.hint;
    expect(full).toMatch(/^it would not publish: publish to an object store instead \(`site\.host: s3` .* or Cloudflare Pages on a paid plan \(100,000 files\), or lower `users\.rotation_grace`/);
    // A paid Cloudflare plan that is full has one way out: the object store.
    expect(checkLimits(hostLimits({ host: 'cloudflare', plan: 'paid' }), { files: 100_000 })[0]!.hint).toMatch(/^it would not publish: publish to an object store instead .*, or lower `users\.rotation_grace`/);
    expect(checkLimits(hostLimits({ host: 'plain', plan: 'free' }), { files: 10_000_000, bytes: 1e12 })).toEqual([]);
  });

  it('validate warns and refuses by the estimate; site refuses before replacing the published tree', async () => {
    // Cloudflare's free plan and its real 20,000-file limit: 5,000 users (four files each) write just over it.
    const root = makeFleet(temp('big'), { settings: { site: { host: 'cloudflare' } }, users: many(5_000) });
    const v = await fleet(root, 'validate');
    expect(v.code).toBe(1);
    expect(v.err).toMatch(/^fleet\.yaml:\d+:\d+: the site will have 20,0\d\d files, 100% of the 20,000 files Cloudflare Pages \(free plan\) allows — it would not publish: set `site\.plan: paid`/m);
    const out = join(temp('big-out'), 'site');
    const s = await fleet(root, 'site', '--out', out);
    expect(s.code).toBe(1);
    expect(s.err).toContain('it would not publish');
    expect(existsSync(out)).toBe(false);
    // On a paid plan it is well within: no warning.
    const paid = readFileSync(join(root, 'fleet.yaml'), 'utf8').replace('host: cloudflare', 'host: cloudflare\n  plan: paid');
    writeFileSync(join(root, 'fleet.yaml'), paid);
    expect((await fleet(root, 'validate')).code).toBe(0);
  }, 240_000);
});
