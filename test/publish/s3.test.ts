// `fleet publish` against a real S3-compatible store: SeaweedFS on a test host, with the
// identities an operator would give it (test/harness/s3.ts). Anonymous readers fetch the
// site exactly as `fleet links` prints it; a failure is injected half-way through a
// publish by resetting every connection to the store (nft on the store's host).
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { main } from '../../scripts/fleet.ts';
import { siteObjects, uploadRank } from '../../scripts/publish/objects.ts';
import { publishSite } from '../../scripts/publish/publish.ts';
import { DEMO_MARKER } from '../../scripts/site/index.ts';
import { CredentialStore } from '../../scripts/secrets/index.ts';
import { openState, STATE_KEY } from '../../scripts/publish/state.ts';
import { s3Store, type Store } from '../../scripts/publish/store.ts';
import { useHosts } from '../harness/index.ts';
import { S3_PORT, startS3, type TestS3 } from '../harness/s3.ts';
import { listFiles, makeFleet, removeAll, SECRET_A, SECRET_B, secretOf, tempDir, USERS } from '../site/helpers.ts';

const hosts = useHosts(1, { names: ['store'] });
let s3: TestS3;
let root: string;
const NOW = '2026-11-26T12:00:00Z';

beforeAll(async () => {
  s3 = await startS3(hosts().hosts[0]);
  root = makeFleet(tempDir('s3'), {
    settings: { site: { host: 's3', base_url: s3.publicUrl, s3: { endpoint: s3.endpoint, bucket: s3.bucket } } },
  });
  // The demo's self-signed node certificate belongs to the demo secret: make this secret's, as an operator would.
  const cert = await fleet(['node', 'cert', 'frankfurt-1', '--replace'], { FLEET_SECRET: SECRET_A });
  expect(cert.code, cert.err).toBe(0);
}, 120_000);
afterAll(() => { s3?.close(); if (root) removeAll(root); });

async function fleet(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  const code = await main([...argv, '--root', root, '--now', NOW], io, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const env = () => ({ FLEET_SECRET: SECRET_A, ...s3.publisher });
const site = () => join(root, 'build/site');

async function buildAndPublish(): Promise<{ out: string; requests: number; uploaded: number; deleted: number }> {
  const b = await fleet(['site'], { FLEET_SECRET: SECRET_A });
  expect(b.code, b.err).toBe(0);
  const p = await fleet(['publish', '--site', 'build/site'], env());
  expect(p.code, p.err).toBe(0);
  const m = /(\d+) uploaded .* (\d+) deleted — (\d+) requests/.exec(p.out);
  expect(m, p.out).not.toBeNull();
  return { out: p.out, uploaded: Number(m![1]), deleted: Number(m![2]), requests: Number(m![3]) };
}

/** The bucket holds exactly the built site (less what is never uploaded) and the state. */
async function expectBucketIsSite(): Promise<void> {
  const keys = await s3.keys();
  const local = siteObjects(site(), 'x');
  expect([...keys.keys()].sort()).toEqual([...local.map((o) => o.key), STATE_KEY].sort());
  for (const o of local) expect(keys.get(o.key), o.key).toBe(o.md5);
}

function setUser(name: string, fields: Record<string, unknown> | undefined): void {
  const file = join(root, 'users', `${name}.yaml`);
  if (fields === undefined) rmSync(file);
  else writeFileSync(file, YAML.stringify({ name, ...fields }));
}

function setFleet(edit: (f: Record<string, any>) => void): void {
  const file = join(root, 'fleet.yaml');
  const f = YAML.parse(readFileSync(file, 'utf8'));
  edit(f);
  writeFileSync(file, YAML.stringify(f));
}

describe('fleet publish to an S3-compatible store (SeaweedFS)', () => {
  it('publishes the site; anonymous readers get every link `fleet links` prints, and cannot list the bucket', async () => {
    const first = await buildAndPublish();
    expect(first.deleted).toBe(0);
    await expectBucketIsSite();
    expect((await s3.keys()).has('_headers')).toBe(false);

    const links = await fleet(['links', '--format', 'json'], { FLEET_SECRET: SECRET_A });
    const urls = (JSON.parse(links.out) as { url: string }[]).map((l) => l.url);
    expect(urls.length).toBeGreaterThan(1);
    for (const url of urls) {
      expect(url).toMatch(/\/s\/[A-Za-z0-9_-]+\/index\.html$/);
      const page = await fetch(url);
      expect(page.status, url).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('cache-control')).toBe('no-store');
      const html = await page.text();
      const folder = url.slice(0, -'index.html'.length);
      for (const [file, type] of [['sing-box.json', 'application/json'], ['mihomo.yaml', 'text/yaml'], ['links.txt', 'text/plain']]) {
        expect(html).toContain(`${folder}${file}`);
        const r = await fetch(`${folder}${file}`);
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toContain(type);
        expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename=/);
        const body = await r.text();
        if (file === 'sing-box.json') expect(JSON.parse(body).outbounds.length).toBeGreaterThan(1);
      }
      // The page's links to the status page name objects, as the store needs.
      const status = [...html.matchAll(/href="(\.\.\/\.\.\/status\/[^"]*)"/g)].map((m) => m[1]);
      expect(status.length).toBeGreaterThan(0);
      for (const href of status) {
        expect(href).toMatch(/\.html$/);
        expect((await fetch(new URL(href, url))).status).toBe(200);
      }
    }
    const landing = await fetch(`${s3.publicUrl}/index.html`);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('href="status/index.html"');
    for (const listing of [`${s3.publicUrl}/`, `${s3.publicUrl}?list-type=2`, `${s3.publicUrl}/?prefix=s/`]) {
      expect((await fetch(listing)).status, listing).toBe(403);
    }
  });

  it('uploads no file that names another user’s token; the state object is sealed', async () => {
    // Every token each user ever had (a rotated user's old folder carries the new files).
    const store = new CredentialStore(secretOf(SECRET_A).secret, 1);
    const owner = new Map<string, string>();
    for (const u of USERS) for (let rev = 1; rev <= Number(u.rev ?? 1); rev++) owner.set(store.user(u.name, rev).token, u.name);
    const tokens = readdirSync(join(site(), 's'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(tokens.length).toBeGreaterThan(2);
    for (const t of tokens) expect(owner.has(t), t).toBe(true);
    for (const key of (await s3.keys()).keys()) {
      const body = Buffer.from(await (await fetch(`${s3.publicUrl}/${key}`)).arrayBuffer()).toString('latin1');
      const who = owner.get(/^s\/([^/]+)\//.exec(key)?.[1] ?? '');
      for (const [t, name] of owner) if (name !== who) expect(body.includes(t), `${key} names ${name}'s token`).toBe(false);
    }
    const sealed = Buffer.from(await (await fetch(`${s3.publicUrl}/${STATE_KEY}`)).arrayBuffer());
    expect(openState(sealed, secretOf(SECRET_B).secret)).toBeUndefined();
    expect(Object.keys(openState(sealed, secretOf(SECRET_A).secret)!.objects)).toContain(`s/${tokens[0]}/index.html`);
  });

  it('an unchanged site costs one request; one new user at most 10; a revoked user’s folder is deleted', async () => {
    const same = await fleet(['publish', '--site', 'build/site'], env());
    expect(same.out).toMatch(/ 0 uploaded .* 0 deleted — 1 requests/);

    setUser('sable-finch', { enabled: true, rev: 1 });
    const added = await buildAndPublish();
    expect(added.uploaded).toBe(4);
    expect(added.requests).toBeLessThanOrEqual(10);
    await expectBucketIsSite();

    const before = JSON.parse((await fleet(['links', '--format', 'json'], { FLEET_SECRET: SECRET_A })).out) as { user: string; url: string }[];
    const finch = before.find((l) => l.user === 'sable-finch')!.url;
    expect((await fetch(finch)).status).toBe(200);
    setUser('sable-finch', { enabled: false, rev: 1 });
    const revoked = await buildAndPublish();
    expect(revoked.deleted).toBe(3);
    const gone = await fetch(finch.replace('index.html', 'sing-box.json'));
    expect(gone.status).toBe(404);
    await expectBucketIsSite();
  });

  it('a publish cut half-way deletes nothing; the next run finishes it, removing what the first one left', async () => {
    const host = hosts().hosts[0];
    const links = JSON.parse((await fleet(['links', '--format', 'json'], { FLEET_SECRET: SECRET_A })).out) as { user: string; url: string }[];
    const quartz = links.find((l) => l.user === 'quartz-owl')!.url.replace('index.html', 'links.txt');
    // Every page changes (the title), quartz-owl is revoked, a new user arrives.
    setFleet((f) => { f.site.title = 'Cut Half-Way'; });
    setUser('quartz-owl', { ...USERS.find((u) => u.name === 'quartz-owl'), enabled: false });
    setUser('ember-stoat', { enabled: true, rev: 1 });
    expect((await fleet(['site'], { FLEET_SECRET: SECRET_A })).code).toBe(0);
    const objects = siteObjects(site(), 'Cut Half-Way');
    const real = s3Store({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'auto', prefix: '', path_style: true }, { ...s3.publisher });
    let puts = 0;
    let cut = false;
    // Resets every connection to the store once the token folders are up and before the
    // first page that links to them: the moment the store's network goes away.
    const cutting: Store = {
      ...real,
      get requests() { return real.requests; },
      async put(req) {
        if (!cut && req.key !== STATE_KEY && uploadRank(req.key) >= 2) { cut = true; await host.refuse(S3_PORT); }
        puts++;
        return real.put(req);
      },
    };
    try {
      await expect(publishSite(cutting, objects, secretOf(SECRET_A).secret, { now: new Date(NOW) })).rejects.toThrow(/stopped after \d+ of \d+ uploads; nothing was deleted/);
    } finally {
      await host.unrefuse();
      real.close();
    }
    expect(cut).toBe(true);
    expect(puts).toBeGreaterThan(3);
    // Nothing deleted: the revoked user's old folder is still there.
    expect((await fetch(quartz)).status).toBe(200);

    // Before the next run the new user is removed again: the folder the cut run wrote for
    // it must not outlive it.
    const stoat = (await fleet(['links', '--format', 'json'], { FLEET_SECRET: SECRET_A })).out;
    const stoatFolder = (JSON.parse(stoat) as { user: string; url: string }[]).find((l) => l.user === 'ember-stoat')!.url.split('/s/')[1].split('/')[0];
    expect((await s3.keys()).has(`s/${stoatFolder}/sing-box.json`)).toBe(true);
    setUser('ember-stoat', undefined);
    const next = await buildAndPublish();
    expect(next.deleted).toBeGreaterThanOrEqual(3 + 4);
    await expectBucketIsSite();
    expect((await fetch(quartz)).status).toBe(404);
    expect([...(await s3.keys()).keys()].some((k) => k.includes(stoatFolder))).toBe(false);
  });

  it('a new title reaches every profile in the store (its download name), though the profiles\' bytes stay', async () => {
    const links = JSON.parse((await fleet(['links', '--format', 'json'], { FLEET_SECRET: SECRET_A })).out) as { user: string; url: string }[];
    const profile = links[0]!.url.replace('index.html', 'sing-box.json');
    const bytes = await (await fetch(profile)).text();
    setFleet((f) => { f.site.title = 'Renamed Fleet'; });
    await buildAndPublish();
    const r = await fetch(profile);
    expect(await r.text()).toBe(bytes);
    expect(r.headers.get('content-disposition')).toBe(`attachment; filename="Renamed Fleet.json"; filename*=UTF-8''Renamed%20Fleet.json`);
    await expectBucketIsSite();
  });

  it('what the state does not know (a second publish at the same time, a hand in the bucket) is put right within a day, or at once with --full', async () => {
    const store = s3Store({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'auto', prefix: '', path_style: true }, { ...s3.publisher });
    const stray = 's/strayfolderthestateneverknew00/sing-box.json';
    const [victim] = siteObjects(site(), 'x').filter((o) => o.key.endsWith('/links.txt'));
    const publishAt = async (now: string, extra: string[] = []) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['publish', '--site', 'build/site', ...extra, '--root', root, '--now', now], { out: (t) => out.push(t), err: (t) => err.push(t) }, env());
      expect(code, err.join('\n')).toBe(0);
      return out.join('\n');
    };
    const meddle = async () => {
      await store.put({ key: stray, body: Buffer.from('{}'), md5: createHash('md5').update('{}').digest('hex'), contentType: 'application/json', cacheControl: 'no-store' });
      await store.remove([victim!.key]);
    };
    try {
      await meddle();
      // Within the day the state is trusted: one request, nothing changes.
      expect(await publishAt(NOW)).toMatch(/ 0 uploaded .* 0 deleted — 1 requests/);
      expect((await s3.keys()).has(stray)).toBe(true);
      // --full lists the bucket: the stray object goes, the missing one comes back.
      expect(await publishAt(NOW, ['--full'])).toMatch(/ 1 uploaded .* 1 deleted/);
      await expectBucketIsSite();
      // A day after the last listing, the next publish lists by itself.
      await meddle();
      expect(await publishAt('2026-11-27T12:00:01Z')).toMatch(/ 1 uploaded .* 1 deleted/);
      await expectBucketIsSite();
      // A listing "from the future" (the last runner's clock was ahead) is not trusted either.
      await meddle();
      expect(await publishAt(NOW)).toMatch(/ 1 uploaded .* 1 deleted/);
      await expectBucketIsSite();
      // Without a state it can open (lost, or sealed with another secret) a listing shows only
      // bytes: a profile with the right bytes but a day's caching, as another tool leaves it,
      // is put again with its own headers (a CDN must not keep a revoked profile).
      const [profile] = siteObjects(site(), 'x').filter((o) => o.key.endsWith('/sing-box.json'));
      await store.put({ key: profile!.key, body: readFileSync(profile!.file), md5: profile!.md5, contentType: 'application/octet-stream', cacheControl: 'max-age=86400' });
      await store.remove([STATE_KEY]);
      await publishAt(NOW);
      expect((await fetch(`${s3.publicUrl}/${profile!.key}`)).headers.get('cache-control')).toBe('no-store');
      await expectBucketIsSite();
    } finally { store.close(); }
  });

  it('a state that cannot be recorded after everything landed says so; the next run puts it right', async () => {
    setUser('lark-wren', { enabled: true, rev: 1 });
    expect((await fleet(['site'], { FLEET_SECRET: SECRET_A })).code).toBe(0);
    const real = s3Store({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'auto', prefix: '', path_style: true }, { ...s3.publisher });
    let statePuts = 0;
    let objectPuts = 0;
    const failing: Store = {
      ...real,
      get requests() { return real.requests; },
      async put(req) {
        // The first state put is the pending one; the second, the final, fails.
        if (req.key === STATE_KEY && ++statePuts === 2) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        if (req.key !== STATE_KEY) objectPuts++;
        return real.put(req);
      },
    };
    try {
      await expect(publishSite(failing, siteObjects(site(), 'x'), secretOf(SECRET_A).secret, { now: new Date(NOW) }))
        .rejects.toThrow(/every upload and delete landed, but recording the state stopped/);
    } finally { real.close(); }
    expect(objectPuts).toBeGreaterThanOrEqual(4); // the new user's folder, and the pages that count users
    // The pending state marked this run's objects unsure: the next run puts them again, once.
    const next = await buildAndPublish();
    expect(next.uploaded).toBe(objectPuts);
    await expectBucketIsSite();
    expect((await buildAndPublish()).uploaded).toBe(0);
  });

  it('refuses a demo build, bad credentials and another host with one clear line each, changing nothing', async () => {
    const before = await s3.keys();
    const demoOut = tempDir('s3-demo');
    try {
      // A build marked as made with the demo secret (what `fleet site` without FLEET_SECRET writes).
      cpSync(site(), demoOut, { recursive: true });
      writeFileSync(join(demoOut, DEMO_MARKER), 'demo\n');
      const demo = await fleet(['publish', '--site', demoOut], env());
      expect(demo.code).toBe(1);
      expect(demo.err).toMatch(/demo build/);
    } finally { removeAll(demoOut); }

    // A symlink inside a user's folder is refused, and the message names no token.
    const linked = tempDir('s3-link');
    try {
      cpSync(site(), linked, { recursive: true });
      const token = readdirSync(join(linked, 's'))[0]!;
      symlinkSync('/etc/hostname', join(linked, 's', token, 'extra.txt'));
      const link = await fleet(['publish', '--site', linked], env());
      expect(link.code).toBe(1);
      expect(link.err).toMatch(/s\/<token>\/extra\.txt is a symbolic link/);
      expect(link.err + link.out).not.toContain(token);
    } finally { removeAll(linked); }

    const wrong = await fleet(['publish', '--site', 'build/site'], { ...env(), AWS_SECRET_ACCESS_KEY: 'not-the-secret-0123456789' });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/failed before anything changed: \w+/);
    expect(wrong.err).not.toMatch(/\n\s+at /);
    expect(wrong.err + wrong.out).not.toContain('not-the-secret');

    const none = await fleet(['publish', '--site', 'build/site'], { FLEET_SECRET: SECRET_A });
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set/);
    expect(await s3.keys()).toEqual(before);
    expect(listFiles(site()).length).toBeGreaterThan(0);
  });

  it('refuses a site built from another state of the fleet: a revoked user\'s folder would come back', async () => {
    const built = await fleet(['site'], { FLEET_SECRET: SECRET_A });
    expect(built.code, built.err).toBe(0);
    const before = await s3.keys();
    const users = join(root, 'users');
    const saved = new Map(readdirSync(users).map((f) => [f, readFileSync(join(users, f), 'utf8')]));
    const tokens = readdirSync(join(site(), 's')).filter((t) => t !== 'index.html');
    const publish = async () => {
      const r = await fleet(['publish', '--site', 'build/site'], env());
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^fleet publish: not published: build\/site was built from another state of the fleet: .* — build it again with `npm run fleet -- site --out build\/site`, then publish that$/);
      for (const t of tokens) expect(r.err + r.out).not.toContain(t);
      return r.err;
    };
    try {
      setUser('cobalt-lynx', undefined);
      expect(await publish()).toContain(': 1 token folder no user has now (revoked, removed, or rotated past the grace period)');
      setUser('cobalt-lynx', { ...USERS.find((u) => u.name === 'cobalt-lynx'), enabled: false });
      expect(await publish()).toContain(': 1 disabled or expired user still with profiles');
      setUser('cobalt-lynx', { ...USERS.find((u) => u.name === 'cobalt-lynx'), rev: 2 });
      expect(await publish()).toContain(': 1 token folder no user has now (revoked, removed, or rotated past the grace period), 1 user folder missing (users added since)');
      writeFileSync(join(users, 'cobalt-lynx.yaml'), saved.get('cobalt-lynx.yaml')!);
      setUser('new-robin', { enabled: true, rev: 1 });
      expect(await publish()).toContain(': 1 user folder missing (users added since)');
      rmSync(join(users, 'new-robin.yaml'));
      // maple-heron's rotation grace period (48 h from 2026-11-25T12:00Z) is over: an hour's
      // slack for the time between build and publish, then the old token's folder is stale.
      const late = async (now: string) => {
        const err: string[] = [];
        const code = await main(['publish', '--site', 'build/site', '--dry-run', '--root', root, '--now', now], { out: () => {}, err: (t) => err.push(t) }, env());
        return { code, err: err.join('\n') };
      };
      expect((await late('2026-11-27T12:59:00Z')).code).toBe(0);
      const stale = await late('2026-11-27T13:00:01Z');
      expect(stale.code).toBe(1);
      expect(stale.err).toContain(': 1 token folder no user has now (revoked, removed, or rotated past the grace period)');
      // Built while a user was disabled, published after they were enabled again: their
      // profiles would be deleted from the store.
      setUser('cobalt-lynx', { ...USERS.find((u) => u.name === 'cobalt-lynx'), enabled: false });
      expect((await fleet(['site'], { FLEET_SECRET: SECRET_A })).code).toBe(0);
      writeFileSync(join(users, 'cobalt-lynx.yaml'), saved.get('cobalt-lynx.yaml')!);
      expect(await publish()).toContain(': 1 active user without profiles (enabled since)');
      expect(await s3.keys()).toEqual(before);
    } finally {
      for (const f of readdirSync(users)) if (!saved.has(f)) rmSync(join(users, f));
      for (const [f, text] of saved) writeFileSync(join(users, f), text);
    }
    // As it was, a site built again publishes.
    expect((await fleet(['site'], { FLEET_SECRET: SECRET_A })).code).toBe(0);
    const again = await fleet(['publish', '--site', 'build/site'], env());
    expect(again.code, again.err).toBe(0);
  });
});
