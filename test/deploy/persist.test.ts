// #14 deploy.ssh_persist: the held session runs over an SSH connection kept between runs,
// so a run within the time skips the handshake. What must hold: the next run reuses it,
// a changed host-key pin is never served by a master authenticated against the old one,
// without the setting nothing outlives the run, and a folder others could plant a socket
// in is never used. Real sshd, sudo and sing-box on a harness host.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { muxMasters, sshSpy, stopMuxMasters, useHosts } from '../harness/index.ts';
import { isAlive, memoryContains } from '../harness/proc.ts';
import { DeployChannel } from '../../scripts/deploy/channel.ts';
import { keptMasterSocket, type SessionOptions, type SshTarget } from '../../scripts/deploy/ssh.ts';
import { hostState, makeTestFleet, markTestHost, sh, startCamouflage, TEST_SECRET, type TestFleet } from './helpers.ts';

describe('fleet deploy with deploy.ssh_persist on a real node', () => {
  const hosts = useHosts(1);
  let tf: TestFleet;
  const runtime = mkdtempSync(join(tmpdir(), 'boxfleet-persist-'));
  const mux = join(runtime, `boxfleet-mux-${process.getuid!()}`);
  const deploy = () => tf.cli(['deploy', '--identity', hosts().clientKeyPath], { XDG_RUNTIME_DIR: runtime, AWS_SECRET_ACCESS_KEY: 'leak-canary' });
  const line = (out: string) => out.split('\n').find((l) => l.startsWith('h1')) ?? out;
  const sockets = () => { try { return readdirSync(mux).filter((n) => n.startsWith('cm-')); } catch { return []; } };
  const persist = (value: string) => tf.edit('fleet.yaml', (doc) => { doc.deploy = { ...doc.deploy, ssh_persist: value }; });

  beforeAll(async () => {
    tf = await makeTestFleet(hosts(), { settings: (f) => { f.deploy = { ...f.deploy, ssh_persist: '120s' }; } });
    const h = hosts().hosts[0]!;
    await markTestHost(h);
    await startCamouflage(h);
    const b = await tf.cli(['bootstrap', 'h1', '--identity', hosts().clientKeyPath]);
    expect(b.code, b.err).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await stopMuxMasters(mux);
    rmSync(runtime, { recursive: true, force: true });
    await tf?.cleanup();
  });

  it('a deploy leaves one master in a private folder; the next run reuses it and still reads the node', async () => {
    const first = await deploy();
    expect(first.code, first.err).toBe(0);
    expect(line(first.out)).toMatch(/deployed/);
    const masters = await muxMasters(mux);
    expect(masters).toHaveLength(1);
    expect(statSync(mux).mode & 0o777).toBe(0o700);
    // The master outlives the run: a later step of the job that may read its memory (a
    // runner's user has sudo) finds neither the fleet's secret nor any other the run was given.
    expect(memoryContains(masters[0]!.pid, 'XDG_RUNTIME_DIR=')).toBe(true); // the reading works
    expect(memoryContains(masters[0]!.pid, TEST_SECRET)).toBe(false);
    expect(memoryContains(masters[0]!.pid, 'leak-canary')).toBe(false);
    const again = await deploy();
    expect(again.code, again.err).toBe(0);
    expect(line(again.out)).toMatch(/unchanged/);
    expect(await muxMasters(mux)).toEqual(masters);
  }, 120_000);

  it('held sessions go through the kept master itself: no ssh client starts for an unchanged or a changed node', async () => {
    const spy = sshSpy(runtime);
    const viaSpy = () => tf.cli(['deploy', '--identity', hosts().clientKeyPath], { XDG_RUNTIME_DIR: runtime, PATH: `${spy.bin}:${process.env.PATH}` });
    const masters = await muxMasters(mux);
    expect(masters).toHaveLength(1);
    const same = await viaSpy();
    expect(same.code, same.err).toBe(0);
    expect(line(same.out)).toMatch(/unchanged/);
    const before = await hostState(hosts().hosts[0]!);
    writeFileSync(join(tf.dir, 'users', 'mux-bob.yaml'), 'name: mux-bob\nrev: 1\n');
    const changed = await viaSpy();
    expect(changed.code, changed.out + changed.err).toBe(0);
    expect(line(changed.out)).toMatch(/deployed/);
    const after = await hostState(hosts().hosts[0]!);
    expect(after.hash).not.toBe(before.hash);
    expect(JSON.parse(after.marker).config_sha256).toBe(after.hash);
    expect(spy.starts()).toEqual([]);
    expect(await muxMasters(mux)).toEqual(masters);

    // A master that died without removing its socket: the run falls back to an ssh client,
    // which replaces the stale socket with a new master.
    process.kill(masters[0]!.pid, 'SIGKILL');
    for (let i = 0; i < 100 && isAlive(masters[0]!.pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(mux).filter((n) => n.startsWith('cm-'))).toHaveLength(1);
    const stale = await viaSpy();
    expect(stale.code, stale.err).toBe(0);
    expect(line(stale.out)).toMatch(/unchanged/);
    expect(spy.starts().length).toBeGreaterThan(0);
    const now = await muxMasters(mux);
    expect(now).toHaveLength(1);
    expect(now[0]!.pid).not.toBe(masters[0]!.pid);
  }, 120_000);

  it('a held session cut off on our side ends on the node and releases its lock', async () => {
    const h = hosts().hosts[0]!;
    const target: SshTarget = { host: h.ip, port: 22, user: 'boxfleet', hostKeys: [h.hostKey] };
    const opts: SessionOptions = { identityFile: hosts().clientKeyPath, persistSec: 120, env: { XDG_RUNTIME_DIR: runtime } };
    expect(keptMasterSocket(target, opts)).toBeDefined();
    // The bracket keeps this command's own shell from matching.
    const sessions = () => sh(h, 'pgrep -fc "boxfleet-nod[e] session" || true');
    const { channel, status } = await DeployChannel.open(target, opts, 30_000);
    expect(status.active).toBe(true);
    expect(Number(await sessions())).toBeGreaterThan(0);
    channel.close();
    let left = '';
    for (let i = 0; i < 200 && left !== '0'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      left = await sessions();
    }
    expect(left).toBe('0');
    const r = await deploy();
    expect(r.code, r.err).toBe(0);
    expect(line(r.out)).toMatch(/unchanged/);
  }, 120_000);

  it('a changed host-key pin is never served by the master of the old pin: the run connects afresh and is refused', async () => {
    expect(await muxMasters(mux)).toHaveLength(1);
    const keyFile = join(runtime, 'other');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    const other = readFileSync(`${keyFile}.pub`, 'utf8').trim();
    let pinned: string[] = [];
    tf.edit('nodes/h1.yaml', (doc) => { pinned = doc.ssh.host_keys; doc.ssh.host_keys = [other]; });
    try {
      const r = await deploy();
      expect(r.code).not.toBe(0);
      expect(line(r.out)).toMatch(/unreachable.*host key does not match/);
    } finally {
      tf.edit('nodes/h1.yaml', (doc) => { doc.ssh.host_keys = pinned; });
    }
  }, 120_000);

  it('without ssh_persist no connection outlives the run', async () => {
    await stopMuxMasters(mux);
    persist('0s');
    const r = await deploy();
    expect(r.code, r.err).toBe(0);
    expect(line(r.out)).toMatch(/unchanged/);
    expect(sockets()).toEqual([]);
    expect(await muxMasters(mux)).toEqual([]);
  }, 120_000);

  it('a folder others may write to is not used: the run connects afresh', async () => {
    persist('120s');
    mkdirSync(mux, { recursive: true });
    chmodSync(mux, 0o777);
    try {
      const r = await deploy();
      expect(r.code, r.err).toBe(0);
      expect(line(r.out)).toMatch(/unchanged/);
      expect(sockets()).toEqual([]);
    } finally {
      chmodSync(mux, 0o700);
    }
  }, 120_000);
});
