import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../scripts/fleet.ts';
import { REPO, TEST_SECRET, withCertificate } from './fixture.ts';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function demoRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-render-'));
  dirs.push(dir);
  for (const p of ['fleet.yaml', 'nodes', 'users']) cpSync(join(REPO, p), join(dir, p), { recursive: true });
  const fr = join(dir, 'nodes/frankfurt-1.yaml');
  writeFileSync(fr, withCertificate(readFileSync(fr, 'utf8')));
  return dir;
}

async function render(root: string, ...argv: string[]) {
  const out: string[] = []; const err: string[] = [];
  const env = { FLEET_SECRET: TEST_SECRET.toString('utf8') };
  const code = await main(['render', ...argv, '--root', root, '--now', '2026-11-26T12:00:00Z'], { out: (t) => out.push(t), err: (t) => err.push(t) }, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('fleet render', () => {
  it('writes node configs and active users\' profiles, owner-only, and prints one summary line', async () => {
    const root = demoRoot();
    const r = await render(root);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^rendered 3 node config\(s\), 4 user profile set\(s\): 15 files, \d+ bytes → .*\/build$/);
    expect(readdirSync(join(root, 'build')).sort()).toEqual(['.boxfleet-output', 'nodes', 'users']);
    expect(readdirSync(join(root, 'build/nodes'))).toEqual(['frankfurt-1', 'singapore-1', 'tokyo-1']);
    expect(readdirSync(join(root, 'build/users'))).toEqual(['alice', 'dave', 'erin', 'frank']);
    expect(readdirSync(join(root, 'build/users/alice')).sort()).toEqual(['links.txt', 'mihomo.yaml', 'sing-box.json']);
    expect(statSync(join(root, 'build/nodes/tokyo-1/config.json')).mode & 0o777).toBe(0o600);
    const first = readFileSync(join(root, 'build/nodes/tokyo-1/config.json'));
    await render(root);
    expect(readFileSync(join(root, 'build/nodes/tokyo-1/config.json')).equals(first)).toBe(true);
  });

  it('removes stale nodes and users, keeps unrelated build folders, leaves no temp dir', async () => {
    const root = demoRoot();
    // build/site as `fleet site` leaves it (with its output marker).
    mkdirSync(join(root, 'build/site'), { recursive: true });
    writeFileSync(join(root, 'build/site/index.html'), 'x');
    writeFileSync(join(root, 'build/site/.boxfleet-output'), '');
    await render(root);
    rmSync(join(root, 'nodes/singapore-1.yaml'));
    writeFileSync(join(root, 'users/alice.yaml'), readFileSync(join(root, 'users/alice.yaml'), 'utf8').replace('enabled: true', 'enabled: false'));
    expect((await render(root)).code).toBe(0);
    expect(readdirSync(join(root, 'build/nodes'))).toEqual(['frankfurt-1', 'tokyo-1']);
    expect(readdirSync(join(root, 'build/users'))).toEqual(['dave', 'erin', 'frank']);
    expect(readdirSync(join(root, 'build')).sort()).toEqual(['.boxfleet-output', 'nodes', 'site', 'users']);
  });

  it('--nodes renders only those and keeps the others; --out elsewhere; bad names are usage errors', async () => {
    const root = demoRoot();
    await render(root, '--out', 'out');
    const before = readFileSync(join(root, 'out/nodes/frankfurt-1/config.json'));
    writeFileSync(join(root, 'users/greg.yaml'), 'name: greg\nenabled: true\nrev: 1\n');
    const r = await render(root, '--out', 'out', '--nodes', 'tokyo-1');
    expect(r.out).toMatch(/^rendered 1 node config/);
    expect(readFileSync(join(root, 'out/nodes/frankfurt-1/config.json')).equals(before)).toBe(true);
    expect(readFileSync(join(root, 'out/nodes/tokyo-1/config.json'), 'utf8')).toContain('"greg"');
    expect(existsSync(join(root, 'build'))).toBe(false);
    const bad = await render(root, '--nodes', 'tokio-1');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('no node named "tokio-1"');
  });

  it('warns about the demo secret; refuses a self-signed node without certificate with a position', async () => {
    const root = demoRoot();
    const out: string[] = []; const err: string[] = [];
    expect(await main(['render', '--root', root], { out: (t) => out.push(t), err: (t) => err.push(t) }, {})).toBe(1);
    // the committed test certificate belongs to the test secret, not the demo secret
    expect(err.join('\n')).toContain('DEMO secret');
    expect(err.join('\n')).toMatch(/^nodes\/frankfurt-1\.yaml:\d+:\d+: the certificate of node `frankfurt-1` was not made from its derived key/m);
    expect(err.join('\n')).not.toMatch(/\n\s+at /);
    expect(existsSync(join(root, 'build'))).toBe(false);
  });

  it('site refuses the same certificate, and the hint both print fixes it as printed', async () => {
    const root = demoRoot();
    const run = async (argv: string[]) => {
      const out: string[] = []; const err: string[] = [];
      const code = await main([...argv, '--root', root, '--now', '2026-11-26T12:00:00Z'], { out: (t) => out.push(t), err: (t) => err.push(t) }, {});
      return { code, err: err.join('\n') };
    };
    const site = await run(['site']);
    expect(site.code).toBe(1);
    expect(site.err).toMatch(/^nodes\/frankfurt-1\.yaml:\d+:\d+: the certificate of node `frankfurt-1` was not made from its derived key/m);
    expect(existsSync(join(root, 'build/site'))).toBe(false);
    // The hint, run as printed (the demo secret is this fleet's FLEET_SECRET here).
    const hint = /run `npm run fleet -- (node cert frankfurt-1 --replace)`/.exec(site.err);
    expect(hint).not.toBeNull();
    expect((await run(hint![1]!.split(' '))).code).toBe(0);
    expect((await run(['site'])).code).toBe(0);
    expect((await run(['render'])).code).toBe(0);
  });
});
