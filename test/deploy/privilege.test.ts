// #12 item 4: a stolen deploy key cannot become root and cannot install a binary. Each
// attack of the hostile review runs on a harness host bootstrapped by the real CLI, as the
// deploy user over SSH, against the real sudo, node script and sing-box.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useHosts, type TestHost } from '../harness/index.ts';
import { makeTestFleet, markTestHost, sh, type TestFleet } from './helpers.ts';
import { DEPLOY_USER_PRIVILEGES } from '../../scripts/deploy/privileges.ts';

const NODE = '/usr/local/sbin/boxfleet-node';
const HEX = 'a'.repeat(64);
const TOKEN = 'b'.repeat(32);
/** Runs the node script as the deploy user with FILE as its stdin, then prints rc=N. */
const fed = (file: string, args: string) => `sudo -n ${NODE} ${args} < "${file}" 2>&1; echo "rc=$?"`;
const SIG = `${'A'.repeat(86)}==`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('the deploy user\'s privileges', () => {
  const hosts = useHosts(1);
  let tf: TestFleet;
  let h: TestHost;
  /** As the deploy user, over SSH. */
  const asDeploy = (cmd: string) => h.ssh(cmd, { user: 'boxfleet' });
  /** Fingerprints of what an attack would change: sha256, owner and mode of each path. */
  const fingerprint = (paths: string[]) => sh(h, `${paths.map((p) => `{ sha256sum ${p} 2>/dev/null || echo "absent ${p}"; stat -c '%U %a' ${p} 2>/dev/null; }`).join('; ')}; true`);
  const CRITICAL = ['/etc/shadow', '/etc/sudoers.d/boxfleet', NODE, '/usr/local/bin/sing-box', '/etc/boxfleet/singbox-pin.pub', '/etc/boxfleet/node.env'];

  beforeAll(async () => {
    tf = await makeTestFleet(hosts());
    h = hosts().hosts[0]!;
    await markTestHost(h);
    const b = await tf.cli(['bootstrap', 'h1', '--identity', hosts().clientKeyPath]);
    expect(b.code, b.err).toBe(0);
  }, 120_000);
  afterAll(async () => tf?.cleanup());

  it('sudo grants the node script only in the listed shapes: never bootstrap, a shell, or other paths', async () => {
    const allowed = [`${NODE} status`, `${NODE} self-version`];
    const refused = [
      `${NODE} bootstrap`,
      `${NODE} with-lock bootstrap /tmp/boxfleet-upload.AAAAAAAA`,
      `${NODE} bootstrap /tmp/boxfleet-upload.AAAAAAAA --token ${TOKEN}`,
      `${NODE} watchdog`,
      `${NODE} refresh /etc/shadow`,
      `${NODE} session /etc/shadow`,
      `${NODE} check /etc/shadow`,
      `${NODE} apply /etc/shadow --sha256 ${HEX} --token ${TOKEN}`,
      `${NODE} install-singbox /tmp/boxfleet-upload.AAAAAAAA 1.12.25 amd64 ${HEX} ${SIG}`,
      `${NODE} install-singbox 1.12.25 amd64 ${HEX} ${SIG} /etc/shadow`,
      `${NODE} 'status; id'`,
      // The usage rows (#18): a read, and an acknowledgement of a number; nothing else.
      `${NODE} usage-read /etc/shadow`,
      `${NODE} usage-ack /etc/shadow`,
      `${NODE} usage-ack 0`,
      `${NODE} usage-ack 1 --ledger /etc/shadow`,
      `${NODE} 'usage-ack 1; id'`,
      '/bin/sh -c id',
      `${NODE}`,
    ];
    for (const cmd of allowed) expect((await asDeploy(`sudo -n ${cmd}`)).code, cmd).toBe(0);
    for (const cmd of refused) {
      const r = await asDeploy(`sudo -n ${cmd} 2>&1`);
      expect(r.code, cmd).not.toBe(0);
      expect(r.stdout, cmd).toMatch(/a password is required|not allowed|sorry/i);
    }
    // The sudoers file on the node is exactly the table's, one rule per row.
    const rules = (await sh(h, 'grep -c "NOPASSWD" /etc/sudoers.d/boxfleet'));
    expect(Number(rules)).toBe(DEPLOY_USER_PRIVILEGES.length);
  });

  it('refresh (the deploy user\'s bootstrap) refuses a manifest that would write sudoers, units or the node script', async () => {
    const before = await fingerprint([...CRITICAL, '/etc/sudoers.d/boxfleet-evil', '/etc/systemd/system/boxfleet-evil.service']);
    const manifest = JSON.stringify({
      deploy_user: 'boxfleet', authorized_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEvil', initial_ports: [],
      files: [
        { path: '/etc/sudoers.d/boxfleet-evil', mode: 0o440, content: b64('boxfleet ALL=(ALL) NOPASSWD: ALL\n') },
        { path: '/etc/systemd/system/boxfleet-evil.service', mode: 0o644, content: b64('[Service]\nExecStart=/bin/sh -c "chmod u+s /bin/bash"\n') },
        { path: NODE, mode: 0o755, content: b64('#!/bin/sh\nexec /bin/sh\n') },
      ],
    });
    const r = await asDeploy(`f=$(mktemp); printf '%s' '${manifest}' > "$f"; ${fed('$f', 'refresh')}; rm -f "$f"`);
    expect(r.stdout).toContain('rc=15');
    expect(r.stdout).toMatch(/only a bootstrap as root may change: .*sudoers\.d\/boxfleet-evil.*boxfleet-evil\.service.*boxfleet-node/);
    expect(await fingerprint([...CRITICAL, '/etc/sudoers.d/boxfleet-evil', '/etc/systemd/system/boxfleet-evil.service'])).toBe(before);
  });

  it('install-singbox refuses a binary the caller vouches for: no signed pin, no install', async () => {
    const before = await fingerprint(CRITICAL);
    // A "release" the attacker built, with its true SHA-256 and a made-up signature.
    const r = await asDeploy([
      'set -e; d=$(mktemp -d); mkdir "$d/sing-box-1.12.25-linux-amd64"',
      `printf '#!/bin/sh\\necho "sing-box version 1.12.25"\\n' > "$d/sing-box-1.12.25-linux-amd64/sing-box"; chmod 755 "$d/sing-box-1.12.25-linux-amd64/sing-box"`,
      'f=$(mktemp); tar -czf "$f" -C "$d" sing-box-1.12.25-linux-amd64',
      'sha=$(sha256sum "$f" | cut -c1-64)',
      `set +e; ${fed('$f', `install-singbox 1.12.25 amd64 "$sha" '${SIG}'`)}; rm -rf "$f" "$d"`,
    ].join('\n'));
    expect(r.stdout).toContain('rc=14');
    expect(r.stdout).toContain("is not signed by this fleet's pin key");
    expect(await fingerprint(CRITICAL)).toBe(before);
  });

  it('refresh reads a manifest from stdin only: no path it names is opened, a bad or oversized one writes nothing', async () => {
    const before = await fingerprint(CRITICAL);
    const bad = [
      // A path outside boxfleet's, climbing out of an allowed prefix.
      [JSON.stringify({ deploy_user: 'boxfleet', authorized_key: 'ssh-ed25519 AAAA', initial_ports: [], files: [{ path: '/etc/boxfleet/../shadow', mode: 0o644, content: b64('x') }] }), 'rc=1', /refusing to write \/etc\/boxfleet\/\.\.\/shadow/],
      // A mode with the setuid bit, and a path with a newline: not a manifest boxfleet writes.
      [JSON.stringify({ deploy_user: 'boxfleet', authorized_key: 'ssh-ed25519 AAAA', initial_ports: [], files: [{ path: '/etc/sing-box/tls/x', mode: 0o4755, content: b64('x') }] }), 'rc=1', /not one boxfleet wrote/],
      [JSON.stringify({ deploy_user: 'boxfleet', authorized_key: 'ssh-ed25519 AAAA', initial_ports: [], files: [{ path: '/etc/sing-box/tls/x\n/etc/shadow', mode: 0o644, content: b64('x') }] }), 'rc=1', /not one boxfleet wrote/],
      // A deploy user name that is a shell command.
      [JSON.stringify({ deploy_user: 'root;id', authorized_key: 'ssh-ed25519 AAAA', initial_ports: [], files: [] }), 'rc=1', /bad deploy user name/],
    ] as const;
    for (const [manifest, rc, says] of bad) {
      const r = await asDeploy(`f=$(mktemp); printf '%s' '${manifest}' > "$f"; ${fed('$f', 'refresh')}; rm -f "$f"`);
      expect(r.stdout, manifest).toMatch(new RegExp(`^${rc}$`, 'm'));
      expect(r.stdout, manifest).toMatch(says);
    }
    // More than the cap (16 MiB) is refused before it is parsed.
    const big = await asDeploy(`head -c 17000000 /dev/zero | sudo -n ${NODE} refresh 2>&1; echo "rc=$?"`);
    expect(big.stdout).toContain('rc=14');
    expect(big.stdout).toContain('larger than 16777216 bytes');
    expect(await sh(h, 'ls /etc/sing-box/tls/x /etc/boxfleet/../shadow.boxfleet-tmp 2>/dev/null | wc -l')).toBe('0');
    expect(await fingerprint(CRITICAL)).toBe(before);
  });

  it('root writes only into directories root alone may change: a deploy-user-owned TLS folder with a planted link is refused', async () => {
    // A mis-set owner (an operator's chown) must not turn refresh into a write through a link.
    const shadow = await fingerprint(['/etc/shadow']);
    await sh(h, 'chown boxfleet /etc/sing-box/tls');
    try {
      expect((await asDeploy('ln -sf /etc/shadow /etc/sing-box/tls/h1.key.boxfleet-tmp')).code).toBe(0);
      const manifest = JSON.stringify({ deploy_user: 'boxfleet', authorized_key: 'ssh-ed25519 AAAA', initial_ports: [], files: [{ path: '/etc/sing-box/tls/h1.key', mode: 0o600, content: b64('not a key\n') }] });
      const r = await asDeploy(`f=$(mktemp); printf '%s' '${manifest}' > "$f"; ${fed('$f', 'refresh')}; rm -f "$f"`);
      expect(r.stdout).toMatch(/^rc=1$/m);
      expect(r.stdout).toContain('refusing to write /etc/sing-box/tls/h1.key: /etc/sing-box/tls may be changed by someone other than root');
      expect(await fingerprint(['/etc/shadow'])).toBe(shadow);
    } finally {
      await sh(h, 'rm -f /etc/sing-box/tls/h1.key.boxfleet-tmp; chown root /etc/sing-box/tls');
    }
  });

  it('a config that makes sing-box write outside its state directory is refused by the session, the live config stays', async () => {
    const live = await sh(h, 'sha256sum /etc/sing-box/config.json 2>/dev/null || echo none');
    const config = JSON.stringify({ log: { output: '/etc/cron.d/boxfleet-evil' }, inbounds: [], outbounds: [{ type: 'direct' }] });
    const r = await asDeploy([
      `f=$(mktemp); printf '%s' '${config}' > "$f"; sha=$(sha256sum "$f" | cut -c1-64)`,
      `{ printf 'config %s %s\n' "$(stat -c %s "$f")" "$sha"; cat "$f"; } | sudo -n ${NODE} session 2>&1; echo "rc=$?"`,
      'rm -f "$f"',
    ].join('\n'));
    expect(r.stdout).toContain('rc=10');
    expect(r.stdout).toContain('makes sing-box write outside /var/lib/sing-box: .log.output');
    expect(await sh(h, 'ls /etc/cron.d/boxfleet-evil 2>/dev/null || echo absent')).toBe('absent');
    expect(await sh(h, 'sha256sum /etc/sing-box/config.json 2>/dev/null || echo none')).toBe(live);
  });

  it('a root bootstrap never follows links the deploy user planted in its home', async () => {
    const shadow = await fingerprint(['/etc/shadow']);
    // The review's attack: the temp name the old bootstrap used, and the one it uses now,
    // both pointing at /etc/shadow; the key changed so that root rewrites it.
    expect((await asDeploy('cd ~/.ssh && ln -sf /etc/shadow authorized_keys.tmp && ln -sf /etc/shadow authorized_keys.boxfleet-tmp && echo "ssh-ed25519 AAAAstale" > authorized_keys')).code).toBe(0);
    const b = await tf.cli(['bootstrap', 'h1', '--as-root', '--identity', hosts().clientKeyPath]);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toContain('changed /home/boxfleet/.ssh/authorized_keys');
    expect(await fingerprint(['/etc/shadow'])).toBe(shadow);
    expect(await sh(h, 'stat -c "%U %a" /home/boxfleet/.ssh/authorized_keys; test -L /home/boxfleet/.ssh/authorized_keys && echo link || echo file')).toBe('boxfleet 600\nfile');
    // .ssh itself replaced by a link into /etc/sudoers.d: the bootstrap stops instead of writing there.
    const sudoers = await sh(h, 'ls -l /etc/sudoers.d');
    expect((await asDeploy('mv ~/.ssh ~/.ssh-old && ln -s /etc/sudoers.d ~/.ssh')).code).toBe(0);
    await sh(h, 'echo "ssh-ed25519 AAAAother" > /home/boxfleet/.ssh-old/authorized_keys');
    try {
      const c = await tf.cli(['bootstrap', 'h1', '--as-root', '--identity', hosts().clientKeyPath]);
      expect(c.code).toBe(1);
      expect(c.err).toContain('cannot write /home/boxfleet/.ssh/authorized_keys without following a link');
      expect(c.err).not.toContain('Traceback');
      expect(await sh(h, 'ls -l /etc/sudoers.d')).toBe(sudoers);
    } finally {
      await sh(h, 'rm /home/boxfleet/.ssh && mv /home/boxfleet/.ssh-old /home/boxfleet/.ssh');
    }
    const d = await tf.cli(['bootstrap', 'h1', '--as-root', '--identity', hosts().clientKeyPath]);
    expect(d.code, d.err).toBe(0);
  }, 120_000);

  it('a new node script reaches the node only through a root bootstrap; the deploy user is told how', async () => {
    // What a boxfleet upgrade that changes the node script looks like to a deploy-user bootstrap.
    await sh(h, `printf '\\n# an older script\\n' >> ${NODE}`);
    const b = await tf.cli(['bootstrap', 'h1', '--identity', hosts().clientKeyPath]);
    expect(b.code).toBe(1);
    expect(b.err).toContain('only a bootstrap as root may change: /usr/local/sbin/boxfleet-node');
    expect(b.err).toContain('npm run fleet -- bootstrap h1 --as-root --identity');
    const c = await tf.cli(['bootstrap', 'h1', '--as-root', '--identity', hosts().clientKeyPath]);
    expect(c.code, c.err).toBe(0);
    expect(c.out).toContain(`changed ${NODE}`);
    expect(createHash('sha256').update(await sh(h, `cat ${NODE}`)).digest('hex')).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);
});
