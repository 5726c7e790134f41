// #12 item 4: upgrading sing-box is a pull request. `fleet deploy` rolls a changed
// `singbox.version` out like a config change (canary first, the node checks the live
// config with the new binary, keeps the previous one, restarts and verifies, then the
// outside health check), with the real sing-box 1.12.25 → 1.14.1 on two harness hosts, and
// a release that cannot start rolled back on the canary alone. The nodes carry Trojan,
// Shadowsocks 2022 and Hysteria2, not Reality: sing-box 1.14 no longer reads /etc/hosts
// without a `hosts` DNS server, and the harness names the borrowed site only there.
// The fleet keeps its SSH connections (deploy.ssh_persist), so after the first deploy the
// release (megabytes, many times the node's channel window) crosses the kept master
// through mux.ts, with no ssh client started.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRelease, serveReleases, sshSpy, stopMuxMasters, useHosts, type ReleaseServer, type TestHost } from '../harness/index.ts';
import { TOOL_VERSIONS } from '../tools/index.ts';
import { hostState, makeTestFleet, markTestHost, nodeYaml, sh, VERSION, type TestFleet } from './helpers.ts';

const NEWER = TOOL_VERSIONS.singbox.newest;

describe('a sing-box upgrade through fleet deploy', () => {
  const hosts = useHosts(2);
  let tf: TestFleet;
  let releases: ReleaseServer;
  let scratch: string;
  let id: string[];
  let spy: ReturnType<typeof sshSpy>;
  const h = (i: number): TestHost => hosts().hosts[i]!;
  const deploy = () => tf.cli(['deploy', ...id], { XDG_RUNTIME_DIR: scratch, PATH: `${spy.bin}:${process.env.PATH}` });
  const line = (out: string, node: string): string => out.split('\n').find((l) => l.startsWith(`${node} `)) ?? '';
  const versionOn = (host: TestHost) => sh(host, '/usr/local/bin/sing-box version | sed -n "1s/^sing-box version //p"');
  const pin = (version: string, sha256: string) => tf.edit('fleet.yaml', (d) => {
    d.singbox.version = version;
    d.singbox.sha256 = { amd64: sha256 };
    d.singbox.download_url = releases.urlTemplate;
  });

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'boxfleet-upgrade-'));
    // A release that says it is 1.14.99 and passes `check`, but cannot run.
    const broken = join(scratch, 'sing-box');
    writeFileSync(broken, '#!/bin/sh\ncase "$1" in\n  version) echo "sing-box version 1.14.99" ;;\n  check) exit 0 ;;\n  *) echo "cannot start" >&2; exit 1 ;;\nesac\n');
    chmodSync(broken, 0o755);
    releases = await serveReleases([makeRelease(NEWER), makeRelease('1.14.99', broken)]);
    spy = sshSpy(scratch);
    tf = await makeTestFleet(hosts(), {
      node: (host, _i, store) => nodeYaml(host, store),
      settings: (f) => { f.deploy = { ...f.deploy, ssh_persist: '120s' }; },
    });
    id = ['--identity', hosts().clientKeyPath];
    for (const host of hosts().hosts) {
      await markTestHost(host);
      const b = await tf.cli(['bootstrap', host.name, ...id]);
      expect(b.code, b.err).toBe(0);
    }
    const first = await deploy();
    expect(first.code, first.out + first.err).toBe(0);
  }, 180_000);
  afterAll(async () => {
    if (scratch) await stopMuxMasters(join(scratch, `boxfleet-mux-${process.getuid!()}`));
    await tf?.cleanup();
    await releases?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it(`a changed singbox.version (${VERSION} → ${NEWER}) is rolled out canary first, checked, restarted and health-checked`, async () => {
    pin(NEWER, makeRelease(NEWER).sha256);
    const sshBefore = spy.starts().length;
    const r = await deploy();
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('2 deployed');
    expect(spy.starts().length).toBe(sshBefore);
    expect(line(r.out, 'h1')).toContain(`sing-box ${VERSION} → ${NEWER}`);
    // The canary's progress line comes before the other node's.
    expect(r.err.indexOf(' h1: deployed')).toBeGreaterThanOrEqual(0);
    expect(r.err.indexOf(' h1: deployed')).toBeLessThan(r.err.indexOf(' h2: deployed'));
    for (const host of hosts().hosts) {
      expect(await versionOn(host)).toBe(NEWER);
      const s = await hostState(host);
      expect(s.alive).toBe(true);
      expect(JSON.parse(s.marker).singbox_version).toBe(NEWER);
    }
    // Fetched once for the whole fleet, from fleet.yaml's download_url.
    expect(releases.requests.filter((p) => p.includes(NEWER))).toHaveLength(1);
    const again = await deploy();
    expect(again.code).toBe(0);
    expect(again.out).toContain('2 unchanged');
  }, 180_000);

  it('a release that cannot start is rolled back on the canary, and the rest is not touched', async () => {
    const before = await Promise.all(hosts().hosts.map(hostState));
    pin('1.14.99', makeRelease('1.14.99', join(scratch, 'sing-box')).sha256);
    const r = await deploy();
    expect(r.code).toBe(1);
    expect(line(r.out, 'h1'), r.err).toMatch(/rolled back .*sing-box 1\.14\.99 did not start.*previous binary running/);
    expect(line(r.out, 'h2'), r.out).toMatch(/skipped .*canary h1 failed/);
    for (const [i, host] of hosts().hosts.entries()) {
      expect(await versionOn(host)).toBe(NEWER);
      const s = await hostState(host);
      expect(s.alive).toBe(true);
      expect(s.hash).toBe(before[i]!.hash);
    }
  }, 180_000);

  it('a node whose binary cannot say its version (another CPU\'s, truncated) gets the pinned release back', async () => {
    pin(NEWER, makeRelease(NEWER).sha256);
    // Executable, but `version` fails as a binary for another CPU does (exit 126); the
    // running process keeps the old file.
    await sh(h(1), "printf '#!/bin/sh\\nexit 126\\n' > /usr/local/bin/sing-box.broken && chmod 755 /usr/local/bin/sing-box.broken && mv -f /usr/local/bin/sing-box.broken /usr/local/bin/sing-box");
    const r = await deploy();
    expect(r.code, r.out + r.err).toBe(0);
    expect(line(r.out, 'h1')).toMatch(/unchanged/);
    expect(line(r.out, 'h2')).toContain(`sing-box none → ${NEWER}`);
    expect(await versionOn(h(1))).toBe(NEWER);
    expect((await hostState(h(1))).alive).toBe(true);
  }, 180_000);
});
