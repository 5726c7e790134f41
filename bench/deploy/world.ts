// The deploy benchmark's world: N harness hosts (network namespaces, Debian sshd, the real
// sing-box) bootstrapped by the real CLI as test/deploy does, a fleet whose every node
// changes when a user is added, and the files Ansible and the bare script read. After
// every timed run, verify() checks that the tool left every node right (untimed).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHosts, type TestHosts } from '../../test/harness/fleet.ts';
import { stopMuxMasters } from '../../test/harness/mux.ts';
import type { TestHost } from '../../test/harness/host.ts';
import { CAMOUFLAGE, makeTestFleet, markTestHost, nodeYaml, startCamouflage, TEST_SECRET, VERSION, type TestFleet } from '../../test/deploy/helpers.ts';
import { loadFleet } from '../../scripts/model/load.ts';
import { renderNodeConfigs } from '../../scripts/render/server/index.ts';
import { openCredentialStore, loadMasterSecret } from '../../scripts/secrets/index.ts';
import { targetOf } from '../../scripts/probe/targets.ts';
import { endpointsOf, userIdentity } from '../../scripts/render/endpoint.ts';
import type { ProbeTarget } from '../../scripts/probe/types.ts';
import type { GapTarget } from './gap.ts';

export const NOW = '2026-06-01T00:00:00Z';
export const COMMIT = 'bench';
export const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

export class World {
  users = 0;
  private constructor(readonly hosts: TestHosts, readonly tf: TestFleet, readonly work: string, readonly cmDir: string) {}

  /** n hosts, bootstrapped; `parallel` is the fleet's deploy.parallel (and Ansible's forks). */
  static async start(n: number, parallel: number): Promise<World> {
    const hosts = await startHosts(n);
    try {
      const work = join(hosts.dir, 'bench');
      const cmDir = join(work, 'cm');
      mkdirSync(cmDir, { recursive: true, mode: 0o700 });
      mkdirSync(join(work, 'runtime'), { mode: 0o700 });
      const tf = await makeTestFleet(hosts, {
        // Hysteria2 without obfuscation: the sampler's QUIC Initial must be readable.
        node: (h, i, store) => {
          const extra = i === 0 ? [{ type: 'vless-reality', port: 8443, handshake_server: CAMOUFLAGE.name, handshake_port: CAMOUFLAGE.port }] : [];
          const doc = nodeYaml(h, store, extra) as { inbounds: Record<string, unknown>[] };
          for (const ib of doc.inbounds) if (ib.type === 'hysteria2') ib.obfs = false;
          return doc;
        },
        users: [{ name: 'alice', rev: 1 }],
        settings: (f) => { f.deploy = { canary: hosts.hosts[0]!.name, parallel, max_fail_percent: 34, ssh_persist: '600s' }; },
        now: NOW,
      });
      const world = new World(hosts, tf, work, cmDir);
      await startCamouflage(hosts.hosts[0]!);
      for (let i = 0; i < n; i += 8) {
        await Promise.all(hosts.hosts.slice(i, i + 8).map(async (h) => {
          await markTestHost(h);
          const b = await tf.cli(['bootstrap', h.name, '--identity', hosts.clientKeyPath]);
          if (b.code !== 0) throw new Error(`bootstrap ${h.name} failed:\n${b.err}`);
        }));
      }
      world.writeSshSettings(parallel);
      return world;
    } catch (e) {
      await hosts.stop();
      throw e;
    }
  }

  /** One more user; with `only`, a user who reaches only those nodes (the others stay unchanged). */
  addUser(only?: string[]): void {
    this.users++;
    const nodes = only ? `nodes: [${only.map((n) => `"node:${n}"`).join(', ')}]\n` : '';
    writeFileSync(join(this.tf.dir, 'users', `bench-${this.users}.yaml`), `name: bench-${this.users}\nrev: 1\n${nodes}`);
  }

  /** What every node should run now, as `fleet deploy` renders it; also written for Ansible and the bare script. */
  render(): Map<string, string> {
    const now = new Date(NOW);
    const fleet = loadFleet(this.tf.dir, now).fleet;
    if (!fleet) throw new Error('bench fleet does not load');
    const store = openCredentialStore(loadMasterSecret({ FLEET_SECRET: TEST_SECRET }, { purpose: 'publish' }), fleet.settings.epoch);
    const configs = renderNodeConfigs(fleet, store, now);
    mkdirSync(join(this.work, 'configs'), { recursive: true });
    for (const [name, text] of configs) writeFileSync(join(this.work, 'configs', `${name}.json`), text);
    const hostVars = Object.fromEntries(this.hosts.hosts.map((h) => [h.name, { ansible_host: h.ip, config_file: join(this.work, 'configs', `${h.name}.json`), config_sha256: sha256(configs.get(h.name)!) }]));
    writeFileSync(join(this.work, 'inventory.json'), JSON.stringify({
      all: { vars: { ansible_user: 'root', ansible_python_interpreter: '/usr/bin/python3', singbox_version: VERSION, commit: COMMIT, deployed_at: NOW }, children: { fleet: { hosts: hostVars } } },
    }, null, 2));
    writeFileSync(join(this.work, 'plan.txt'), this.hosts.hosts.map((h) => [h.name, h.ip, join(this.work, 'configs', `${h.name}.json`), sha256(configs.get(h.name)!), VERSION, COMMIT, NOW].join(' ')).join('\n') + '\n');
    return configs;
  }

  /** ssh settings for Ansible and the bare script: the harness's options plus a warm ControlMaster. */
  private writeSshSettings(forks: number): void {
    const opts = this.hosts.sshOptions().filter((x) => x !== '-o');
    const persist = ['ControlMaster=auto', 'ControlPersist=600', 'LogLevel=ERROR'];
    writeFileSync(join(this.work, 'ssh_config'), ['Host *', ...[...opts, ...persist, `ControlPath=${this.cmDir}/bare-%h-%p-%r`].map((o) => `  ${o.replace('=', ' ')}`), ''].join('\n'));
    const sshArgs = ['-F /dev/null', ...[...opts, ...persist].map((o) => `-o ${o}`)].join(' ');
    writeFileSync(join(this.work, 'ansible.cfg'), [
      '[defaults]', `inventory = ${join(this.work, 'inventory.json')}`, `forks = ${forks}`, 'gathering = explicit', 'host_key_checking = True',
      'interpreter_python = /usr/bin/python3', 'retry_files_enabled = False', 'nocolor = True', `local_tmp = ${join(this.work, 'ansible-local')}`,
      'remote_tmp = /tmp/.ansible-remote', '', '[ssh_connection]', 'pipelining = True', `ssh_args = ${sshArgs}`, `control_path = ${this.cmDir}/ans-%%h-%%p-%%r`, '',
    ].join('\n'));
  }

  /**
   * The internet as a user's connection reaches it: an echo server at a public-range
   * address (198.19.X.10, as test/real's web) on the last host, routed from every other
   * host and reached by no one else.
   */
  async startEcho(): Promise<{ host: string; port: number }> {
    const x = this.hosts.subnet.base.split('.')[2];
    const ip = `198.19.${x}.10`;
    const last = this.hosts.hosts.at(-1)!;
    await last.addAddress(`${ip}/24`);
    // sing-box's direct outbound wants a default route (auto_detect_interface); on-link, so
    // only the run's own hosts answer, as in test/real.
    for (const h of this.hosts.hosts.slice(0, -1)) await h.addRoute(`198.19.${x}.0/24`);
    for (const h of this.hosts.hosts) await h.addRoute('default');
    await last.spawnServer([process.execPath, '-e', `require('node:net').createServer((s) => { s.on('error', () => {}); s.pipe(s); }).listen(7, '${ip}')`]);
    await last.exec(['sh', '-c', `for i in $(seq 200); do ss -Hltn | grep -q "${ip}:7 " && exit 0; sleep 0.05; done; exit 1`], { check: true });
    // That host is a node too: its firewall (boxfleet's table) lets the echo port in. It
    // is the unchanged node of the gap part, so no deploy puts the table back meanwhile.
    await last.exec(['nft', 'insert', 'rule', 'inet', 'boxfleet', 'input', 'ip', 'daddr', ip, 'tcp', 'dport', '7', 'accept'], { check: true });
    return { host: ip, port: 7 };
  }

  /** Each node's Trojan endpoint as alice (on every node) reaches it: the probe user may only fetch its probe URL. */
  trojanTargets(): Map<string, ProbeTarget> {
    const fleet = loadFleet(this.tf.dir, new Date(NOW)).fleet!;
    const store = openCredentialStore(loadMasterSecret({ FLEET_SECRET: TEST_SECRET }, { purpose: 'publish' }), fleet.settings.epoch);
    const alice = fleet.users.find((u) => u.name === 'alice')!;
    const who = userIdentity(store, alice.name, alice.rev);
    const targets = fleet.nodes.flatMap((n) => endpointsOf(n, store, who).map(targetOf));
    return new Map(targets.filter((t) => t.type === 'trojan').map((t) => [t.node, t]));
  }

  /** Every inbound of every node, as the gap sampler probes it. */
  gapTargets(): GapTarget[] {
    return this.hosts.hosts.flatMap((h, i) => [
      { node: h.name, host: h.ip, port: 443, transport: 'tcp' as const, serverName: `${h.name}.boxfleet.test` },
      { node: h.name, host: h.ip, port: 8388, transport: 'tcp' as const, serverName: '' },
      { node: h.name, host: h.ip, port: 443, transport: 'udp' as const, serverName: `${h.name}.boxfleet.test` },
      ...(i === 0 ? [{ node: h.name, host: h.ip, port: 8443, transport: 'tcp' as const, serverName: CAMOUFLAGE.name }] : []),
    ]);
  }

  /** Checks that every node runs `configs` with a marker for it; `pids` (from before a no-change run) must not have changed. */
  async verify(label: string, configs: Map<string, string>, pids?: Map<string, string>): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    await Promise.all(this.hosts.hosts.map(async (h) => {
      const s = await nodeState(h);
      const want = sha256(configs.get(h.name)!);
      const bad = [s.hash !== want && 'live config is not the rendered one', s.marker !== want && 'marker does not name the live config',
        !s.alive && 'sing-box is not running or not listening', pids && pids.get(h.name) !== s.pid && 'a no-change run restarted or reloaded sing-box'].filter(Boolean);
      if (bad.length) throw new Error(`${label}: ${h.name}: ${bad.join('; ')}`);
      out.set(h.name, s.pid);
    }));
    return out;
  }

  /** XDG_RUNTIME_DIR of boxfleet's runs: where its kept connections' sockets live. */
  get runtime(): string { return join(this.work, 'runtime'); }

  async stop(): Promise<void> {
    await stopMuxMasters(join(this.runtime, `boxfleet-mux-${process.getuid!()}`));
    await this.tf.cleanup();
    await this.hosts.stop();
  }
}

async function nodeState(h: TestHost): Promise<{ hash: string; pid: string; alive: boolean; marker: string }> {
  const out = (await h.exec(['bash', '-c', [
    'sha256sum /etc/sing-box/config.json | cut -c1-64',
    'p=$(cat /run/sing-box.pid 2>/dev/null || echo 0); echo $p',
    's=$(sed "s/^.*) //" /proc/$p/stat 2>/dev/null | cut -d" " -f1); echo ${s:-gone}',
    'jq -r .config_sha256 /var/lib/boxfleet/deployed.json 2>/dev/null || echo none',
    'ss -Hltn "sport = :443" | grep -q . && echo listening || echo closed',
    // A reload keeps the PID: the listening socket's inode tells a new instance.
    'ss -Hltne "sport = :443" | grep -o "ino:[0-9]*" | head -n 1 || true',
  ].join('; ')], { check: true })).stdout.trim().split('\n');
  const [hash = '', pid = '0', st = 'gone', marker = 'none', port = 'closed', ino = ''] = out;
  return { hash, pid: `${pid} ${ino}`, alive: /^[RSD]$/.test(st) && port === 'listening', marker };
}
