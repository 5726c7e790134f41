// `fleet deploy` and `fleet drift` against three real sshd hosts of the harness, each
// bootstrapped with the node script and the real sing-box (downloaded from the release
// server through fleet.yaml's download_url). Every fault is a real one: a certificate file
// that does not exist, a port another process holds, a cut transfer, a dead host. Scenarios
// run in order on the same hosts; every test checks the final state of every host it
// could have touched.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../scripts/model/load.ts';
import { renderNodeConfigs } from '../../scripts/render/server/index.ts';
import { CredentialStore } from '../../scripts/secrets/index.ts';
import { openSession } from '../../scripts/deploy/ssh.ts';
import { runDeploy } from '../../scripts/deploy/deploy.ts';
import { useHosts, type TestHost } from '../harness/index.ts';
import { hostState, leftovers, makeTestFleet, markTestHost, sh, sha256, startCamouflage, TEST_SECRET, VERSION, type HostState, type TestFleet } from './helpers.ts';

describe('fleet deploy on three hosts', () => {
  const hosts = useHosts(3);
  let tf: TestFleet;
  let id: string[];
  let before: string[];
  const h = (i: number): TestHost => hosts().hosts[i]!;
  const states = (): Promise<HostState[]> => Promise.all(hosts().hosts.map(hostState));
  const deploy = (extra: string[] = [], env?: Record<string, string>) => tf.cli(['deploy', ...id, ...extra], env);
  const line = (out: string, node: string): string => out.split('\n').find((l) => l.startsWith(`${node} `)) ?? '';
  /** sha256 of each node's config rendered from the fleet as it is now. */
  const rendered = (): Record<string, string> => {
    const fleet = loadFleet(tf.dir, new Date('2026-06-01T00:00:00Z')).fleet!;
    const configs = renderNodeConfigs(fleet, new CredentialStore(Buffer.from(TEST_SECRET), fleet.settings.epoch), new Date('2026-06-01T00:00:00Z'));
    return Object.fromEntries([...configs].map(([k, v]) => [k, sha256(v)]));
  };
  const bumpUser = (user: string): void => tf.edit(`users/${user}.yaml`, (d) => void (d.rev = (d.rev ?? 1) + 1));
  /**
   * A config the real `sing-box check` rejects for a real reason: the node's certificate
   * files do not exist. Returns the edit that undoes it.
   */
  const missingCertificate = (node: string): (() => void) => {
    let saved: unknown;
    tf.edit(`nodes/${node}.yaml`, (d) => {
      saved = d.tls;
      d.tls = { mode: 'files', server_name: d.tls.server_name, certificate_path: '/etc/ssl/boxfleet/missing.crt', key_path: '/etc/ssl/boxfleet/missing.key' };
    });
    return () => tf.edit(`nodes/${node}.yaml`, (d) => void (d.tls = saved));
  };

  beforeAll(async () => {
    tf = await makeTestFleet(hosts());
    id = ['--identity', hosts().clientKeyPath];
    before = leftovers();
    await startCamouflage(h(0));
    for (const host of hosts().hosts) {
      await markTestHost(host);
      const b = await tf.cli(['bootstrap', host.name, ...id]);
      expect(b.code, b.err).toBe(0);
    }
  }, 120_000);
  afterAll(async () => {
    await tf?.cleanup();
    // No ControlMaster and no private session directory outlives a command.
    expect(leftovers().filter((x) => !before.includes(x))).toEqual([]);
  });

  it('first deploy: every host runs its rendered config, with a marker and a live service', async () => {
    const r = await deploy();
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('3 deployed');
    const want = rendered();
    for (const [i, s] of (await states()).entries()) {
      expect(s.hash).toBe(want[h(i).name]);
      expect(JSON.parse(s.marker)).toMatchObject({ config_sha256: s.hash, singbox_version: VERSION });
      expect(s.alive).toBe(true);
    }
    // Progress lines as nodes finish, and nothing secret or any address in what was printed.
    expect(r.err.split('\n').filter((l) => / h\d: deployed/.test(l))).toHaveLength(3);
    for (const host of hosts().hosts) expect(r.out + r.err).not.toContain(host.ip);
  });

  it('a second deploy with no change touches nothing', async () => {
    const s0 = await states();
    const mtimes = await Promise.all(hosts().hosts.map((x) => sh(x, 'stat -c %Y.%Z /etc/sing-box/config.json /var/lib/boxfleet/deployed.json')));
    const r = await deploy();
    expect(r.code).toBe(0);
    expect(r.out).toContain('3 unchanged');
    expect(await states()).toEqual(s0);
    expect(await Promise.all(hosts().hosts.map((x) => sh(x, 'stat -c %Y.%Z /etc/sing-box/config.json /var/lib/boxfleet/deployed.json')))).toEqual(mtimes);
  });

  it('a render that fails while the first nodes are being asked ends their sessions: nothing changed, every lock free', async () => {
    const s0 = await states();
    // Read from /proc/locks, never by taking the lock: a probe that held it for an instant
    // would make a session that asks for it then refuse (`flock -n`), as another deploy.
    const lockHeld = (x: TestHost): boolean => spawnSync('nsenter', x.nsenterArgs(['sh', '-c',
      'ino=$(stat -c %i /run/boxfleet.lock 2>/dev/null) && grep -Eq "FLOCK .*:$ino " /proc/locks'])).status === 0;
    // Fault injection through runDeploy's renderer seam: it returns only once every node's
    // session holds the node's lock (so the sessions were open), then fails.
    const render = (): Map<string, string> => {
      for (let i = 0; i < 300 && !hosts().hosts.every(lockHeld); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      expect(hosts().hosts.every(lockHeld)).toBe(true);
      throw new Error('the renderer failed');
    };
    const ctx = {
      root: tf.dir, now: new Date('2026-06-01T00:00:00Z'), io: { out: () => undefined, err: () => undefined },
      env: { PATH: process.env.PATH, HOME: process.env.HOME, FLEET_SECRET: TEST_SECRET, BOXFLEET_SSH_CONNECT_TIMEOUT: '3' },
    };
    await expect(runDeploy(ctx, { positionals: [], options: { identity: hosts().clientKeyPath } }, render)).rejects.toThrow('the renderer failed');
    expect(hosts().hosts.filter(lockHeld).map((x) => x.name)).toEqual([]);
    expect(leftovers().filter((x) => !before.includes(x))).toEqual([]);
    expect(await states()).toEqual(s0);
  });

  it('a change to one user redeploys only that user\'s node', async () => {
    const s0 = await states();
    bumpUser('bob'); // bob reaches h2 only
    const r = await deploy();
    expect(r.code, r.out).toBe(0);
    expect(line(r.out, 'h2')).toContain('deployed');
    const s1 = await states();
    expect([s1[0], s1[2]]).toEqual([s0[0], s0[2]]);
    expect(s1[1]!.hash).toBe(rendered().h2);
    // Reloaded in place (SIGHUP): the same process, every listener opened anew.
    expect(s1[1]!.pid).toBe(s0[1]!.pid);
    expect(s1[1]!.sockets).not.toBe('');
    expect(s1[1]!.sockets.split(' ').filter((x) => s0[1]!.sockets.split(' ').includes(x) && x)).toEqual([]);
    expect(s1[1]!.alive).toBe(true);
  });

  it('the canary is deployed while another node has not yet said what it runs', async () => {
    bumpUser('alice'); // alice reaches every node
    const want = rendered();
    const deployed = async (i: number): Promise<boolean> => {
      const s = await hostState(h(i));
      return s.hash === want[h(i).name] && s.marker.includes(`"config_sha256": "${want[h(i).name]}"`);
    };
    // h3's sshd is stopped: the kernel takes the connection, nobody answers it until the
    // sshd goes on. The canary (h1) must not wait for h3's status.
    process.kill(h(2).sshdPid, 'SIGSTOP');
    let r: Promise<Awaited<ReturnType<typeof deploy>>> | undefined;
    try {
      r = deploy([], { BOXFLEET_SSH_CONNECT_TIMEOUT: '60' });
      let canary = false;
      for (let i = 0; i < 100 && !canary; i++) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        canary = await deployed(0);
      }
      expect(canary, 'the canary was not deployed while h3 held its status back').toBe(true);
      expect(await deployed(2)).toBe(false);
    } finally {
      process.kill(h(2).sshdPid, 'SIGCONT');
      await r;
    }
    const done = await r!;
    expect(done.code, done.out + done.err).toBe(0);
    expect(done.out).toContain('3 deployed');
    expect(await Promise.all([0, 1, 2].map(deployed))).toEqual([true, true, true]);
  }, 120_000);

  it('a sing-box that does not take the reload (stopped, as a hung one would be) is restarted on the new config', async () => {
    // The reload's wait is the start timeout: short here, the process will not answer.
    await sh(h(1), 'printf "BOXFLEET_START_TIMEOUT_SEC=3\\n" >> /etc/boxfleet/node.env');
    try {
      const s0 = await states();
      await sh(h(1), `kill -STOP ${s0[1]!.pid}`);
      bumpUser('bob');
      const r = await deploy();
      expect(r.code, r.out).toBe(0);
      expect(line(r.out, 'h2')).toContain('deployed');
      const s1 = await states();
      expect(s1[1]!.hash).toBe(rendered().h2);
      expect(s1[1]!.marker).toContain(s1[1]!.hash);
      expect(s1[1]!.pid).not.toBe(s0[1]!.pid);
      expect(s1[1]!.alive).toBe(true);
      // The stopped process is gone (or a zombie PID 1 has yet to reap), not left behind.
      expect(await sh(h(1), `sed 's/^.*) //' /proc/${s0[1]!.pid}/stat 2>/dev/null | cut -c1 || true`)).toMatch(/^(|Z|X)$/);
    } finally {
      await sh(h(1), "sed -i '/^BOXFLEET_START_TIMEOUT_SEC=/d' /etc/boxfleet/node.env");
    }
  });

  it('dry run: says what would change and writes nothing', async () => {
    const s0 = await states();
    bumpUser('alice');
    const r = await deploy(['--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('3 would deploy');
    expect(await states()).toEqual(s0);
  });

  it('check fails on one node: nothing swapped there, the others deployed, exit 1', async () => {
    const s0 = await states();
    const restore = missingCertificate('h3');
    const r = await deploy();
    expect(r.code).toBe(1);
    expect(line(r.out, 'h3')).toMatch(/failed .*check failed, nothing swapped/);
    // The real sing-box's own reason reaches the operator.
    expect(line(r.out, 'h3')).toMatch(/missing\.(crt|key)/);
    const s1 = await states();
    expect(s1[2]).toEqual(s0[2]);
    const want = rendered();
    expect([s1[0]!.hash, s1[1]!.hash]).toEqual([want.h1, want.h2]);
    restore();
  });

  it('check passes but sing-box cannot start (port taken): rolled back, old config running', async () => {
    const blocker = await h(2).spawnServer(['/usr/bin/python3', '-c', 'import socket,time\ns=socket.socket(socket.AF_INET6)\ns.bind(("::",2083))\ns.listen()\ntime.sleep(3600)']);
    try {
      await sh(h(2), 'for i in $(seq 100); do ss -Hltn | grep -q ":2083 " && exit 0; sleep 0.05; done; exit 1');
      const s0 = await states();
      tf.edit('nodes/h3.yaml', (d) => d.inbounds.push({ type: 'trojan', port: 2083 }));
      const r = await deploy(['--nodes', 'h3']);
      expect(r.code).toBe(1);
      expect(line(r.out, 'h3')).toMatch(/rolled back .*old config running/);
      const s1 = await states();
      expect(s1[2]!.hash).toBe(s0[2]!.hash);
      expect(s1[2]!.marker).toBe(s0[2]!.marker);
      expect(s1[2]!.alive).toBe(true);
      expect(await sh(h(2), 'nft list table inet boxfleet')).not.toContain('2083');
      expect([s1[0], s1[1]]).toEqual([s0[0], s0[1]]);
    } finally {
      process.kill(blocker, 'SIGKILL');
      tf.edit('nodes/h3.yaml', (d) => void d.inbounds.pop());
    }
    const r = await deploy();
    expect(r.code, r.out).toBe(0);
  });

  it('an inbound moved to another port: the new port opens, the old one closes', async () => {
    tf.edit('nodes/h1.yaml', (d) => void (d.inbounds.find((x: { type: string }) => x.type === 'shadowsocks').port = 8389));
    const r = await deploy();
    expect(r.code, r.out).toBe(0);
    const rules = await sh(h(0), 'nft list table inet boxfleet');
    expect(rules).toMatch(/tcp dport \{[^}]*8389/);
    expect(rules).not.toContain('8388');
    const listening = await sh(h(0), 'ss -Hltn');
    expect(listening).toContain(':8389 ');
    expect(listening).not.toContain(':8388 ');
  });

  it('a transfer cut part-way: that node keeps its old config, the others deploy', async () => {
    const s0 = await states();
    bumpUser('alice');
    const r = await deploy([], { BOXFLEET_FAULT_TRUNCATE_UPLOAD: 'h2' });
    expect(r.code).toBe(1);
    expect(line(r.out, 'h2')).toMatch(/failed .*incomplete.*nothing swapped/);
    const s1 = await states();
    expect(s1[1]).toEqual(s0[1]);
    expect(await sh(h(1), 'ls /tmp | grep -c boxfleet-upload || true')).toBe('0');
    const want = rendered();
    expect([s1[0]!.hash, s1[2]!.hash]).toEqual([want.h1, want.h3]);
  });

  it('a deploy that meets another deploy\'s lock refuses that node and never interleaves', async () => {
    bumpUser('alice');
    const s0 = await states();
    // Another deploy holds h2's lock (h1 is the canary): a held session keeps it while its stdin is open.
    const session = await openSession({ host: h(1).ip, port: 22, user: 'boxfleet', hostKeys: [h(1).hostKey] }, { identityFile: hosts().clientKeyPath });
    const held = session.hold(['session']);
    try {
      expect(await held.waitFor(/^status \{/m)).toBeTruthy();
      const r = await deploy(['--nodes', 'h1,h2']);
      expect(r.code).toBe(1);
      expect(line(r.out, 'h2')).toMatch(/failed .*another deploy holds the lock/);
      expect(line(r.out, 'h1')).toContain('deployed');
      expect((await states())[1]).toEqual(s0[1]);
    } finally {
      expect((await held.end()).code).toBe(0);
      await session.close();
    }
    // Two real deploys at once: each node ends consistent, deployed exactly as rendered.
    const [a, b] = await Promise.all([deploy(), deploy()]);
    for (const res of [a, b]) for (const n of ['h1', 'h2', 'h3']) expect(line(res.out, n)).toMatch(/deployed|unchanged|another deploy holds the lock|skipped .*canary h\d failed/);
    const want = rendered();
    for (const [i, s] of (await states()).entries()) {
      expect(s.hash).toBe(want[h(i).name]);
      expect(JSON.parse(s.marker).config_sha256).toBe(s.hash);
      expect(s.alive).toBe(true);
    }
  });

  it('failure budget exceeded: the rollout stops and the rest is untouched', async () => {
    tf.edit('fleet.yaml', (d) => void (d.deploy = { canary: 'h1', parallel: 1, max_fail_percent: 20 }));
    const s0 = await states();
    bumpUser('alice');
    const restore = missingCertificate('h2');
    const r = await deploy();
    expect(r.code).toBe(1);
    expect(line(r.out, 'h1')).toContain('deployed');
    expect(line(r.out, 'h2')).toContain('failed');
    expect(line(r.out, 'h3')).toMatch(/skipped .*max_fail_percent/);
    const s1 = await states();
    expect([s1[1], s1[2]]).toEqual([s0[1], s0[2]]);
    restore();
    tf.edit('fleet.yaml', (d) => void (d.deploy = { canary: 'h1', parallel: 4, max_fail_percent: 34 }));
  });

  it('a host that is down or whose host key changed is reported; the others go on', async () => {
    bumpUser('alice');
    await h(2).blackhole();
    const goodKey = h(1).hostKey;
    tf.edit('nodes/h2.yaml', (d) => void (d.ssh.host_keys = [h(0).hostKey]));
    try {
      const r = await deploy([], { BOXFLEET_SSH_CONNECT_TIMEOUT: '2' });
      expect(r.code).toBe(1);
      expect(line(r.out, 'h2')).toMatch(/unreachable .*host key does not match `ssh\.host_keys` in the node's YAML/);
      // No file the operator could not open: ssh's private known_hosts is gone by now.
      expect(line(r.out, 'h2')).not.toMatch(/known_hosts|\/tmp\//);
      expect(line(r.out, 'h3')).toMatch(/unreachable .*no connection/);
      expect(line(r.out, 'h1')).toContain('deployed');
      expect(r.out + r.err).not.toContain(h(2).ip);
    } finally {
      await h(2).unblackhole();
      tf.edit('nodes/h2.yaml', (d) => void (d.ssh.host_keys = [goodKey]));
    }
    const r = await deploy();
    expect(r.code, r.out).toBe(0);
  });

  it('--format github writes annotations and a job summary table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boxfleet-gh-'));
    try {
      const restore = missingCertificate('h3');
      const r = await deploy(['--format', 'github'], { GITHUB_STEP_SUMMARY: join(dir, 'summary.md') });
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/^::error title=h3%3A failed::sing-box check failed/m);
      const summary = readFileSync(join(dir, 'summary.md'), 'utf8');
      expect(summary).toContain('| node | result | time | detail |');
      expect(summary).toMatch(/\| h3 \| failed \|/);
      expect(summary).toMatch(/\| h1 \| unchanged \|/);
      restore();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fleet drift reports a config edited by hand, without secrets or addresses', async () => {
    const ok = await tf.cli(['drift', ...id]);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toContain('3 in sync');
    await sh(h(0), 'echo " " >> /etc/sing-box/config.json');
    const r = await tf.cli(['drift', ...id, '--format', 'json']);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.out) as { nodes: { node: string; outcome: string; detail: string }[] };
    expect(report.nodes.map((n) => n.outcome)).toEqual(['drifted', 'in sync', 'in sync']);
    expect(report.nodes[0]!.detail).toMatch(/edited on the node/);
    const secrets = new CredentialStore(Buffer.from(TEST_SECRET), 1);
    renderNodeConfigs(loadFleet(tf.dir, new Date('2026-06-01T00:00:00Z')).fleet!, secrets, new Date('2026-06-01T00:00:00Z'));
    for (const s of secrets.allSecretValues()) expect(r.out + r.err).not.toContain(s);
    for (const host of hosts().hosts) expect(r.out + r.err).not.toContain(host.ip);
    // A deploy heals it (live ≠ rendered) and drift is clean again.
    expect((await deploy()).code).toBe(0);
    expect((await tf.cli(['drift', ...id])).code).toBe(0);
  });
});
