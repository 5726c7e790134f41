// `fleet bootstrap` on a bare harness host: first run as root, second run through the
// deploy user reporting no change; and the machine's own /etc is untouched.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useHosts, type TestHost } from '../harness/index.ts';
import { makeTestFleet, markTestHost, sh, VERSION, type TestFleet } from './helpers.ts';

/** Names, sizes, modes and mtimes of everything under the machine's /etc. */
const etcSnapshot = (): string =>
  createHash('sha256').update(execFileSync('find', ['/etc', '-xdev', '-printf', '%p %s %m %T@\n'], { maxBuffer: 64 << 20 })).digest('hex');

describe('fleet bootstrap', () => {
  let etcBefore = '';
  beforeAll(() => void (etcBefore = etcSnapshot()));
  const hosts = useHosts(1);
  let tf: TestFleet;
  let h: TestHost;
  beforeAll(async () => {
    tf = await makeTestFleet(hosts());
    h = hosts().hosts[0]!;
    await markTestHost(h);
  });
  afterAll(async () => tf?.cleanup());

  it('first run as root installs everything; the second, as the deploy user, changes nothing', async () => {
    const id = ['--identity', hosts().clientKeyPath];
    const first = await tf.cli(['bootstrap', 'h1', ...id]);
    expect(first.code, first.err).toBe(0);
    expect(first.err).toContain('connected as root (bootstrap user: every file)');
    expect(first.out).toMatch(/changed \/usr\/local\/sbin\/boxfleet-node/);
    expect(first.out).toContain(`changed sing-box ${VERSION}`);
    // Downloaded through fleet.yaml's singbox.download_url, as from the release page.
    expect(tf.downloads).toEqual([`/v${VERSION}/sing-box-${VERSION}-linux-amd64.tar.gz`]);
    expect(first.out).toMatch(/changed user boxfleet/);
    // Machine-wide steps are written but, on a test host, not applied.
    expect(first.err).toContain('skipped machine-wide steps (test host)');

    // A local tarball (--release) is verified against the same pin.
    const second = await tf.cli(['bootstrap', 'h1', ...id, '--release', tf.release]);
    expect(second.code, second.err).toBe(0);
    expect(second.err).toContain('connected as boxfleet (deploy user: data files only)');
    expect(second.out).toBe('bootstrap h1: no change');
  });

  it('left the node in the state a deploy needs, with sudo limited to the node script', async () => {
    expect(await sh(h, '/usr/local/bin/sing-box version | head -n1')).toBe(`sing-box version ${VERSION}`);
    expect(await sh(h, 'stat -c "%a %U" /etc/sing-box/tls/h1.key /etc/sudoers.d/boxfleet /usr/local/sbin/boxfleet-node')).toBe('600 root\n440 root\n755 root');
    expect(await sh(h, 'cat /etc/boxfleet/node.env')).toMatch(/BOXFLEET_SERVICE_MANAGER=pidfile[\s\S]*BOXFLEET_TEST_HOST=1/);
    for (const f of ['/etc/systemd/system/sing-box.service', '/etc/systemd/system/boxfleet-watchdog.timer', '/etc/sysctl.d/90-boxfleet-bbr.conf', '/etc/ssh/sshd_config.d/90-boxfleet.conf', '/etc/systemd/timesyncd.conf.d/boxfleet.conf']) {
      expect(await sh(h, `test -s ${f} && echo yes`)).toBe('yes');
    }
    expect(await sh(h, 'nft list table inet boxfleet')).toMatch(/tcp dport \{ 22, 443, 8388, 8443 \}[\s\S]*udp dport \{ 443, 8388 \}/);
    // The deploy user: the node script through sudo works, anything else is refused.
    const ok = await h.ssh('sudo -n /usr/local/sbin/boxfleet-node self-version', { user: 'boxfleet' });
    expect(ok.code, ok.stderr).toBe(0);
    const other = await h.ssh('sudo -n /bin/cat /etc/sing-box/tls/h1.key', { user: 'boxfleet' });
    expect(other.code).not.toBe(0);
    expect(other.stdout).toBe('');
    const key = await h.ssh('cat /etc/sing-box/tls/h1.key', { user: 'boxfleet' });
    expect(key.code).not.toBe(0);
  });

  it('changed nothing in the machine\'s own /etc', () => {
    expect(etcSnapshot()).toBe(etcBefore);
  });
});
