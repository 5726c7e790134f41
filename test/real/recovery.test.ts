// Recovery from blocking, end to end, against a censor we control. Harness hosts:
//
//   client (cn) ──► censor ──► n1, n2 ──► web (198.19.X.10)      test vantage: the root namespace ──► n1, n2
//
// The censor is a test censor: a namespace that forwards the cn side's packets to the node
// and drops those to a blocked address and port (nftables). n1 runs the real sing-box,
// deployed by `fleet deploy`, with a published Trojan inbound and a standby one on another
// port; n2 has one published inbound and no standby. Probes run as the workflows run them (`fleet probe` from each vantage, `status
// push` to a bare repository standing for the status branch, `fleet recovery --record`,
// `status pull`, `fleet site`), the cn user's client is the real sing-box with the profile
// the site built for it. recovery.mode is propose: auto's decisions plus one pull request
// per promotion, opened by `fleet github propose-recovery` on the GitHub stand-in from a
// Git checkout of the fleet whose origin is a bare repository. Figures go to
// test-results/recovery.md.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { makeTestCa, startSniCensor, startTlsSite, useHosts, type TestHost } from '../harness/index.ts';
import { run } from '../harness/proc.ts';
import { makeTestFleet, markTestHost, TEST_SECRET, type TestFleet } from '../deploy/helpers.ts';
import { installClients, runSingbox } from './clients.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../stand-ins/github/index.ts';
import { put, startWeb } from './world.ts';

const REPO = join(import.meta.dirname, '..', '..');
const PUBLISHED = { type: 'trojan', port: 8444 };
const STANDBY = { type: 'trojan', port: 8446, standby: true };
/** Reality inbounds of n1: two borrowing one server name (the one the SNI censor blocks), a standby borrowing another. */
const NAME_A = 'camo-a.recovery.test';
const NAME_B = 'camo-b.recovery.test';
const REALITY = [
  { type: 'vless-reality', port: 8443, handshake_server: NAME_A, handshake_port: 9443 },
  { type: 'vless-reality', port: 8445, handshake_server: NAME_A, handshake_port: 9443, standby: true },
  { type: 'vless-reality', port: 8447, handshake_server: NAME_B, handshake_port: 9443, standby: true },
];
/** Probe rounds are a minute apart on the fleet's clock (passed as --now): recovery.after is 2m. */
// Starts a minute after the certificates are issued, so every run's clock is inside their validity.
const T0 = (Math.floor(Date.now() / 60_000) + 2) * 60_000;
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

const hosts = useHosts(5, { names: ['n1', 'n2', 'client', 'web', 'censor'] });
let tf: TestFleet;
let node: TestHost, node2: TestHost, client: TestHost, censor: TestHost;
let webUrl: string;
let work: string;
let bare: string;
let origin: string;
let gh: GitHubStandIn;
/** The last probe round a test ran: the next test goes on from there. */
let lastRound = 0;
const figures: string[] = [];

beforeAll(async () => {
  const h = hosts();
  [node, node2, client, , censor] = h.hosts as [TestHost, TestHost, TestHost, TestHost, TestHost];
  const web = h.hosts[3]!;
  const x = h.subnet.base.split('.')[2];
  const webIp = `198.19.${x}.10`;
  webUrl = `http://${webIp}`;
  work = join(REPO, 'test-results', 'recovery-work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const ca = makeTestCa(join(work, 'ca'));

  // The internet behind the node only; the client's way to the node goes through the censor.
  await web.addAddress(`${webIp}/24`);
  for (const n of [node, node2]) {
    await n.addRoute(`198.19.${x}.0/24`);
    await n.addRoute('default');
    await client.addRoute(`${n.ip}/32`, censor.ip);
  }
  await client.addRoute('default', node.ip);
  // A router that says nothing: no ICMP redirect may tell the client to go round it.
  await censor.exec(['sh', '-c', 'sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0'], { check: true });
  await client.exec(['sh', '-c', 'sysctl -qw net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.eth0.accept_redirects=0'], { check: true });
  await startWeb(web, webIp);

  for (const [n, name] of [[node, 'n1'], [node2, 'n2']] as const) {
    const leaf = ca.issue([`${name}.recovery.test`, n.ip]);
    await put(n, `/etc/ssl/boxfleet/${name}.crt`, leaf.certPem);
    await put(n, `/etc/ssl/boxfleet/${name}.key`, leaf.keyPem, '0600');
  }
  // The site n1's Reality inbounds borrow, under both names, on n1's loopback.
  await node.exec(['sh', '-c', `echo "127.0.0.1 ${NAME_A} ${NAME_B}" >> /etc/hosts`], { check: true });
  const camo = ca.issue([NAME_A, NAME_B]);
  await startTlsSite(node, { host: '127.0.0.1', port: 9443, certPem: camo.certPem, keyPem: camo.keyPem });
  await put(client, '/root/ca.pem', ca.rootPem);
  writeFileSync(join(work, 'ca.pem'), ca.rootPem);
  await installClients(client);

  tf = await makeTestFleet(h, {
    now: at(0),
    node: (host, i) => (i > 1 ? undefined : {
      name: `n${i + 1}`, title: `N${i + 1}`, region: 'test', country: 'DE', arch: 'amd64', address: host.ip,
      ssh: { port: 22, user: 'boxfleet', bootstrap_user: 'root', host_keys: [host.hostKey] },
      tls: { mode: 'files', server_name: `n${i + 1}.recovery.test`, certificate_path: `/etc/ssl/boxfleet/n${i + 1}.crt`, key_path: `/etc/ssl/boxfleet/n${i + 1}.key` },
      inbounds: i === 0 ? [PUBLISHED, STANDBY, ...REALITY] : [PUBLISHED],
    }),
    users: [{ name: 'alice', rev: 1, region: 'cn' }, { name: 'erin', rev: 1, region: 'test' }],
    settings: (f) => {
      f.deploy = { canary: 'n1', parallel: 1, max_fail_percent: 0 };
      f.probe = { ...f.probe, url: `${webUrl}/probe`, interval: '1m', timeout: '2s', vantages: [{ name: 'github', region: 'test' }, { name: 'home-cn', region: 'cn', self_hosted: true }] };
      // Three promotions in one day here (port, server name, second address); max_per_day itself is unit-tested.
      f.recovery = { mode: 'propose', after: '2m', restore_after: '3m', max_per_day: 3 };
      f.subscription = { ...f.subscription, url_test: { url: `${webUrl}/generate_204`, interval: '3m', tolerance_ms: 50 } };
      f.site = { ...f.site, base_url: 'http://127.0.0.1:8080' };
    },
  });
  const id = ['--identity', h.clientKeyPath];
  for (const [n, name] of [[node, 'n1'], [node2, 'n2']] as const) {
    await markTestHost(n);
    const b = await tf.cli(['bootstrap', name, ...id]);
    if (b.code !== 0) throw new Error(`bootstrap ${name} failed:\n${b.out}\n${b.err}`);
  }
  const d = await tf.cli(['deploy', ...id]);
  if (d.code !== 0) throw new Error(`deploy failed:\n${d.out}\n${d.err}`);
  bare = join(work, 'status.git');
  execFileSync('git', ['init', '--quiet', '--bare', bare]);
  // The fleet as the probe workflow checks it out: a Git checkout whose origin takes proposals' branches.
  origin = join(work, 'fleet.git');
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch', 'main', origin]);
  const git = (...argv: string[]) => execFileSync('git', ['-C', tf.dir, ...argv], { stdio: 'ignore' });
  git('init', '--quiet', '--initial-branch', 'main');
  git('add', '-A');
  git('-c', 'user.name=op', '-c', 'user.email=op@example.org', 'commit', '--quiet', '-m', 'fleet');
  git('remote', 'add', 'origin', origin);
  git('push', '--quiet', 'origin', 'main');
  gh = await startGitHubStandIn();
}, 240_000);

afterAll(async () => {
  writeFileSync(join(REPO, 'test-results', 'recovery.md'), ['# Recovery from blocking (test/real/recovery.test.ts)', '', ...figures, ''].join('\n'));
  await gh?.stop();
  await tf?.cleanup();
  if (work && !process.env.KEEP_RECOVERY_WORK) rmSync(work, { recursive: true, force: true });
}, 60_000);

const ENV = () => ({ BOXFLEET_PROBE_CA_FILE: join(work, 'ca.pem') });

/** One probe round at `minute`: the us vantage from the root namespace, the cn vantage from the client host (behind the censor); both pushed. */
async function round(minute: number): Promise<void> {
  const us = join(work, `run-us-${minute}.json`);
  const cn = join(work, `run-cn-${minute}.json`);
  const p1 = await tf.cli(['probe', '--vantage', 'github', '--out', us, '--now', at(minute)], ENV());
  expect(p1.code, p1.err).toBe(0);
  const p2 = await run('ip', ['netns', 'exec', client.ns, process.execPath, '--import', 'tsx', join(REPO, 'scripts/fleet.ts'),
    'probe', '--vantage', 'home-cn', '--out', cn, '--root', tf.dir, '--now', new Date(Date.parse(at(minute)) + 20_000).toISOString()],
  { cwd: REPO, timeoutMs: 60_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, FLEET_SECRET: TEST_SECRET, ...ENV() } });
  expect(p2.code, p2.stderr).toBe(0);
  for (const f of [us, cn]) {
    const r = await tf.cli(['status', 'push', '--run', f, '--repo', bare, '--now', new Date(Date.parse(at(minute)) + 40_000).toISOString()]);
    expect(r.code, r.err).toBe(0);
  }
}

/** recovery --record, status pull and site at `minute`; the profile of `user` as built. */
async function publish(minute: number): Promise<{ recovery: string; proposals: string; profile: (user: string) => string }> {
  const status = join(work, `status-${minute}`);
  const rec = await tf.cli(['recovery', '--status', await pulled(status, minute), '--record', '--repo', bare, '--now', at(minute)]);
  expect(rec.code, rec.err).toBe(0);
  const after = await pulled(join(work, `status-after-${minute}`), minute);
  // What the probe workflow does next in propose mode (every run: it must be idempotent).
  const prop = await tf.cli(['github', 'propose-recovery', '--status', after, '--now', at(minute)],
    { GITHUB_TOKEN: 'test-token', GITHUB_REPOSITORY: 'acme/fleet', GITHUB_API_URL: gh.url, GITHUB_REF_NAME: 'main' });
  expect(prop.code, prop.err + prop.out).toBe(0);
  const site = join(work, `site-${minute}`);
  const s = await tf.cli(['site', '--status', after, '--out', site, '--now', at(minute)]);
  expect(s.code, s.err).toBe(0);
  const links = JSON.parse((await tf.cli(['links', '--format', 'json', '--now', at(minute)])).out) as { user: string; url: string }[];
  return {
    recovery: rec.out,
    proposals: prop.out,
    profile: (user) => readFileSync(join(site, 's', links.find((l) => l.user === user)!.url.split('/s/')[1].split('/')[0], 'sing-box.json'), 'utf8'),
  };
}

async function pulled(dir: string, minute: number): Promise<string> {
  const r = await tf.cli(['status', 'pull', '--repo', bare, '--out', dir, '--now', at(minute)]);
  expect(r.code, r.err).toBe(0);
  return dir;
}

type Outbound = { type: string; tag: string; server?: string; server_port?: number };
const outbounds = (profile: string): Outbound[] => JSON.parse(profile).outbounds as Outbound[];

/** n1's Trojan ports in a profile. */
const trojanPorts = (profile: string): number[] =>
  outbounds(profile).filter((o) => o.type === 'trojan' && o.server === node.ip).map((o) => o.server_port!).sort();

/** Servers of the profile's proxies, in profile order. */
const serverOrder = (profile: string): string[] => [...new Set(outbounds(profile).filter((o) => o.type === 'trojan').map((o) => o.server!))];

/** Whether the real sing-box with this profile, set to the proxy on host:port, fetches a page from the web. */
async function reaches(profile: string, port: number, host = node.ip): Promise<boolean> {
  const tag = outbounds(profile).find((o) => o.server === host && o.server_port === port)!.tag;
  const app = await runSingbox(client, profile, tag);
  try { return (await app.fetch(`${webUrl}/through-${port}`, 3)).ok; } finally { await app.stop(); }
}

describe('blocking for the cn side (test censor)', () => {
  it('a port blocked: the cn user moves to the standby, the other keeps the port, it comes back; a whole address blocked: nothing promoted, n2 leads', async () => {
    await round(0);
    const before = await publish(0);
    expect(trojanPorts(before.profile('alice'))).toEqual([8444]);
    expect(await reaches(before.profile('alice'), 8444)).toBe(true);

    await censor.exec(['nft', '-f', '-'], { check: true, input: `table inet censor {\n  chain forward {\n    type filter hook forward priority 0;\n    ip daddr ${node.ip} tcp dport ${PUBLISHED.port} drop\n  }\n}\n` });
    // Negative control: the censor works, alice's current profile no longer reaches the web.
    expect(await reaches(before.profile('alice'), 8444)).toBe(false);

    let detected: number | undefined;
    let published: Awaited<ReturnType<typeof publish>> | undefined;
    const said: string[] = [];
    for (let m = 1; m <= 6 && detected === undefined; m++) {
      await round(m);
      const t0 = performance.now();
      const p = await publish(m);
      said.push(`round ${m}: ${p.recovery}`);
      if (/recorded: n1 trojan-8444 withdrawn for users in cn/.test(p.recovery)) {
        detected = m;
        published = p;
        figures.push(`- port block: censor on at minute 0+, detected and decided at probe round ${m} (recovery.after 2m, 1m interval: ${m} probe intervals); recovery + status pull + site took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
    expect(detected, `the block was never decided:\n${said.join('\n')}`).toBeDefined();
    expect(published!.recovery).toMatch(/blocked: n1 trojan-8444 in cn \(inbound\)/);
    expect(published!.recovery).toMatch(/standby trojan-8446 promoted/);
    expect(trojanPorts(published!.profile('alice'))).toEqual([8446]);
    expect(trojanPorts(published!.profile('erin'))).toEqual([8444]);
    expect(published!.proposals).toMatch(/^n1: proposed in #1, validation dispatched: recovery: publish trojan-8446 instead of trojan-8444 on n1 \(blocked in cn\)$/);
    // The cn user's app, with the profile it downloads at its next refresh, is back online.
    expect(await reaches(published!.profile('alice'), 8446)).toBe(true);

    // The censor lifts: after restore_after (3m) of clean runs from cn, the inbound comes back.
    await censor.exec(['nft', 'delete', 'table', 'inet', 'censor'], { check: true });
    let restored: number | undefined;
    for (let m = detected! + 1; m <= detected! + 8 && restored === undefined; m++) {
      await round(m);
      const p = await publish(m);
      if (/recorded: n1 trojan-8444 restored for users in cn/.test(p.recovery)) {
        restored = m;
        expect(trojanPorts(p.profile('alice'))).toEqual([8444]);
      }
    }
    expect(restored, 'never restored').toBeDefined();
    figures.push(`- port block lifted after round ${detected}: restored at round ${restored} (restore_after 3m)`);

    // The whole address of n1 blocked: no standby on another address, so nothing is
    // promoted, recovery says so once, and n2 leads the cn user's profile.
    await censor.exec(['nft', '-f', '-'], { check: true, input: `table inet censor {\n  chain forward {\n    type filter hook forward priority 0;\n    ip daddr ${node.ip} drop\n  }\n}\n` });
    const start = restored! + 1;
    let held: number | undefined;
    let last: Awaited<ReturnType<typeof publish>> | undefined;
    for (let m = start; m <= start + 6 && held === undefined; m++) {
      await round(m);
      const t0 = performance.now();
      last = await publish(m);
      said.push(`round ${m}: ${last.recovery}`);
      if (/recorded: n1 blocked in cn \(the whole address\): nothing changed — no standby left/.test(last.recovery)) {
        held = m;
        figures.push(`- whole address of n1 blocked from round ${start}: decided (nothing to promote) at round ${m}, ${m - start + 1} probe intervals; recovery + status pull + site took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
    expect(held, `the address block was never recorded:\n${said.join('\n')}`).toBeDefined();
    lastRound = held!;
    expect(trojanPorts(last!.profile('alice'))).toEqual([8444]);
    expect(serverOrder(last!.profile('alice'))).toEqual([node2.ip, node.ip]);
    expect(serverOrder(last!.profile('erin'))).toContain(node.ip);
    expect(await reaches(last!.profile('alice'), 8444, node2.ip)).toBe(true);
    await censor.exec(['nft', 'delete', 'table', 'inet', 'censor'], { check: true });

    // Propose mode, across every round (block, restore, address block): exactly one pull
    // request, on its own branch, validation dispatched on it, the change valid as merged.
    const branch = 'boxfleet/recovery/n1/trojan-8444-to-trojan-8446';
    expect(gh.violations).toEqual([]);
    expect(gh.issues.filter((i) => i.pull_request).map((i) => [i.number, i.head?.ref, i.state])).toEqual([[1, branch, 'open']]);
    expect(gh.dispatches.map((d) => [d.workflow_id, d.ref])).toEqual([['validate.yml', branch]]);
    const merged = join(work, 'proposal');
    execFileSync('git', ['clone', '--quiet', '--branch', branch, origin, merged]);
    const v = await run(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/fleet.ts'), 'validate', '--root', merged, '--now', at(held!)], { cwd: REPO, timeoutMs: 60_000, env: { PATH: process.env.PATH } });
    expect(v.code, v.stderr).toBe(0);
    expect(readFileSync(join(merged, 'nodes', 'n1.yaml'), 'utf8')).toMatch(/port: 8444\n\s+standby: true/);
    figures.push(`- propose mode: one pull request (#1, ${branch}) over ${held! + 1} probe rounds, validation dispatched on it`);
  }, 900_000);

  it('a server name blocked (a censor resetting one SNI): "server name", a standby under another name promoted, the cn user back online', async () => {
    const start = lastRound + 1;
    await round(start);
    const before = await publish(start);
    const realityPorts = (profile: string) => outbounds(profile).filter((o) => o.type === 'vless' && o.server === node.ip).map((o) => o.server_port!).sort();
    expect(realityPorts(before.profile('alice'))).toEqual([8443]);
    const censorSni = await startSniCensor(censor, { target: node.ip, ports: REALITY.map((r) => r.port), blocked: NAME_A });
    try {
      // Negative control: through the censor, Reality under NAME_A is reset; Trojan passes.
      expect(await reaches(before.profile('alice'), 8443)).toBe(false);
      expect(await reaches(before.profile('alice'), 8444)).toBe(true);
      let decided: Awaited<ReturnType<typeof publish>> | undefined;
      const said: string[] = [];
      for (let m = start + 1; m <= start + 7 && !decided; m++) {
        await round(m);
        const t0 = performance.now();
        const p = await publish(m);
        said.push(`round ${m}: ${p.recovery}`);
        if (/recorded: n1 vless-reality-8443 withdrawn for users in cn/.test(p.recovery)) {
          decided = p;
          lastRound = m;
          figures.push(`- server name ${NAME_A} reset by the censor from round ${start + 1}: detected and decided at round ${m}, ${m - start} probe intervals; recovery + status pull + site took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        }
      }
      expect(decided, `the server-name block was never decided:\n${said.join('\n')}`).toBeDefined();
      expect(decided!.recovery).toMatch(/blocked: n1 vless-reality-8443 in cn \(server-name\)/);
      expect(decided!.recovery).toMatch(/blocked: n1 vless-reality-8445 in cn \(server-name\)/);
      // The standby promoted is one the censor does not see under NAME_A (never 8445, which fails there too).
      const promoted = /standby (\S+) promoted/.exec(decided!.recovery)?.[1];
      expect(['trojan-8446', 'vless-reality-8447']).toContain(promoted);
      figures.push(`  (promoted: ${promoted}; vless-reality-8445, under the same name, fails there too and was passed over)`);
      const port = Number(promoted!.split('-').pop());
      expect(realityPorts(decided!.profile('alice'))).not.toContain(8443);
      expect(realityPorts(decided!.profile('erin'))).toEqual([8443]);
      expect(await reaches(decided!.profile('alice'), port)).toBe(true);
    } finally {
      await censorSni.stop();
    }
  }, 600_000);

  it('a second address (`addresses:`): a standby there answers a whole-address block, the cn user is back through it', async () => {
    // n1 gets a further address and a standby Trojan inbound on it, deployed like any change.
    const ip2 = `${hosts().subnet.base}.250`;
    await node.addAddress(`${ip2}/32`);
    await client.addRoute(`${ip2}/32`, censor.ip);
    tf.edit('nodes/n1.yaml', (doc) => {
      doc.addresses = [ip2];
      doc.inbounds.push({ type: 'trojan', port: 8448, standby: true, address: ip2 });
    });
    execFileSync('git', ['-C', tf.dir, '-c', 'user.name=op', '-c', 'user.email=op@example.org', 'commit', '--quiet', '-am', 'n1: a second address'], { stdio: 'ignore' });
    const d = await tf.cli(['deploy', '--identity', hosts().clientKeyPath, '--now', at(lastRound + 1)]);
    expect(d.code, d.err + d.out).toBe(0);

    await censor.exec(['nft', '-f', '-'], { check: true, input: `table inet censor {\n  chain forward {\n    type filter hook forward priority 0;\n    ip daddr ${node.ip} drop\n  }\n}\n` });
    try {
      const start = lastRound + 1;
      let decided: Awaited<ReturnType<typeof publish>> | undefined;
      const said: string[] = [];
      for (let m = start; m <= start + 7 && !decided; m++) {
        await round(m);
        const t0 = performance.now();
        const p = await publish(m);
        said.push(`round ${m}: ${p.recovery}`);
        if (/recorded: n1 \S+ withdrawn for users in cn .*standby trojan-8448 promoted/.test(p.recovery)) {
          decided = p;
          lastRound = m;
          figures.push(`- whole address of n1 blocked from round ${start}, a standby on its second address: promoted at round ${m}, ${m - start + 1} probe intervals; recovery + status pull + site took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        }
      }
      expect(decided, `the address block was never answered:\n${said.join('\n')}`).toBeDefined();
      expect(decided!.recovery).toMatch(/blocked: n1 trojan-8444 in cn \(address\)/);
      const alice = outbounds(decided!.profile('alice')).filter((o) => o.server === node.ip || o.server === ip2);
      expect(alice.map((o) => `${o.server}:${o.server_port}`)).toEqual([`${ip2}:8448`]);
      expect(outbounds(decided!.profile('erin')).some((o) => o.server === ip2)).toBe(false);
      expect(await reaches(decided!.profile('alice'), 8448, ip2)).toBe(true);
      // Each promotion's change proposed once, on its own branch.
      const heads = gh.issues.filter((i) => i.pull_request).map((i) => i.head?.ref);
      expect(new Set(heads).size).toBe(heads.length);
    } finally {
      await censor.exec(['nft', 'delete', 'table', 'inet', 'censor'], { check: true });
    }
  }, 600_000);
});
