// The parts of publishing that need no store: the sealed state, what is never uploaded,
// and what validate says about `site.host: s3`.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../scripts/model/load.ts';
import { isPublishable, siteObjects } from '../../scripts/publish/objects.ts';
import { disposition } from '../../scripts/site/headers.ts';
import { openState, sealState } from '../../scripts/publish/state.ts';
import { storeErrorText } from '../../scripts/publish/store.ts';
import { makeFleet, removeAll, SECRET_A, SECRET_B, secretOf, tempDir } from '../site/helpers.ts';

const dirs: string[] = [];
afterAll(() => removeAll(...dirs));

describe('the publish state', () => {
  const state = { version: 2 as const, listed_at: '2026-11-26T12:00:00.000Z', objects: { 's/abc/index.html': '0123456789abcdef0123456789abcdef:0123456789abcdef', 'listed.txt': '0123456789abcdef0123456789abcdef', 'pending.txt': '' } };

  it('opens only with the secret that sealed it, and not once a byte changed', () => {
    const sealed = sealState(state, secretOf(SECRET_A).secret);
    expect(openState(sealed, secretOf(SECRET_A).secret)).toEqual(state);
    expect(openState(sealed, secretOf(SECRET_B).secret)).toBeUndefined();
    for (const at of [0, 10, 30, sealed.length - 1]) {
      const bent = Buffer.from(sealed);
      bent[at] ^= 1;
      expect(openState(bent, secretOf(SECRET_A).secret), `byte ${at}`).toBeUndefined();
    }
    expect(openState(Buffer.from('not a state'), secretOf(SECRET_A).secret)).toBeUndefined();
    // A state of the first format (no listed_at, bare MD5s) sends the publisher to the listing.
    expect(openState(sealState({ version: 1, objects: {} } as unknown as typeof state, secretOf(SECRET_A).secret), secretOf(SECRET_A).secret)).toBeUndefined();
    expect(sealed.toString('latin1')).not.toContain('abc');
  });

  it('does not count the users by its size: padded to a power of two, 64 KiB at least', () => {
    // Folders of random tokens (which gzip cannot shrink), about what a user adds.
    const withUsers = (n: number) => ({ ...state, objects: Object.fromEntries(Array.from({ length: n * 4 }, (_, i) => [`s/${(i >> 2).toString(36).padStart(8, '0')}${'x'.repeat(24)}/f${i & 3}`, randomBytes(16).toString('hex')])) });
    const size = (n: number) => sealState(withUsers(n), secretOf(SECRET_A).secret).length;
    expect(size(10)).toBe(size(11));
    expect(size(10)).toBe(size(200));
    expect(size(10) - 33).toBe(64 * 1024); // magic, IV and tag besides
    const many = withUsers(2000);
    const big = sealState(many, secretOf(SECRET_A).secret);
    expect(big.length - 33).toBeGreaterThan(64 * 1024);
    expect(Number.isInteger(Math.log2(big.length - 33))).toBe(true);
    expect(openState(big, secretOf(SECRET_A).secret)).toEqual(many);
  });

  it('is sealed anew each time (no two publishes give the same bytes to compare)', () => {
    expect(sealState(state, secretOf(SECRET_A).secret).equals(sealState(state, secretOf(SECRET_A).secret))).toBe(false);
  });
});

describe('what is uploaded', () => {
  it('never _headers or a dot file; profiles with their download name and no caching', () => {
    expect(isPublishable('_headers')).toBe(false);
    expect(isPublishable('.boxfleet-demo')).toBe(false);
    expect(isPublishable('s/t/.x')).toBe(false);
    expect(isPublishable('s/t/index.html')).toBe(true);
    const dir = tempDir('objects');
    dirs.push(dir);
    mkdirSync(join(dir, 's/tok'), { recursive: true });
    writeFileSync(join(dir, '_headers'), '/s/tok/*\n');
    writeFileSync(join(dir, 'index.html'), '<p>');
    writeFileSync(join(dir, 's/tok/mihomo.yaml'), 'a: 1\n');
    const objects = siteObjects(dir, 'Fleet 甲');
    expect(objects.map((o) => o.key)).toEqual(['index.html', 's/tok/mihomo.yaml']);
    const profile = objects[1];
    expect(profile).toMatchObject({ contentType: 'text/yaml; charset=utf-8', cacheControl: 'no-store', md5: createHash('md5').update('a: 1\n').digest('hex') });
    expect(profile.contentDisposition).toBe(`attachment; filename="Fleet.yaml"; filename*=UTF-8''Fleet%20%E7%94%B2.yaml`);
    expect(objects[0]).toMatchObject({ contentType: 'text/html; charset=utf-8', cacheControl: 'public, max-age=300' });
  });

  it('a download name with a quote, brackets or a lone surrogate is still a valid RFC 8187 value', () => {
    // attr-char (RFC 8187 §3.2.1): ALPHA / DIGIT / "!#$&+-.^_`|~"; everything else percent-encoded.
    const value = (title: string) => disposition(title, 'json').split("filename*=UTF-8''")[1]!;
    expect(value("Bob's VPN (home)*")).toBe('Bob%27s%20VPN%20%28home%29%2A.json');
    expect(value('a\ud800b')).toBe('a%EF%BF%BDb.json');
    for (const title of ["Bob's VPN (home)*!", 'a\ud800b', 'Fleet 甲']) expect(value(title)).toMatch(/^[A-Za-z0-9#$&+\-.^_`|~%]+$/);
  });
});

describe('a store error in the log', () => {
  it('names no token and carries no terminal escape', () => {
    const text = storeErrorText(Object.assign(new Error('cannot write s/4Bny0w-dOJGEkf6U4zZla6m5hQJFpAoM/mihomo.yaml \u001b[31mred'), { code: 'EPIPE' }));
    expect(text).toMatch(/^EPIPE: cannot write s\/<token>\/mihomo\.yaml/);
    expect(text).not.toContain('4Bny0w');
    expect(text).not.toContain('\u001b');
  });
});

describe('validate with site.host: s3', () => {
  function diagnostics(site: Record<string, unknown>) {
    const root = makeFleet(tempDir('s3-validate'), { settings: { site } });
    dirs.push(root);
    return loadFleet(root, new Date('2026-11-26T12:00:00Z')).diagnostics.map((d) => `${d.file.split('/').pop()}:${d.line}:${d.col}: ${d.severity}: ${d.message} — ${d.hint}`);
  }

  it('needs the store, warns that apps get no quota, and says when site.s3 is ignored', () => {
    const missing = diagnostics({ host: 's3' });
    expect(missing.find((d) => d.includes('error'))).toMatch(/^fleet\.yaml:\d+:\d+: error: `site\.host: s3` needs the store it publishes to — add `s3: \{ endpoint: /);
    const s3 = { endpoint: 'https://acc.r2.cloudflarestorage.com', bucket: 'sub' };
    const ok = diagnostics({ host: 's3', s3 });
    expect(ok.filter((d) => d.includes(': error:'))).toEqual([]);
    expect(ok.some((d) => /warning: apps show no quota or expiry on an object store/.test(d))).toBe(true);
    const ignored = diagnostics({ host: 'cloudflare', s3 });
    expect(ignored.some((d) => /warning: `site\.s3` is ignored: the site is published to cloudflare/.test(d))).toBe(true);
  });

  it('a prefix with a `.` or `..` segment is refused (keys must say where they land)', () => {
    const s3 = { endpoint: 'https://acc.r2.cloudflarestorage.com', bucket: 'sub' };
    for (const prefix of ['../', 'site/../', './', 'a/./b/']) {
      expect(diagnostics({ host: 's3', s3: { ...s3, prefix } }).filter((d) => d.includes(': error:')).join('\n'), prefix).toMatch(/`site\.s3\.prefix` has the wrong form/);
    }
    for (const prefix of ['', 'site/', 'a.b/c_d-1/', '..x/']) {
      expect(diagnostics({ host: 's3', s3: { ...s3, prefix } }).filter((d) => d.includes(': error:')), prefix).toEqual([]);
    }
  });
});
