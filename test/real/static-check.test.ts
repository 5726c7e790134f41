// Static proof: every node config and client profile rendered from the demo fleet and
// from the every-option fleet (under both routing presets) passes the real `sing-box
// check` at the fleet's pinned version and at the newest release, through the same
// `fleet check-configs` the validate workflow runs; every mihomo profile passes the real
// `mihomo -t`, run in an empty network namespace so it can reach nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mihomoBin, singboxBin, SINGBOX_VERSIONS, TOOL_VERSIONS } from '../tools/index.ts';
import { cleanTemps, fleet, REPO, tempDir } from '../workflows/helpers.ts';
import { FULL_NOW, FULL_SECRET, writeFullFleet } from './full-fleet.ts';

const exec = promisify(execFile);
const builds: { name: string; root: string; build: string; users: number }[] = [];
const fleets: string[] = [];

beforeAll(async () => {
  const demo = join(tempDir(), 'build');
  expect((await fleet(['render', '--out', demo], {})).code).toBe(0);
  builds.push({ name: 'demo', root: REPO, build: demo, users: 4 });
  for (const routing of ['global', 'cn-direct'] as const) {
    const root = writeFullFleet({ routing });
    fleets.push(root);
    const build = join(root, 'build');
    const r = await fleet(['render', '--root', root, '--now', FULL_NOW, '--out', build], { FLEET_SECRET: FULL_SECRET });
    expect(r.code, r.err).toBe(0);
    builds.push({ name: `full ${routing}`, root, build, users: 5 });
  }
});
afterAll(() => {
  cleanTemps();
  for (const f of fleets) rmSync(f, { recursive: true, force: true });
});

describe('the tools', () => {
  it('pin the same sing-box the demo fleet runs', () => {
    const fleetYaml = parse(readFileSync(join(REPO, 'fleet.yaml'), 'utf8'));
    expect(fleetYaml.singbox.version).toBe(TOOL_VERSIONS.singbox.pinned);
  });
});

describe.each(SINGBOX_VERSIONS)('sing-box %s check', (version) => {
  it.each(['demo', 'full global', 'full cn-direct'])('passes every config of the %s fleet', async (name) => {
    const b = builds.find((x) => x.name === name)!;
    const r = await fleet(['check-configs', '--singbox', singboxBin(version), '--build', b.build, '--root', b.root], {});
    expect(r.out).not.toMatch(/^FAIL/m);
    expect(r.code).toBe(0);
    const nodes = readdirSync(join(b.build, 'nodes')).length;
    expect(r.out).toContain(`sing-box version ${version}: ${nodes + b.users} of ${nodes + b.users} config(s) pass`);
  });
});

describe('mihomo -t', () => {
  it.each(['demo', 'full global', 'full cn-direct'])('accepts every profile of the %s fleet', async (name) => {
    const b = builds.find((x) => x.name === name)!;
    const users = readdirSync(join(b.build, 'users')).sort();
    expect(users.length).toBe(b.users);
    for (const u of users) {
      const home = mkdtempSync(join(tmpdir(), 'boxfleet-mihomo-'));
      try {
        const { stdout } = await exec('unshare', ['--net', mihomoBin(), '-t', '-d', home, '-f', join(b.build, 'users', u, 'mihomo.yaml')], { timeout: 60_000 });
        expect(stdout).toContain('test is successful');
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    }
  });

  it('runs through `fleet check-configs --mihomo` too, as the validate workflow runs it (here in an empty network namespace)', async () => {
    const b = builds.find((x) => x.name === 'full cn-direct')!;
    const { stdout } = await exec('unshare', ['--net', process.execPath, '--import', 'tsx', join(REPO, 'scripts/fleet.ts'), 'check-configs',
      '--singbox', singboxBin(), '--mihomo', mihomoBin(), '--build', b.build, '--root', b.root], { cwd: REPO, timeout: 120_000 });
    expect(stdout).toContain(`Mihomo Meta ${TOOL_VERSIONS.mihomo} linux amd64`);
    expect(stdout).toMatch(new RegExp(`: ${b.users} of ${b.users} profile\\(s\\) pass \`mihomo -t\``));
    expect(stdout).toMatch(/config\(s\) pass `sing-box check`/);
    expect(stdout).not.toMatch(/^FAIL/m);
  });

  it('rejects a profile with a real mistake (a group naming a proxy that does not exist)', async () => {
    const b = builds.find((x) => x.name === 'demo')!;
    const text = readFileSync(join(b.build, 'users/alice/mihomo.yaml'), 'utf8');
    // In a group's member list (`proxies: [auto, …, Tokyo 1 · Reality, …]`), not the proxy itself.
    const broken = text.replace(/(proxies: \[[^\]\n]*)Tokyo 1 · Reality/, '$1No such proxy');
    expect(broken).not.toBe(text);
    const file = join(tempDir(), 'broken.yaml');
    writeFileSync(file, broken);
    const home = tempDir();
    await expect(exec('unshare', ['--net', mihomoBin(), '-t', '-d', home, '-f', file], { timeout: 60_000 })).rejects.toMatchObject({ stdout: expect.stringMatching(/No such proxy/) });
  });
});
