// Recovery from blocking, decided from probe runs (scripts/recovery/): detection per inbound
// and region with its guards, the decisions and their guards, the record on a real status
// branch (a bare Git repository) and the site that applies it to users in that region only.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../scripts/fleet.ts';
import { loadFleet } from '../../scripts/model/load.ts';
import type { Fleet } from '../../scripts/model/types.ts';
import { decide } from '../../scripts/recovery/decide.ts';
import { findBlocks } from '../../scripts/recovery/detect.ts';
import { foldRecovery } from '../../scripts/recovery/state.ts';
import { issueBody, telegramRecovery } from '../../scripts/alert/text.ts';
import { viewOf } from '../../scripts/status/reader.ts';
import type { ProbeRun, RecoveryEvent } from '../../scripts/status/types.ts';
import { at, cleanTemps, fleetRoot, Store, tempDir } from '../alert/helpers.ts';
import { startGitHubStandIn } from '../stand-ins/github/index.ts';

afterAll(cleanTemps);

const STANDBY = { type: 'vless-reality', port: 2443, handshake_server: 'www.example.org', standby: true };
const PUBLISHED = 'vless-reality-443';
const SPARE = 'vless-reality-2443';

/** The demo fleet, recovery on, tokyo-1 with a standby Reality inbound on another port and server name. */
function root(recovery: Record<string, unknown> = { mode: 'auto', after: '30m', restore_after: '2h', max_per_day: 2 }): string {
  const r = fleetRoot([
    { file: 'fleet.yaml', path: ['recovery'], value: recovery },
    { file: 'nodes/tokyo-1.yaml', path: ['inbounds', 3], value: STANDBY },
  ]);
  return r;
}

function load(dir: string): Fleet {
  const r = loadFleet(dir, new Date(at(0)));
  if (!r.fleet) throw new Error(JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error')));
  return r.fleet;
}

/**
 * A run from one vantage: every inbound of every node passes, except the `failing` ones
 * ("node/tag"); `dead` = the vantage's own network is gone (nothing passes).
 */
function run(fleet: Fleet, vantage: string, region: string, minutes: number, failing: string[] = [], dead = false): ProbeRun {
  return {
    schema_version: 1, time: at(minutes), vantage: { name: vantage, region }, probe_url_host: 'probe.test', timeout_ms: 2000, duration_ms: 10, demo: true,
    nodes: fleet.nodes.map((n) => ({
      node: n.name, region: n.region, maintenance: false, state: 'up' as const,
      endpoints: n.inbounds.map((i) => {
        const ok = !dead && !failing.includes(`${n.name}/${i.tag}`);
        return { node: n.name, tag: i.tag, type: i.type, deepest: ok ? 'proxy' as const : 'none' as const, ok, ...(ok ? {} : { error: 'timeout' as const }), latency_ms: ok ? { tcp: 5, tls: 9, proxy: 20 } : {} };
      }),
    })),
  };
}

/** Runs every 10 minutes from both demo vantages (github in us, home-cn in cn) over [from, to]. */
function series(fleet: Fleet, from: number, to: number, cnFailing: string[], opts: { cnDead?: boolean } = {}): ProbeRun[] {
  const out: ProbeRun[] = [];
  for (let m = from; m <= to; m += 10) out.push(run(fleet, 'github', 'us', m), run(fleet, 'home-cn', 'cn', m + 1, cnFailing, opts.cnDead));
  return out;
}

describe('validate', () => {
  it('warns about a standby nothing will promote; refuses a node of standbys only', () => {
    const off = loadFleet(root({ mode: 'off' }), new Date(at(0))).diagnostics;
    expect(off.find((d) => /standby inbound, but fleet.yaml `recovery.mode` is off/.test(d.message))).toMatchObject({ severity: 'warning', line: expect.any(Number) });
    const only = fleetRoot([
      { file: 'fleet.yaml', path: ['recovery'], value: { mode: 'auto' } },
      { file: 'nodes/tokyo-1.yaml', path: ['inbounds'], value: [STANDBY] },
    ]);
    const errors = loadFleet(only, new Date(at(0))).diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.message)).toEqual(['every inbound of `tokyo-1` is a standby: no user gets this node']);
  });
});

describe('detection', () => {
  const fleet = load(root());

  it('blocked once it failed from cn for recovery.after, at least two runs, while us reached it', () => {
    const runs = series(fleet, 0, 40, [`tokyo-1/${PUBLISHED}`]);
    const early = findBlocks(fleet, runs.filter((r) => r.time <= at(21)), new Date(at(22)));
    expect(early.find((f) => f.node === 'tokyo-1' && f.inbound === PUBLISHED && f.region === 'cn')).toMatchObject({ blocked: false, reason: expect.stringMatching(/less than recovery.after/) });
    const f = findBlocks(fleet, runs, new Date(at(42))).filter((x) => x.blocked);
    expect(f).toEqual([expect.objectContaining({ region: 'cn', node: 'tokyo-1', inbound: PUBLISHED, kind: 'inbound', failing: { since: at(1), runs: 5, vantages: ['home-cn'] } })]);
  });

  it('one failing run, a vantage whose own network is gone, or a node down everywhere block nothing', () => {
    const one = findBlocks(fleet, [run(fleet, 'github', 'us', 0), run(fleet, 'home-cn', 'cn', 1, [`tokyo-1/${PUBLISHED}`])], new Date(at(60)));
    expect(one.find((f) => f.node === 'tokyo-1' && f.inbound === PUBLISHED)?.reason).toMatch(/one failing run/);
    const dead = findBlocks(fleet, series(fleet, 0, 60, [], { cnDead: true }), new Date(at(62)));
    expect(dead.filter((f) => f.blocked)).toEqual([]);
    expect(dead.find((f) => f.node === 'tokyo-1' && f.inbound === PUBLISHED)?.reason).toMatch(/own network/);
    const everywhere = series(fleet, 0, 60, [`tokyo-1/${PUBLISHED}`]).map((r) => (r.vantage.name === 'github' ? run(fleet, 'github', 'us', Date.parse(r.time) / 60_000 - Date.parse(at(0)) / 60_000, [`tokyo-1/${PUBLISHED}`]) : r));
    expect(findBlocks(fleet, everywhere, new Date(at(62))).find((f) => f.node === 'tokyo-1' && f.region === 'cn' && f.inbound === PUBLISHED)?.reason).toMatch(/down, not blocked/);
  });

  it('says what kind of block it looks like: the whole address, one port, one server name', () => {
    const tokyo = fleet.nodes.find((n) => n.name === 'tokyo-1')!;
    const all = tokyo.inbounds.map((i) => `tokyo-1/${i.tag}`);
    const kinds = (failing: string[]) => findBlocks(fleet, series(fleet, 0, 40, failing), new Date(at(42))).filter((f) => f.blocked).map((f) => `${f.inbound}:${f.kind}`);
    expect(kinds(all)).toEqual(tokyo.inbounds.map((i) => `${i.tag}:address`));
    // vless-reality-443 and hysteria2-443 share port 443.
    expect(kinds(['tokyo-1/vless-reality-443', 'tokyo-1/hysteria2-443'])).toEqual(['vless-reality-443:port', 'hysteria2-443:port']);
  });

  it('a node with a second address (`addresses:`): every inbound on one address failing is that address blocked', () => {
    const dir = fleetRoot([
      { file: 'fleet.yaml', path: ['recovery'], value: { mode: 'auto', after: '30m', restore_after: '2h', max_per_day: 2 } },
      { file: 'nodes/tokyo-1.yaml', path: ['addresses'], value: ['203.0.113.11'] },
      { file: 'nodes/tokyo-1.yaml', path: ['inbounds', 3], value: { type: 'trojan', port: 9443, standby: true, address: '203.0.113.11' } },
    ]);
    const two = load(dir);
    const tokyo = two.nodes.find((n) => n.name === 'tokyo-1')!;
    const first = tokyo.inbounds.filter((i) => i.address === undefined).map((i) => `tokyo-1/${i.tag}`);
    const findings = findBlocks(two, series(two, 0, 40, first), new Date(at(42)));
    expect(findings.filter((f) => f.blocked).map((f) => `${f.inbound}:${f.kind}`)).toEqual(first.map((k) => `${k.split('/')[1]}:address`));
    // The standby on the other address passes from cn: the block is answered by promoting it.
    const { events } = decide(two, findings, [], new Date(at(42)));
    expect(events.find((e) => e.standby)?.standby).toBe('trojan-9443');
  });

  it('counts only vantages fleet.yaml declares, in their declared region', () => {
    const forged = series(fleet, 0, 60, []).concat(series(fleet, 0, 60, [`tokyo-1/${PUBLISHED}`]).filter((r) => r.vantage.name === 'home-cn').map((r) => ({ ...r, vantage: { name: 'rogue', region: 'cn' } })));
    expect(findBlocks(fleet, forged, new Date(at(62))).filter((f) => f.blocked)).toEqual([]);
  });
});

describe('decisions', () => {
  const fleet = load(root());
  const blockedAt = (failing: string[], minutes = 40) => findBlocks(fleet, series(fleet, 0, minutes, failing), new Date(at(minutes + 2)));

  it('withdraws the blocked inbound for cn and promotes the standby; restores after restore_after of clean runs', () => {
    const first = decide(fleet, blockedAt([`tokyo-1/${PUBLISHED}`]), [], new Date(at(42)));
    expect(first.events).toEqual([expect.objectContaining({ region: 'cn', node: 'tokyo-1', action: 'withdraw', inbound: PUBLISHED, standby: SPARE, kind: 'inbound' })]);
    // The same evidence again decides nothing new.
    expect(decide(fleet, blockedAt([`tokyo-1/${PUBLISHED}`]), first.events, new Date(at(42))).events).toEqual([]);
    // Clean again from minute 50: not before 2 h of clean runs, then restored.
    const runs = [...series(fleet, 0, 40, [`tokyo-1/${PUBLISHED}`]), ...series(fleet, 50, 200, [])];
    const soon = decide(fleet, findBlocks(fleet, runs.filter((r) => r.time <= at(120)), new Date(at(122))), first.events, new Date(at(122)));
    expect(soon.events).toEqual([]);
    const later = decide(fleet, findBlocks(fleet, runs, new Date(at(202))), first.events, new Date(at(202)));
    expect(later.events).toEqual([expect.objectContaining({ action: 'restore', region: 'cn', inbound: PUBLISHED, standby: SPARE })]);
  });

  it('never promotes a standby that fails there too, never withdraws the last working inbound', () => {
    const tokyo = fleet.nodes.find((n) => n.name === 'tokyo-1')!;
    const all = tokyo.inbounds.map((i) => `tokyo-1/${i.tag}`);
    const d = decide(fleet, blockedAt(all), [], new Date(at(42)));
    // Nothing moves; the block is said once, for the node (the whole address), so the incident can tell why.
    expect(d.events).toEqual([expect.objectContaining({ action: 'hold', region: 'cn', node: 'tokyo-1', kind: 'address', reason: 'no-standby' })]);
    expect(d.notes.join('\n')).toMatch(/tokyo-1 vless-reality-443 is blocked in cn \(address\): nothing changed — no standby left/);
    expect(decide(fleet, blockedAt(all, 50), d.events, new Date(at(52))).events).toEqual([]);
    expect(foldRecovery(d.events)).toEqual(foldRecovery([]));
  });

  it('at most max_per_day promotions per region in 24 hours; past it, others carry on without a promotion', () => {
    const onePerDay = load(root({ mode: 'auto', after: '30m', restore_after: '2h', max_per_day: 1 }));
    const earlier: RecoveryEvent[] = [{ t: at(-60), region: 'cn', node: 'osaka-1', action: 'withdraw', inbound: 'x-1', standby: 'y-1', evidence: { since: at(-120), runs: 3, vantages: ['home-cn'] } }];
    const d = decide(onePerDay, findBlocks(onePerDay, series(onePerDay, 0, 40, [`tokyo-1/${PUBLISHED}`]), new Date(at(42))), earlier, new Date(at(42)));
    expect(d.events).toEqual([expect.objectContaining({ action: 'withdraw', inbound: PUBLISHED })]);
    expect(d.events[0].standby).toBeUndefined();
    expect(d.notes.join('\n')).toMatch(/no promotion: 1 already in 24 h in cn/);
  });
});

describe('the incident says what recovery did', () => {
  it('in the issue and under the Telegram line, escaped for each', () => {
    const events: RecoveryEvent[] = [
      { t: at(40), region: 'cn', node: 'tokyo-1', action: 'withdraw', inbound: PUBLISHED, standby: SPARE, kind: 'port', evidence: { since: at(1), runs: 4, vantages: ['home-cn'] } },
      { t: at(41), region: 'cn', node: 'osaka-1', action: 'hold', inbound: 'trojan-443', kind: 'address', reason: 'no-standby', evidence: { since: at(2), runs: 4, vantages: ['home-cn'] } },
    ];
    const view = viewOf({ runs: new Map(), history: new Map(), incidents: new Map(), recovery: new Map([[at(0).slice(0, 7), { schema_version: 1, month: at(0).slice(0, 7), events }]]), usage: new Map() });
    const state = { state: 'degraded' as const, since: at(0), last_change: at(0) };
    const open = { kind: 'open' as const, node: { name: 'tokyo-1', title: 'Tokyo <1>', region: 'asia-east' }, state, runs: 4 };
    const body = issueBody(open, view, undefined, false);
    expect(body).toContain('**Recovery**');
    expect(body).toMatch(/tokyo-1 vless-reality-443 withdrawn for users in cn \(blocked there: one port; .*\); standby vless-reality-2443 promoted in its place/);
    expect(body).not.toContain('osaka-1');
    expect(telegramRecovery(open, view)).toEqual([expect.stringMatching(/^ {2}↳ tokyo-1 vless-reality-443 withdrawn for users in cn/)]);
    const osaka = { ...open, node: { name: 'osaka-1', title: 'Osaka', region: 'asia-east' } };
    expect(telegramRecovery(osaka, view)).toEqual([expect.stringMatching(/osaka-1 blocked in cn \(the whole address\): nothing changed — no standby left/)]);
    // Only what happened since this trouble began.
    expect(telegramRecovery({ ...open, state: { ...state, since: at(45) } }, view)).toEqual([]);
  });
});

/** A `fleet` command in this process at minute `minutes` of the test clock. */
async function fleetCmd(dir: string, argv: string[], minutes: number, env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...argv, '--root', dir, '--now', at(minutes)], { out: (t) => out.push(t), err: (t) => err.push(t) }, { PATH: process.env.PATH, ...env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('fleet recovery and fleet site', () => {

  it('records the decision on the status branch; the site moves cn users to the standby, and no one else', async () => {
    const dir = root();
    const fleet = load(dir);
    const store = new Store().add(...series(fleet, 0, 40, [`tokyo-1/${PUBLISHED}`]));
    const bare = tempDir();
    execFileSync('git', ['init', '--quiet', '--bare', bare]);
    const rec = await fleetCmd(dir, ['recovery', '--status', store.dir, '--record', '--repo', bare], 42);
    expect(rec.code, rec.err).toBe(0);
    expect(rec.out).toMatch(/blocked: tokyo-1 vless-reality-443 in cn \(inbound\)/);
    expect(rec.out).toMatch(/recorded: tokyo-1 vless-reality-443 withdrawn for users in cn .*; standby vless-reality-2443 promoted in its place/);

    const pulled = tempDir();
    expect((await fleetCmd(dir, ['status', 'pull', '--repo', bare, '--out', pulled], 43)).code).toBe(0);
    const events = JSON.parse(readFileSync(join(pulled, 'recovery', `${at(0).slice(0, 7)}.json`), 'utf8')).events as RecoveryEvent[];
    expect(events.map((e) => [e.action, e.region, e.inbound, e.standby])).toEqual([['withdraw', 'cn', PUBLISHED, SPARE]]);
    // A second run with the same evidence records nothing more.
    const again = await fleetCmd(dir, ['recovery', '--status', pulled, '--record', '--repo', bare], 44);
    expect(again.out).not.toMatch(/recorded:/);

    // The site: alice is in cn, erin is not (demo users). The demo's self-signed node gets this secret's certificate first.
    const secret = { FLEET_SECRET: 'recovery-test-secret-0123456789abcdef0123456789abcdef' };
    expect((await fleetCmd(dir, ['node', 'cert', 'frankfurt-1', '--replace'], 45, secret)).code).toBe(0);
    const out = tempDir();
    const site = await fleetCmd(dir, ['site', '--status', pulled, '--out', out], 45, secret);
    expect(site.code, site.err).toBe(0);
    const links = JSON.parse((await fleetCmd(dir, ['links', '--format', 'json'], 45, secret)).out) as { user: string; url: string }[];
    const profileOf = (user: string) => {
      const token = links.find((l) => l.user === user)!.url.split('/s/')[1].split('/')[0];
      return JSON.parse(readFileSync(join(out, 's', token, 'sing-box.json'), 'utf8')) as { outbounds: { server?: string; server_port?: number; tls?: { server_name?: string } }[] };
    };
    const tokyoPorts = (user: string) => profileOf(user).outbounds.filter((o) => o.server === '203.0.113.10').map((o) => `${o.server_port}:${o.tls?.server_name ?? ''}`).sort();
    expect(tokyoPorts('alice')).toContain('2443:www.example.org');
    expect(tokyoPorts('alice')).not.toContain('443:www.example.com');
    expect(tokyoPorts('erin')).toContain('443:www.example.com');
    expect(tokyoPorts('erin')).not.toContain('2443:www.example.org');
  });

  it('in mode off it only reports, and without --record nothing is written', async () => {
    const dir = root({ mode: 'off' });
    const fleet = load(dir);
    const store = new Store().add(...series(fleet, 0, 40, [`tokyo-1/${PUBLISHED}`]));
    const r = await fleetCmd(dir, ['recovery', '--status', store.dir, '--record', '--repo', '/nonexistent/never-touched'], 42);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/would be \(recovery.mode is off: nothing is recorded\): tokyo-1 vless-reality-443 withdrawn/);
  });

  it('a standby is in no one’s profile until promoted', async () => {
    const dir = root();
    const out = tempDir();
    expect((await fleetCmd(dir, ['site', '--out', out], 0)).code).toBe(0);
    const profiles = readdirSync(join(out, 's'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('sing-box.json'));
    expect(profiles.length).toBeGreaterThan(1);
    for (const f of profiles) expect(readFileSync(join(out, 's', f), 'utf8'), f).not.toMatch(/"server_port":2443/);
  });
});

describe('recovery.mode propose: one pull request per promotion (GitHub stand-in, a real Git origin)', () => {
  const git = (dir: string, ...argv: string[]) => execFileSync('git', ['-C', dir, ...argv], { encoding: 'utf8' }).trim();

  /** The fleet as a Git checkout of `origin` (a bare repository), as Actions checks it out. */
  function checkout(dir: string): string {
    const origin = tempDir();
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch', 'main', origin]);
    git(dir, 'init', '--quiet', '--initial-branch', 'main');
    git(dir, 'add', '-A');
    git(dir, '-c', 'user.name=op', '-c', 'user.email=op@example.org', 'commit', '--quiet', '-m', 'fleet');
    git(dir, 'remote', 'add', 'origin', origin);
    git(dir, 'push', '--quiet', 'origin', 'main');
    return origin;
  }

  it('opens exactly one pull request that makes the promotion permanent, keeps comments, validates, and dispatches validation', async () => {
    const dir = root({ mode: 'propose', after: '30m', restore_after: '2h', max_per_day: 2 });
    const origin = checkout(dir);
    const fleet = load(dir);
    const statusRepo = tempDir();
    execFileSync('git', ['init', '--quiet', '--bare', statusRepo]);
    const store = new Store().add(...series(fleet, 0, 40, [`tokyo-1/${PUBLISHED}`]));
    const rec = await fleetCmd(dir, ['recovery', '--status', store.dir, '--record', '--repo', statusRepo], 42);
    expect(rec.code, rec.err).toBe(0);
    const pulled = tempDir();
    expect((await fleetCmd(dir, ['status', 'pull', '--repo', statusRepo, '--out', pulled], 43)).code).toBe(0);

    const gh = await startGitHubStandIn();
    try {
      const env = { GITHUB_TOKEN: 'test-token', GITHUB_REPOSITORY: 'acme/fleet', GITHUB_API_URL: gh.url, GITHUB_REF_NAME: 'main' };
      const before = readFileSync(join(dir, 'nodes/tokyo-1.yaml'), 'utf8');
      const p = await fleetCmd(dir, ['github', 'propose-recovery', '--status', pulled], 44, env);
      expect(p.code, p.err + p.out).toBe(0);
      const branch = `boxfleet/recovery/tokyo-1/${PUBLISHED}-to-${SPARE}`;
      expect(p.out).toBe(`tokyo-1: proposed in #1, validation dispatched: recovery: publish ${SPARE} instead of ${PUBLISHED} on tokyo-1 (blocked in cn)`);
      expect(gh.violations).toEqual([]);
      const prs = gh.issues.filter((i) => i.pull_request);
      expect(prs.map((i) => [i.head?.ref, i.base])).toEqual([[branch, 'main']]);
      expect(prs[0]!.body).toContain(`blocked in cn (inbound) since ${at(1)}`);
      expect(gh.dispatches).toEqual([{ workflow_id: 'validate.yml', ref: branch, inputs: { pr: '1', base: git(dir, 'rev-parse', 'HEAD') } }]);

      // The branch on origin: one commit on main changing one file, standby moved, comments kept.
      expect(git(origin, 'rev-parse', `${branch}~1`)).toBe(git(dir, 'rev-parse', 'HEAD'));
      expect(git(origin, 'diff', '--name-only', 'main', branch)).toBe('nodes/tokyo-1.yaml');
      const after = git(origin, 'show', `${branch}:nodes/tokyo-1.yaml`);
      const comments = (t: string) => t.split('\n').filter((l) => l.trim().startsWith('#'));
      expect(comments(after)).toEqual(comments(before));
      const merged = tempDir();
      execFileSync('git', ['clone', '--quiet', '--branch', branch, origin, merged]);
      const m = load(merged).nodes.find((n) => n.name === 'tokyo-1')!;
      expect(m.inbounds.find((i) => i.tag === PUBLISHED)!.standby).toBe(true);
      expect(m.inbounds.find((i) => i.tag === SPARE)!.standby).toBeFalsy();
      expect((await fleetCmd(merged, ['validate'], 44)).code).toBe(0);
      // The checkout it ran in is untouched: working tree and index.
      expect(git(dir, 'status', '--porcelain')).toBe('');
      expect(readFileSync(join(dir, 'nodes/tokyo-1.yaml'), 'utf8')).toBe(before);

      // Every later probe run asks again: the block flaps, the pull request is closed: never a second one.
      const again = await fleetCmd(dir, ['github', 'propose-recovery', '--status', pulled], 60, env);
      expect(again.out).toMatch(/^tokyo-1: already proposed in #1 \(open\)/);
      gh.issues.find((i) => i.number === 1)!.state = 'closed';
      // The runs of the next hours beside the decisions recorded so far, as the probe workflow pulls them.
      const store2 = new Store().add(...series(fleet, 0, 40, [`tokyo-1/${PUBLISHED}`]), ...series(fleet, 50, 190, []));
      const decideAt = async (minute: number) => {
        expect((await fleetCmd(dir, ['status', 'pull', '--repo', statusRepo, '--out', pulled], minute)).code).toBe(0);
        cpSync(join(pulled, 'recovery'), join(store2.dir, 'recovery'), { recursive: true });
        expect((await fleetCmd(dir, ['recovery', '--status', store2.dir, '--record', '--repo', statusRepo], minute)).code).toBe(0);
      };
      await decideAt(195); // clean for restore_after: restored
      store2.add(...series(fleet, 200, 250, [`tokyo-1/${PUBLISHED}`]));
      await decideAt(252); // blocked again: the standby promoted again
      expect((await fleetCmd(dir, ['status', 'pull', '--repo', statusRepo, '--out', pulled], 253)).code).toBe(0);
      const recorded = JSON.parse(readFileSync(join(pulled, 'recovery', `${at(0).slice(0, 7)}.json`), 'utf8')).events as RecoveryEvent[];
      expect(recorded.map((e) => e.action)).toEqual(['withdraw', 'restore', 'withdraw']);
      const flapped = await fleetCmd(dir, ['github', 'propose-recovery', '--status', pulled], 253, env);
      expect(flapped.out).toMatch(/^tokyo-1: already proposed in #1 \(closed\)/);
      expect(gh.issues.filter((i) => i.pull_request)).toHaveLength(1);
      expect(gh.dispatches).toHaveLength(1);
    } finally {
      await gh.stop();
    }
  });

  it('a repository that does not let Actions open pull requests: exit 1, and the setting to change', async () => {
    const dir = root({ mode: 'propose', after: '30m', restore_after: '2h', max_per_day: 2 });
    checkout(dir);
    const fleet = load(dir);
    const statusRepo = tempDir();
    execFileSync('git', ['init', '--quiet', '--bare', statusRepo]);
    const store = new Store().add(...series(fleet, 0, 40, [`tokyo-1/${PUBLISHED}`]));
    expect((await fleetCmd(dir, ['recovery', '--status', store.dir, '--record', '--repo', statusRepo], 42)).code).toBe(0);
    const pulled = tempDir();
    expect((await fleetCmd(dir, ['status', 'pull', '--repo', statusRepo, '--out', pulled], 43)).code).toBe(0);
    const gh = await startGitHubStandIn();
    try {
      gh.failNext({ status: 403, message: 'GitHub Actions is not permitted to create or approve pull requests.', operationId: 'pulls/create' });
      const p = await fleetCmd(dir, ['github', 'propose-recovery', '--status', pulled], 44, { GITHUB_TOKEN: 'test-token', GITHUB_REPOSITORY: 'acme/fleet', GITHUB_API_URL: gh.url });
      expect(p.code).toBe(1);
      expect(p.out).toMatch(/^tokyo-1: not proposed: opening the pull request from boxfleet\/recovery\/tokyo-1\/\S+ failed \(HTTP 403\): GitHub Actions is not permitted .* — allow it under Settings → Actions → General → Workflow permissions/);
      expect(gh.dispatches).toEqual([]);
    } finally {
      await gh.stop();
    }
  });

  it('in modes auto and off nothing is proposed and GitHub is not asked', async () => {
    for (const mode of ['auto', 'off']) {
      const dir = root({ mode, after: '30m', restore_after: '2h', max_per_day: 2 });
      const r = await fleetCmd(dir, ['github', 'propose-recovery', '--status', new Store().dir], 44, {});
      expect(r.code, r.err).toBe(0);
      expect(r.out).toBe(`recovery.mode is ${mode}: nothing is proposed`);
    }
  });
});
