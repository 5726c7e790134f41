// #14: a whole deploy over one held session (`boxfleet-node session`), run as the deploy
// user over real SSH against a harness host bootstrapped by the real CLI, with the real
// sudo, node script and sing-box. The session is a privileged interface: each test is an
// attack on it or a failure of the deployer, and the node must end up running a proven
// config either way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useHosts, type TestHost } from '../harness/index.ts';
import { hostState, leftovers, makeTestFleet, markTestHost, sh, sha256, startCamouflage, VERSION, type TestFleet } from './helpers.ts';
import { DeployChannel } from '../../scripts/deploy/channel.ts';

const NODE = '/usr/local/sbin/boxfleet-node';

describe('the held deploy session', () => {
  const hosts = useHosts(1);
  let tf: TestFleet;
  let h: TestHost;
  let live = '';
  /** The session as the deploy user, with `input` as everything the deployer says. */
  const session = (input: string | Buffer) => h.ssh(`sudo -n ${NODE} session; echo "rc=$?" >&2`, { user: 'boxfleet', input, timeoutMs: 60_000 });
  const rc = (stderr: string) => Number(/rc=(\d+)/.exec(stderr)?.[1] ?? -1);
  const channel = () => DeployChannel.open({ host: h.ip, port: 22, user: 'boxfleet', hostKeys: [h.hostKey] }, { identityFile: hosts().clientKeyPath, connectTimeoutSec: 5 });
  /** The live config with one harmless difference, so that applying it changes the hash. */
  const variant = (tag: string) => {
    const cfg = JSON.parse(live) as { log?: Record<string, unknown> };
    cfg.log = { ...(cfg.log ?? {}), level: tag };
    return Buffer.from(JSON.stringify(cfg, null, 2));
  };

  beforeAll(async () => {
    tf = await makeTestFleet(hosts());
    h = hosts().hosts[0]!;
    await markTestHost(h);
    await startCamouflage(h);
    const b = await tf.cli(['bootstrap', 'h1', '--identity', hosts().clientKeyPath]);
    expect(b.code, b.err).toBe(0);
    const d = await tf.cli(['deploy', '--identity', hosts().clientKeyPath]);
    expect(d.code, d.err + d.out).toBe(0);
    live = await sh(h, 'cat /etc/sing-box/config.json');
  }, 180_000);
  afterAll(async () => tf?.cleanup());

  it('says what the node runs first, and `bye` ends it with nothing changed', async () => {
    const before = await hostState(h);
    const r = await session('bye\n');
    expect(rc(r.stderr)).toBe(0);
    const status = JSON.parse(r.stdout.replace(/^status /, '')) as { config_sha256: string; active: boolean; marker: { config_sha256: string } };
    expect(status.config_sha256).toBe(before.hash);
    expect(status.active).toBe(true);
    expect(status.marker.config_sha256).toBe(before.hash);
    expect(await hostState(h)).toEqual(before);
  });

  it('a deployer that dies after the restart, without a verdict, leaves the old config running', async () => {
    const before = await hostState(h);
    const { channel: c } = await channel();
    const next = variant('warn');
    const applied = await c.apply(next, sha256(next.toString()));
    expect(applied.kind).toBe('started');
    expect((await hostState(h)).hash).toBe(sha256(next.toString()));
    c.close(); // the deployer is gone: no commit, no rollback
    // The node rolls back by itself and then lets go of the lock (bounded wait).
    for (let i = 0; i < 150 && (await h.exec(['flock', '-n', '/run/boxfleet.lock', 'true'])).code !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    const after = await hostState(h);
    expect(after.hash).toBe(before.hash);
    expect(after.alive).toBe(true);
    expect(after.marker).toBe(before.marker);
  });

  it('a config whose bytes do not have the announced hash is refused before anything is swapped', async () => {
    const before = await hostState(h);
    const next = variant('error');
    const r = await session(Buffer.concat([Buffer.from(`config ${next.length} ${'a'.repeat(64)}\n`), next]));
    expect(rc(r.stderr)).toBe(14);
    expect(r.stderr).toMatch(/does not have sha256/);
    expect(await hostState(h)).toEqual(before);
  });

  it('announced sizes past the cap, paths and extra words are refused: the protocol names no files', async () => {
    const before = await hostState(h);
    const attacks: [string, number, RegExp][] = [
      [`config 99999999 ${'a'.repeat(64)}\n`, 14, /larger than/],
      [`config /etc/shadow ${'a'.repeat(64)}\n`, 2, /bad bytes/],
      [`config 10 ${'a'.repeat(64)} /etc/shadow\n`, 2, /bad config line/],
      [`config 10 ${'a'.repeat(64)} staged /etc/shadow\n`, 2, /bad config line/],
      ['binary 10 1.12.25 amd64 /etc/shadow x\n', 2, /bad binary line|bad sha256/],
      ['sh -c id\n', 2, /expected config, binary or bye/],
    ];
    for (const [input, code, why] of attacks) {
      const r = await session(input);
      expect(rc(r.stderr), input).toBe(code);
      expect(r.stderr, input).toMatch(why);
    }
    // sudo allows `session` alone: an argument is refused before the script runs.
    const extra = await h.ssh(`sudo -n ${NODE} session /etc/shadow 2>&1; echo "rc=$?"`, { user: 'boxfleet' });
    expect(extra.stdout).toMatch(/a password is required|not allowed/);
    expect(await hostState(h)).toEqual(before);
  });

  it('a config that makes sing-box write outside its state directory fails its check, nothing swapped', async () => {
    const before = await hostState(h);
    const cfg = JSON.parse(live) as { log?: Record<string, unknown> };
    cfg.log = { ...(cfg.log ?? {}), output: '/etc/cron.d/evil' };
    const bad = Buffer.from(JSON.stringify(cfg));
    const r = await session(Buffer.concat([Buffer.from(`config ${bad.length} ${sha256(bad.toString())}\n`), bad]));
    expect(rc(r.stderr)).toBe(10);
    expect(r.stderr).toContain('makes sing-box write outside /var/lib/sing-box: .log.output');
    expect(await hostState(h)).toEqual(before);
  });

  it('a second session waits for nobody: it is refused while the first holds the lock', async () => {
    const { channel: first } = await channel();
    try {
      const r = await session('bye\n');
      expect(rc(r.stderr)).toBe(13);
      expect(r.stderr).toMatch(/another deploy holds the lock/);
    } finally {
      await first.bye();
    }
  });

  it('commit writes the marker for the config it proved, and the next status says so', async () => {
    const { channel: c } = await channel();
    const next = variant('info');
    const applied = await c.apply(next, sha256(next.toString()));
    expect(applied.kind).toBe('started');
    const done = await c.commit('abc123', '2026-06-01T00:00:00Z');
    expect(done).toEqual({ ok: true, why: '' });
    c.close();
    const { channel: again, status } = await channel();
    await again.bye();
    expect(status.config_sha256).toBe(sha256(next.toString()));
    expect(status.marker).toMatchObject({ config_sha256: sha256(next.toString()), commit: 'abc123', deployed_at: '2026-06-01T00:00:00Z' });
    expect(status.marker).not.toHaveProperty('usage_commit');
    expect(status.script_version).toBe(4);
  });

  it('commit records the status commit of the quotas when given, and refuses anything but a commit id there', async () => {
    const usage = 'c'.repeat(40);
    const { channel: c } = await channel();
    const next = variant('warn');
    expect((await c.apply(next, sha256(next.toString()))).kind).toBe('started');
    expect(await c.commit('abc124', '2026-06-02T00:00:00Z', usage)).toEqual({ ok: true, why: '' });
    c.close();
    const { channel: again, status } = await channel();
    await again.bye();
    expect(status.marker).toMatchObject({ config_sha256: sha256(next.toString()), commit: 'abc124', usage_commit: usage });

    // A fourth word that is no commit id is no verdict: refused, and the node rolls back.
    const other = variant('error');
    const r = await session(Buffer.concat([Buffer.from(`config ${other.length} ${sha256(other.toString())}\n`), other, Buffer.from('commit abc125 2026-06-03T00:00:00Z $(reboot)\n')]));
    expect(r.stderr).toContain('bad usage-commit in the commit line; rolling back');
    expect(rc(r.stderr)).toBe(11);
    const { channel: after, status: s2 } = await channel();
    await after.bye();
    expect(s2.marker).toMatchObject({ commit: 'abc124', usage_commit: usage });
    expect(s2.config_sha256).toBe(sha256(next.toString()));
  });

  it('a staged config is checked and waits: `bye` ends it with nothing swapped, `swap` puts it live', async () => {
    const before = await hostState(h);
    const next = variant('debug');
    const { channel: first } = await channel();
    expect(await first.stage(next, sha256(next.toString()))).toEqual({ kind: 'checked' });
    // Checked, not swapped: the same file, process and sockets.
    expect(await hostState(h)).toEqual(before);
    // Ready to swap: the checked copy waits beside the live config, and `bye` removes it.
    expect(await sh(h, 'test -f /etc/sing-box/config.json.new && echo ready')).toBe('ready');
    await first.bye();
    expect(await hostState(h)).toEqual(before);
    expect(await sh(h, 'test -e /etc/sing-box/config.json.new && echo left || echo gone')).toBe('gone');
    // Anything but swap or bye after `checked` is refused, nothing swapped.
    const r = await session(Buffer.concat([Buffer.from(`config ${next.length} ${sha256(next.toString())} staged\n`), next, Buffer.from('commit abc 2026-06-03T00:00:00Z\n')]));
    expect(r.stdout).toMatch(/^checked$/m);
    expect(rc(r.stderr)).toBe(2);
    expect(r.stderr).toMatch(/expected swap or bye/);
    expect(await hostState(h)).toEqual(before);
    expect(await sh(h, 'test -e /etc/sing-box/config.json.new && echo left || echo gone')).toBe('gone');
    // A staged config that fails its check ends the session at once.
    const cfg = JSON.parse(live) as { log?: Record<string, unknown> };
    cfg.log = { ...(cfg.log ?? {}), output: '/etc/cron.d/evil' };
    const bad = Buffer.from(JSON.stringify(cfg));
    const { channel: refused } = await channel();
    expect(await refused.stage(bad, sha256(bad.toString()))).toMatchObject({ kind: 'ended', code: 10 });
    refused.close();
    // swap: the checked config goes live, proven as an unstaged one is.
    const { channel: second } = await channel();
    expect(await second.stage(next, sha256(next.toString()))).toEqual({ kind: 'checked' });
    expect((await second.swap()).kind).toBe('started');
    expect(await second.commit('abc126', '2026-06-04T00:00:00Z')).toEqual({ ok: true, why: '' });
    second.close();
    const after = await hostState(h);
    expect(after.hash).toBe(sha256(next.toString()));
    expect(after.marker).toContain('abc126');
  });

  it('a staged config that went live and is then rolled back gives back the config that ran before the swap', async () => {
    // The rollback copy is made when the config is staged, before the wait for `swap`.
    const before = await hostState(h);
    const next = variant('error');
    const { channel: c } = await channel();
    expect(await c.stage(next, sha256(next.toString()))).toEqual({ kind: 'checked' });
    expect((await c.swap()).kind).toBe('started');
    expect((await hostState(h)).hash).toBe(sha256(next.toString()));
    expect(await c.rollback()).toMatchObject({ ok: true });
    expect(leftovers()).toEqual([]);
    const after = await hostState(h);
    expect(after.hash).toBe(before.hash);
    expect(after.marker).toBe(before.marker);
    expect(await sh(h, 'test -e /etc/sing-box/config.json.new && echo left || echo gone')).toBe('gone');
    // The service runs the restored config: the next status says so.
    expect(JSON.parse(await sh(h, `${NODE} status`))).toMatchObject({ config_sha256: before.hash, active: true });
  });

  it('a status that came while the deployer was busy past its deadline is read, not taken for silence', async () => {
    // The deployer's thread renders (a large fleet) while the first nodes answer: when it
    // looks again, the deadline has passed but the answer is in the pipe. Bounded: 8 s.
    const opening = DeployChannel.open({ host: h.ip, port: 22, user: 'boxfleet', hostKeys: [h.hostKey] }, { identityFile: hosts().clientKeyPath, connectTimeoutSec: 5 }, 1_000);
    const until = Date.now() + 8_000;
    while (Date.now() < until) { /* this thread is busy; the node answers meanwhile */ }
    const { channel: c, status } = await opening;
    expect(status.config_sha256).toMatch(/^[0-9a-f]{64}$/);
    await c.bye();
  });

  it('a sing-box that cannot say its version still gets a whole status (no version), so a deploy reinstalls it', async () => {
    // A binary for another CPU, or a truncated one: executable, but `version` fails. The
    // status must still come, with no version: the deployer then installs the pinned release.
    const sb = '/usr/local/bin/sing-box';
    await sh(h, `mv ${sb} ${sb}.real && printf '#!/bin/sh\\nexit 126\\n' > ${sb} && chmod 755 ${sb}`);
    try {
      const line = await sh(h, `${NODE} status`);
      const status = JSON.parse(line) as { singbox_version: unknown; config_sha256: string; active: boolean };
      expect(status.singbox_version).toBeNull();
      expect(status.config_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(status.active).toBe(true);
      const r = await session('bye\n');
      expect(rc(r.stderr), r.stderr).toBe(0);
      expect((JSON.parse(r.stdout.replace(/^status /, '')) as { singbox_version: unknown }).singbox_version).toBeNull();
    } finally {
      await sh(h, `mv -f ${sb}.real ${sb}`);
    }
    expect(JSON.parse(await sh(h, `${NODE} status`)).singbox_version).toBe(VERSION);
  });

  it('status is one JSON line whatever the marker holds: its own line as written, any other JSON via jq, anything else invalid', async () => {
    const marker = '/var/lib/boxfleet/deployed.json';
    const saved = await sh(h, `base64 -w0 ${marker}`);
    const status = async (): Promise<{ line: string; marker: unknown }> => {
      const line = await sh(h, `${NODE} status`);
      return { line, marker: (JSON.parse(line) as { marker: unknown }).marker };
    };
    const hash = 'a'.repeat(64);
    try {
      const own = `{"commit": "abc", "config_sha256": "${hash}", "deployed_at": "2026-06-01T00:00:00Z", "singbox_version": "1.12.25"}`;
      await sh(h, `printf '%s\\n' '${own}' > ${marker}`);
      expect((await status()).marker).toEqual(JSON.parse(own));
      // An older script's marker (compact, other key order) is still read.
      await sh(h, `printf '%s' '{"config_sha256":"${hash}","commit":"x y"}' > ${marker}`);
      expect((await status()).marker).toEqual({ config_sha256: hash, commit: 'x y' });
      for (const bad of ['', 'not json', '{"commit": "a"}\\n{"commit": "b"}', `${own}\\000trailing`, 'null']) {
        await sh(h, `printf '${bad}' > ${marker}`);
        const s = await status();
        expect(s.line.split('\n')).toHaveLength(1);
        expect(s.marker, JSON.stringify(bad)).toEqual({ invalid: true });
      }
      await sh(h, `rm -f ${marker}`);
      expect((await status()).marker).toBeNull();
    } finally {
      await sh(h, `echo ${saved} | base64 -d > ${marker}`);
    }
  });
});
