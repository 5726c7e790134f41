// The commands the workflows run around the site and the configs: check-configs with the
// sing-box stand-in on the demo render, publish-guard on demo and real builds, status
// changed on two latest.json files, and the deploy shards.
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanTemps, fleet, REPO, tempDir } from './helpers.ts';
import { execFileSync } from 'node:child_process';
import { singboxBin } from '../tools/index.ts';

const SINGBOX = singboxBin();
let build: string;

beforeAll(async () => {
  build = join(tempDir(), 'build');
  const r = await fleet(['render', '--out', build], {});
  expect(r.code).toBe(0);
});
afterAll(() => cleanTemps());

describe('fleet check-configs', () => {
  it('passes the demo render, node configs and client profiles, with TLS files it made itself', async () => {
    // The node configs name TLS files this machine does not have: the real sing-box
    // fails on the original; check-configs gives it placeholders.
    const frankfurt = join(build, 'nodes/frankfurt-1/config.json');
    expect(readFileSync(frankfurt, 'utf8')).toContain('/etc/sing-box/tls/frankfurt-1.crt');
    expect(existsSync('/etc/sing-box/tls/frankfurt-1.crt')).toBe(false);
    expect(() => execFileSync(SINGBOX, ['check', '-c', frankfurt], { stdio: 'pipe' })).toThrow();

    const summary = join(tempDir(), 'summary.md');
    writeFileSync(summary, '');
    const r = await fleet(['check-configs', '--singbox', SINGBOX, '--build', build, '--format', 'github'], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    for (const f of ['nodes/frankfurt-1/config.json', 'nodes/singapore-1/config.json', 'nodes/tokyo-1/config.json', 'users/alice/sing-box.json']) expect(lines).toContain(`ok    ${f}`);
    expect(r.out).toMatch(/7 of 7 config\(s\) pass/);
    expect(readFileSync(summary, 'utf8')).toMatch(/### sing-box check[\s\S]*\| `users\/frank\/sing-box\.json` \| ok \|/);
    // The render itself is unchanged (checks run on copies).
    expect(readFileSync(frankfurt, 'utf8')).toContain('"certificate_path": "/etc/sing-box/tls/frankfurt-1.crt"');
  });

  it('fails on a broken config and names the file', async () => {
    const broken = join(tempDir(), 'build');
    cpSync(build, broken, { recursive: true });
    const alice = join(broken, 'users/alice/sing-box.json');
    const cfg = JSON.parse(readFileSync(alice, 'utf8'));
    // A real mistake the real sing-box rejects: a misspelt field.
    cfg.route.auto_detect_interfaces = true;
    writeFileSync(alice, JSON.stringify(cfg));
    writeFileSync(join(broken, 'nodes/tokyo-1/config.json'), '{ "inbounds": [');
    const r = await fleet(['check-configs', '--singbox', SINGBOX, '--build', broken, '--format', 'github'], { GITHUB_ACTIONS: 'true' });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL  users\/alice\/sing-box\.json: .*auto_detect_interfaces/m);
    expect(r.out).toMatch(/^FAIL  nodes\/tokyo-1\/config\.json: not JSON/m);
    expect(r.out).toMatch(/^ok    nodes\/frankfurt-1\/config\.json$/m);
    expect(r.out).toMatch(/5 of 7 config\(s\) pass/);
    expect(r.out).toMatch(/^::error title=sing-box check .*::users\/alice\/sing-box\.json: /m);
    // The temporary copy's path never reaches the report.
    expect(r.out).not.toMatch(/boxfleet-check-/);
  });

  it('refuses an empty build and a binary that does not run', async () => {
    expect((await fleet(['check-configs', '--singbox', SINGBOX, '--build', tempDir()], {})).code).toBe(1);
    const r = await fleet(['check-configs', '--singbox', '/nonexistent/sing-box', '--build', build], {});
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/does not run/);
  });
});

describe('fleet publish-guard', () => {
  it('refuses a demo build', async () => {
    const site = join(tempDir(), 'site');
    expect((await fleet(['site', '--out', site], {})).code).toBe(0);
    const summary = join(tempDir(), 'summary.md');
    writeFileSync(summary, '');
    const r = await fleet(['publish-guard', '--site', site], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is a demo build/);
    expect(readFileSync(summary, 'utf8')).toMatch(/### Publish refused/);
    // Even with the marker file gone (dotfiles stripped), the pages' meta tag still tells.
    rmSync(join(site, '.boxfleet-demo'));
    expect((await fleet(['publish-guard', '--site', site], {})).code).toBe(1);
  });

  it('passes a real build and tells the workflow the host; refuses it without robots.txt', async () => {
    const site = join(tempDir(), 'site');
    const secret = randomBytes(48).toString('base64');
    // A real secret: the demo's self-signed certificate is made again for it, as an operator would.
    const root = tempDir();
    for (const p of ['fleet.yaml', 'nodes', 'users']) cpSync(join(REPO, p), join(root, p), { recursive: true });
    expect((await fleet(['node', 'cert', 'frankfurt-1', '--replace'], { FLEET_SECRET: secret }, root)).code).toBe(0);
    expect((await fleet(['site', '--out', site], { FLEET_SECRET: secret }, root)).code).toBe(0);
    const output = join(tempDir(), 'output');
    writeFileSync(output, '');
    const ok = await fleet(['publish-guard', '--site', site], { GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: output });
    expect(ok.code).toBe(0);
    expect(readFileSync(output, 'utf8')).toMatch(/^host<<(EOF_[0-9a-f]+)\ngithub-pages\n\1\n$/);
    expect(`${ok.out}${ok.err}`).not.toContain(secret);
    rmSync(join(site, 'robots.txt'));
    const bad = await fleet(['publish-guard', '--site', site], {});
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/no robots\.txt/);
  });
});

describe('fleet status changed', () => {
  const latest = (states: Record<string, string>) => JSON.stringify({
    schema_version: 1, updated: '2026-11-26T12:00:00Z',
    nodes: Object.fromEntries(Object.entries(states).map(([n, state]) => [n, { state, since: '2026-11-26T11:00:00Z', blocked_in: [], maintenance: false, vantages: {} }])),
  });

  it('says which node changed health, and sets the step output', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'a.json'), latest({ 'tokyo-1': 'up', 'frankfurt-1': 'up' }));
    writeFileSync(join(d, 'b.json'), latest({ 'tokyo-1': 'down', 'frankfurt-1': 'up' }));
    writeFileSync(join(d, 'out'), '');
    const r = await fleet(['status', 'changed', '--before', join(d, 'a.json'), '--after', join(d, 'b.json')], { GITHUB_OUTPUT: join(d, 'out') });
    expect(r.code).toBe(0);
    expect(r.out).toBe('tokyo-1: up → down');
    expect(readFileSync(join(d, 'out'), 'utf8')).toMatch(/^changed<<EOF_\w+\ntrue\n/);
    expect((await fleet(['status', 'changed', '--before', join(d, 'a.json'), '--after', join(d, 'b.json'), '--exit-code'], {})).code).toBe(3);
  });

  it('no change, a first run (nothing before), and an invalid file', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'a.json'), latest({ 'tokyo-1': 'up' }));
    writeFileSync(join(d, 'out'), '');
    const same = await fleet(['status', 'changed', '--before', join(d, 'a.json'), '--after', join(d, 'a.json')], { GITHUB_OUTPUT: join(d, 'out') });
    expect(same.out).toBe('no node changed health');
    expect(readFileSync(join(d, 'out'), 'utf8')).toMatch(/\nfalse\n/);
    const first = await fleet(['status', 'changed', '--before', join(d, 'missing'), '--after', join(d, 'a.json'), '--format', 'json'], {});
    expect(JSON.parse(first.out)).toEqual({ changed: true, changes: [{ node: 'tokyo-1', before: 'unknown', after: 'up' }] });
    writeFileSync(join(d, 'bad.json'), '{"schema_version":1,"updated":"x","nodes":{}}');
    const bad = await fleet(['status', 'changed', '--before', join(d, 'a.json'), '--after', join(d, 'bad.json')], {});
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/bad\.json: not a valid status file: .* — status files are written only by boxfleet's runs: .*restore it from the status branch's history/);
    expect(bad.err).not.toContain('failed:');
    // A wrong --after is an error, not "no node changed health".
    const wrong = await fleet(['status', 'changed', '--before', join(d, 'a.json'), '--after', join(d, 'nowhere', 'latest.json')], {});
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/--after .*nowhere\/latest\.json does not exist — /);
  });
});

describe('fleet github shards', () => {
  it('puts the canary alone and spreads the other nodes over at most N shards', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'out'), '');
    const r = await fleet(['github', 'shards', '--shards', '1'], { GITHUB_OUTPUT: join(d, 'out') });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ canary: 'tokyo-1', shards: ['frankfurt-1,singapore-1'] });
    expect(readFileSync(join(d, 'out'), 'utf8')).toMatch(/matrix<<EOF_\w+\n\["frankfurt-1,singapore-1"\]\n/);
    const many = await fleet(['github', 'shards', '--shards', '20'], {});
    expect(JSON.parse(many.out).shards).toEqual(['frankfurt-1', 'singapore-1']);
    expect((await fleet(['github', 'shards', '--shards', '257'], {})).code).toBe(2);
  });
});
