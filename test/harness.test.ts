// Proves what the shared test-host harness promises to the deploy, probe and monitoring
// suites: real sshd hosts with pinned keys, isolation from each other and from this
// machine, black-holing, servers inside hosts, and a teardown that leaves nothing behind.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, BASE_DIR, cleanStaleRuns, DEFAULT_LOCK_PATH, procState, tcpProbe, useHosts, waitForPort } from './harness/index.ts';
import { run, runSync, startTime, type RunResult } from './harness/proc.ts';

const ip = (...args: string[]): string => runSync('ip', args).stdout;
/** Where a host may write: overlays (landing in its upper dir) and its own tmpfs mounts. */
const ISOLATED = ['/etc', '/usr/local', '/var/lib', '/home', '/root', '/opt', '/srv', '/run', '/tmp', '/var/log', '/dev/shm'];

describe('test hosts', () => {
  let t0 = 0;
  beforeAll(() => {
    t0 = Date.now();
  });
  const fleet = useHosts(3);
  let serverPid = 0;
  const marker = (): string => `boxfleet-iso-${fleet().prefix}`;

  it('starts 3 hosts, each with its own namespace, address, sshd and host key', () => {
    const f = fleet();
    console.log(`[harness] 3 hosts up in ${Date.now() - t0} ms (run ${f.prefix}, ${f.subnet.cidr})`);
    expect(f.hosts.map((h) => h.name)).toEqual(['h1', 'h2', 'h3']);
    expect(new Set(f.hosts.map((h) => h.ip)).size).toBe(3);
    const nsList = ip('netns', 'list');
    for (const h of f.hosts) {
      expect(h.ns.startsWith(f.prefix)).toBe(true);
      expect(nsList).toContain(h.ns);
      expect(h.ip.startsWith(f.subnet.base + '.')).toBe(true);
      expect(h.sshPort).toBe(22);
      expect(h.hostKey).toMatch(/^ssh-ed25519 AAAA[0-9A-Za-z+/=]+$/);
      expect(readFileSync(`/proc/${h.sshdPid}/comm`, 'utf8').trim()).toBe('sshd');
    }
    expect(new Set(f.hosts.map((h) => h.hostKey)).size).toBe(3);
    expect(readFileSync(f.knownHostsPath, 'utf8')).toBe(f.hosts.map((h) => `${h.ip} ${h.hostKey}\n`).join(''));
    expect(ip('-4', 'addr', 'show', f.bridge)).toContain(`${f.bridgeIp}/24`);
  });

  it('runs a command on every host over ssh with the pinned host key', async () => {
    const f = fleet();
    for (const h of f.hosts) {
      const r = await h.ssh('hostname; cat /etc/hostname; id -un; cat ~/.bashrc');
      expect(r.code, r.stderr).toBe(0);
      const [hostname, etcHostname, user] = r.stdout.split('\n');
      expect([hostname, etcHostname, user]).toEqual([h.name, h.name, 'root']);
      // The clean root home: the machine's pyenv-running ~/.bashrc is not there.
      expect(r.stdout).not.toMatch(/pyenv/);
    }
    // Callers that spawn ssh themselves (a deployer) get the same pinning from sshOptions().
    const h2 = f.hosts[1]!;
    const r = await run('ssh', ['-F', '/dev/null', ...f.sshOptions(), `root@${h2.ip}`, 'cat /etc/hostname'], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('h2');
    expect(f.sshOptions().join(' ')).toContain('StrictHostKeyChecking=yes');
  });

  it('refuses a host whose key does not match the pinned one', async () => {
    const f = fleet();
    const [h1, h2] = f.hosts;
    // Pin h2's key for h1's address: exactly what a man in the middle would look like.
    const wrong = `${f.dir}/known_hosts.wrong`;
    writeFileSync(wrong, `${h1!.ip} ${h2!.hostKey}\n`);
    // ssh takes the first value of an option, so ours goes before sshOptions()'s. No
    // multiplexing here: a reused master connection would skip the key check entirely.
    const args = ['-F', '/dev/null', '-o', `UserKnownHostsFile=${wrong}`, ...f.sshOptions(), `root@${h1!.ip}`, 'echo reached'];
    const r = await run('ssh', args, { timeoutMs: 20_000 });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    expect(r.stdout).not.toContain('reached');
    // A host missing from known_hosts is refused too (no trust on first use).
    writeFileSync(wrong, '');
    const unknown = await run('ssh', args, { timeoutMs: 20_000 });
    expect(unknown.code).toBe(255);
    expect(unknown.stderr).toMatch(/Host key verification failed/);
  });

  it.fails('a test that writes files on h1 and then throws', async () => {
    const m = marker();
    const h1 = fleet().hosts[0]!;
    const r = await h1.ssh(`for d in ${ISOLATED.join(' ')}; do echo h1 > $d/${m}; done`);
    expect(r.code, r.stderr).toBe(0);
    throw new Error('deliberate failure after writing');
  });

  it('keeps what h1 wrote to itself: not on h2, not on this machine', async () => {
    const m = marker();
    const [h1, h2] = fleet().hosts;
    const dirs = ISOLATED;
    const paths = dirs.map((d) => `${d}/${m}`).join(' ');
    // Over ssh and through exec (nsenter): both see h1's own mounts.
    const viaSsh = await h1!.ssh(`cat ${paths}`);
    expect(viaSsh.code, viaSsh.stderr).toBe(0);
    expect(viaSsh.stdout).toBe('h1\n'.repeat(dirs.length));
    const viaExec = await h1!.exec(['sh', '-c', `cat ${paths}`]);
    expect(viaExec.stdout).toBe('h1\n'.repeat(dirs.length));
    for (const d of dirs) {
      const other = await h2!.exec(['test', '-e', `${d}/${m}`]);
      expect(other.code, `${d} on h2`).toBe(1);
      expect(existsSync(`${d}/${m}`), `${d} on this machine`).toBe(false);
    }
    // Overlay writes land in the host's upper dir; tmpfs writes land nowhere on disk.
    expect(readFileSync(`${h1!.upperDir}/etc/${m}`, 'utf8')).toBe('h1\n');
    expect(readFileSync(`${h1!.upperDir}/root/${m}`, 'utf8')).toBe('h1\n');
    expect(existsSync(`${h1!.upperDir}/tmp/${m}`)).toBe(false);
  });

  it('makes the rest of the machine read-only inside a host', async () => {
    const m = marker();
    const h1 = fleet().hosts[0]!;
    const root = await h1.ssh(`touch /${m}`);
    expect(root.code).not.toBe(0);
    expect(root.stderr).toMatch(/Read-only file system/);
    expect(existsSync(`/${m}`)).toBe(false);
    // Global sysctls are the machine's: read-only. net.* belongs to the host's namespace.
    const vm = await h1.exec(['sh', '-c', 'cat /proc/sys/vm/swappiness > /proc/sys/vm/swappiness']);
    expect(vm.code).not.toBe(0);
    const net = await h1.exec(['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward']);
    expect(net.stdout.trim()).toBe('1');
    expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim()).toBe('0');
  });

  it('lets hosts reach each other and the test process over the bridge', async () => {
    const f = fleet();
    const [h1, h2] = f.hosts;
    const server = createServer((_req, res) => res.end('from-root-namespace'));
    await new Promise<void>((resolve) => server.listen(0, f.bridgeIp, resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const get = (url: string): Promise<RunResult> =>
        h1!.exec(['/usr/bin/python3', '-c', `import urllib.request as u; print(u.urlopen("${url}", timeout=5).read().decode())`], { timeoutMs: 10_000 });
      expect((await get(`http://${f.bridgeIp}:${port}/`)).stdout.trim()).toBe('from-root-namespace');
      const ssh = await h1!.exec(['bash', '-c', `exec 3<>/dev/tcp/${h2!.ip}/22 && head -c 8 <&3`], { timeoutMs: 10_000 });
      expect(ssh.stdout).toBe('SSH-2.0-');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('black-holes one host: connections to it time out while another still answers', async () => {
    const [h1, h2] = fleet().hosts;
    expect(await tcpProbe(h1!.ip, 22, 2_000)).toBe('connected');
    await h1!.blackhole();
    try {
      // Bounded wait; the assertion is "no connection", never a duration.
      expect(await tcpProbe(h1!.ip, 22, 1_500)).toBe('timeout');
      expect(await tcpProbe(h2!.ip, 22, 2_000)).toBe('connected');
      const r = await h2!.ssh('hostname');
      expect(r.stdout.trim()).toBe('h2');
      // Inside the black-holed host, loopback still works (as on a node whose uplink died).
      const local = await h1!.exec(['bash', '-c', 'exec 3<>/dev/tcp/' + h1!.ip + '/22 && echo ok'], { timeoutMs: 5_000 });
      expect(local.stdout.trim()).toBe('ok');
    } finally {
      await h1!.unblackhole();
    }
    expect(await waitForPort(h1!.ip, 22, 5_000)).toBe(true);
    expect((await h1!.ssh('hostname')).stdout.trim()).toBe('h1');
  });

  it('starts a server inside a host that is reachable from the root namespace', async () => {
    const h2 = fleet().hosts[1]!;
    await h2.exec(['sh', '-c', 'mkdir -p /srv/www && echo served-by-h2 > /srv/www/index.html'], { check: true });
    serverPid = await h2.spawnServer(['/usr/bin/python3', '-m', 'http.server', '8080', '--bind', h2.ip], { cwd: '/srv/www' });
    expect(await waitForPort(h2.ip, 8080, 10_000), readFileSync(h2.serverLog(serverPid)!, 'utf8')).toBe(true);
    const res = await fetch(`http://${h2.ip}:8080/index.html`, { signal: AbortSignal.timeout(5_000) });
    expect(await res.text()).toBe('served-by-h2\n');
    expect(procState(serverPid)).toBe('alive');
    expect(h2.serverPids).toContain(serverPid);
  });

  it('adds a user that can log in with the run key', async () => {
    const h3 = fleet().hosts[2]!;
    const user = `bfu${fleet().prefix.slice(3)}`;
    await h3.addUser(user);
    const r = await h3.ssh('id -un; echo $HOME', { user });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${user}\n/home/${user}\n`);
    expect(readFileSync('/etc/passwd', 'utf8')).not.toContain(`${user}:`);
    expect(readFileSync(`${h3.upperDir}/etc/passwd`, 'utf8')).toContain(`${user}:`);
  });

  it('stop() kills every process of the run and removes its namespaces, links and files', async () => {
    const f = fleet();
    const pids = f.pids();
    expect(pids).toContain(serverPid);
    for (const h of f.hosts) expect(pids).toContain(h.sshdPid);
    await f.stop();
    await f.stop(); // idempotent
    expect(ip('netns', 'list')).not.toContain(f.prefix);
    expect(ip('-o', 'link', 'show')).not.toContain(f.prefix);
    for (const pid of pids) expect(procState(pid), `pid ${pid}`).not.toBe('alive');
    const ps = runSync('ps', ['-eo', 'pid,args']).stdout;
    expect(ps).not.toContain(f.dir);
    expect(existsSync(f.dir)).toBe(false);
    const owner = existsSync(DEFAULT_LOCK_PATH) ? readFileSync(`${DEFAULT_LOCK_PATH}/owner.json`, 'utf8') : '';
    expect(owner).not.toContain(`"pid":${process.pid},`);
    expect(existsSync(`/etc/${marker()}`)).toBe(false);
    expect(existsSync('/srv/www/index.html')).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(f.prefix);
  });
});

describe('harness lock', () => {
  let path = '';
  beforeAll(() => {
    path = `${mkdtempSync(`${tmpdir()}/bf-lock-`)}/lock`;
  });
  afterAll(() => rmSync(dirname(path), { recursive: true, force: true }));

  it('is exclusive, refuses to wait for itself, and is released by release()', async () => {
    const held = await acquireLock({ path, timeoutMs: 1_000 });
    await expect(acquireLock({ path, timeoutMs: 1_000 })).rejects.toThrow(/already holds/);
    held.release();
    held.release(); // idempotent
    expect(existsSync(path)).toBe(false);
  });

  it('waits for a live owner in another process, bounded, and takes over once it is dead', async () => {
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = other.pid!;
    try {
      mkdirSync(path);
      const owner = { pid, start: startTime(pid), label: 'bftfake', since: new Date().toISOString() };
      writeFileSync(`${path}/owner.json`, JSON.stringify(owner));
      await expect(acquireLock({ path, timeoutMs: 400, pollMs: 50 })).rejects.toThrow(/gave up.*held by pid \d+ \(run bftfake/);
      // Same PID but another start time is another process: the lock is stale.
      writeFileSync(`${path}/owner.json`, JSON.stringify({ ...owner, start: 1 }));
      const held = await acquireLock({ path, timeoutMs: 2_000, pollMs: 50 });
      held.release();
    } finally {
      other.kill('SIGKILL');
    }
  });
});

describe('stale runs', () => {
  it('removes namespaces, links and state of a run whose owner died, and leaves a live run alone', async () => {
    const fresh = (): string => {
      for (;;) {
        const p = `bft${randomBytes(2).toString('hex')}`;
        if (!existsSync(`${BASE_DIR}/${p}`) && !ip('netns', 'list').includes(p)) return p;
      }
    };
    const dead = fresh();
    const live = fresh();
    // A PID that has certainly exited: a finished child of ours.
    const gone = await new Promise<number>((resolve) => {
      const c = spawn('true');
      c.on('exit', () => resolve(c.pid!));
    });
    mkdirSync(`${BASE_DIR}/${dead}`, { recursive: true });
    mkdirSync(`${BASE_DIR}/${live}`, { recursive: true });
    writeFileSync(`${BASE_DIR}/${dead}/state.json`, JSON.stringify({ prefix: dead, pid: gone, createdAt: '' }));
    writeFileSync(
      `${BASE_DIR}/${live}/state.json`,
      JSON.stringify({ prefix: live, pid: process.pid, start: startTime(process.pid), createdAt: '' }),
    );
    for (const p of [dead, live]) {
      runSync('ip', ['netns', 'add', `${p}-h1`]);
      runSync('ip', ['link', 'add', `${p}v0`, 'type', 'bridge']);
    }
    try {
      const { removed } = cleanStaleRuns();
      expect(removed).toContain(dead);
      expect(removed).not.toContain(live);
      expect(ip('netns', 'list')).not.toContain(dead);
      expect(ip('-o', 'link', 'show')).not.toContain(dead);
      expect(existsSync(`${BASE_DIR}/${dead}`)).toBe(false);
      expect(ip('netns', 'list')).toContain(`${live}-h1`);
      expect(ip('-o', 'link', 'show')).toContain(`${live}v0`);
    } finally {
      runSync('ip', ['link', 'del', `${live}v0`]);
      runSync('ip', ['netns', 'del', `${live}-h1`]);
      rmSync(`${BASE_DIR}/${live}`, { recursive: true, force: true });
    }
  });
});
