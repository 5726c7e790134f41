// startHosts(): N sshd test hosts on a private bridge, and their teardown.
//
// Order matters for safety: take the cross-process lock, clean runs whose owner died,
// claim a prefix (state file first, so even a crash mid-setup is cleanable), then build.
import { mkdirSync, writeFileSync } from 'node:fs';
import { TestHost, type HostContext } from './host.ts';
import { acquireLock, type HeldLock } from './lock.ts';
import { createBridge, createHostNetns, hostIp, netnsPids, nsName, pickSubnet, type Subnet } from './net.ts';
import { isAlive, pidsWithCmdline } from './proc.ts';
import { makeKey, prepareHost, startSshd, upperOf, writeRootSkel, type HostLayout } from './sshd.ts';
import { claimRun, cleanStaleRuns, readState, teardownRunSync, writeState } from './state.ts';

export interface StartOptions {
  /** Host names (and hostnames); default h1..hN. */
  names?: string[];
  /** Total wait for the harness lock; default 10 minutes. */
  lockTimeoutMs?: number;
  /** Lock directory; tests of the lock itself use another one. */
  lockPath?: string;
  /** ssh() reuses one connection per host and user (ControlMaster); default true. */
  multiplex?: boolean;
  /** ConnectTimeout for ssh, in seconds; default 5. */
  connectTimeoutSec?: number;
}

const NAME_OK = /^[a-z][a-z0-9-]{0,30}$/;

export class TestHosts {
  readonly hosts: TestHost[] = [];
  /** Private key of the run's one client key pair (accepted for every user on every host). */
  readonly clientKeyPath: string;
  /** known_hosts pinning every host's key by address. */
  readonly knownHostsPath: string;
  readonly bridge: string;
  #stopped = false;
  readonly #tracked = new Set<number>();
  readonly #lock: HeldLock;

  constructor(
    /** Name prefix of every namespace and link of this run, e.g. "bft1a2b". */
    readonly prefix: string,
    /** The run directory /tmp/boxfleet-harness/<prefix>. */
    readonly dir: string,
    readonly subnet: Subnet,
    lock: HeldLock,
    readonly multiplex: boolean,
    readonly connectTimeoutSec: number,
  ) {
    this.clientKeyPath = `${dir}/client_ed25519`;
    this.knownHostsPath = `${dir}/known_hosts`;
    this.bridge = `${prefix}br`;
    this.#lock = lock;
  }

  /** The root namespace's address on the bridge (where hosts reach the test process). */
  get bridgeIp(): string {
    return this.subnet.bridgeIp;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  host(name: string): TestHost {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`boxfleet harness: no host ${name} (have ${this.hosts.map((x) => x.name).join(', ')})`);
    return h;
  }

  /**
   * `-o` options for callers who run ssh/scp/rsync themselves (e.g. a deployer through zx).
   * Pass `-F /dev/null` too, so the machine's ~/.ssh/config cannot interfere. With
   * multiplex, ControlMasters live under the run dir and stop() closes them.
   */
  sshOptions(opts: { multiplex?: boolean } = {}): string[] {
    const o = [
      `UserKnownHostsFile=${this.knownHostsPath}`,
      'GlobalKnownHostsFile=/dev/null',
      'StrictHostKeyChecking=yes',
      'BatchMode=yes',
      'IdentitiesOnly=yes',
      `IdentityFile=${this.clientKeyPath}`,
      `ConnectTimeout=${this.connectTimeoutSec}`,
      'ServerAliveInterval=5',
      'ServerAliveCountMax=3',
    ];
    if (opts.multiplex) o.push('ControlMaster=auto', `ControlPath=${this.controlDir}/%h-%p-%r`, 'ControlPersist=60');
    return o.flatMap((x) => ['-o', x]);
  }

  get controlDir(): string {
    return `${this.dir}/cm`;
  }

  /** Remembers a PID to kill at stop() even if it leaves the hosts' namespaces. */
  track(pid: number): void {
    this.#tracked.add(pid);
  }

  /** Every live PID belonging to this run: host processes, servers, ssh clients/masters. */
  pids(): number[] {
    const all = new Set<number>(this.#tracked);
    for (const h of this.hosts) {
      all.add(h.sshdPid);
      netnsPids(h.ns).forEach((p) => all.add(p));
    }
    pidsWithCmdline(`${this.dir}/`).forEach((p) => all.add(p));
    return [...all].filter(isAlive);
  }

  /** Idempotent, synchronous inside; throws only to report leftovers it could not remove. */
  async stop(): Promise<void> {
    const problems = this.stopSync();
    if (problems.length > 0) throw new Error(`boxfleet harness: teardown of ${this.prefix} left problems:\n${problems.join('\n')}`);
  }

  stopSync(): string[] {
    if (this.#stopped) return [];
    this.#stopped = true;
    active.delete(this);
    const extra = [...this.#tracked, ...this.hosts.map((h) => h.sshdPid)];
    try {
      return teardownRunSync(this.prefix, this.dir, extra);
    } finally {
      this.#lock.release();
    }
  }
}

// ---- best-effort teardown when the process ends without stop() ----

const active = new Set<TestHosts>();
let hooked = false;

function stopAllSync(): void {
  for (const f of [...active]) f.stopSync();
}

function onSignal(sig: NodeJS.Signals): void {
  stopAllSync();
  // Keep the signal's usual effect when nobody else handles it.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', stopAllSync);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/** Starts n test hosts (n in 1..200). Always pair with stop() (useHosts does it). */
export async function startHosts(n: number, opts: StartOptions = {}): Promise<TestHosts> {
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new Error(`boxfleet harness: host count ${n} is not in 1..200`);
  const names = opts.names ?? Array.from({ length: n }, (_, i) => `h${i + 1}`);
  if (names.length !== n || new Set(names).size !== n || !names.every((x) => NAME_OK.test(x))) {
    throw new Error(`boxfleet harness: need ${n} distinct names matching ${NAME_OK}, got ${JSON.stringify(names)}`);
  }
  // The claim comes first so waiters can name the run holding the lock.
  const { prefix, dir } = claimRun();
  let lock: HeldLock;
  try {
    lock = await acquireLock({ path: opts.lockPath, timeoutMs: opts.lockTimeoutMs, label: prefix });
  } catch (e) {
    teardownRunSync(prefix, dir);
    throw e;
  }
  let fleet: TestHosts | undefined;
  try {
    cleanStaleRuns();
    const subnet = await pickSubnet(prefix);
    writeState(dir, { ...readState(dir)!, subnet: subnet.cidr });
    fleet = new TestHosts(prefix, dir, subnet, lock, opts.multiplex ?? true, opts.connectTimeoutSec ?? 5);
    active.add(fleet);
    hookProcessExit();
    mkdirSync(fleet.controlDir, { mode: 0o700 });
    writeRootSkel(`${dir}/root-skel`);
    const clientPub = await makeKey(fleet.clientKeyPath, `boxfleet-harness-${prefix}`);
    await createBridge(prefix, subnet);
    const layouts: HostLayout[] = names.map((name, i) => ({
      name,
      ns: nsName(prefix, name),
      ip: hostIp(subnet, i),
      dir: `${dir}/${name}`,
      rootSkel: `${dir}/root-skel`,
    }));
    const f = fleet;
    const ctx: HostContext = {
      sshOptions: (o) => f.sshOptions(o),
      controlDir: f.controlDir,
      multiplex: f.multiplex,
      track: (pid) => f.track(pid),
    };
    const started = await Promise.all(
      layouts.map(async (h, i) => {
        const [hostKey] = await Promise.all([prepareHost(h, clientPub), createHostNetns(prefix, i, h.ns, h.ip)]);
        const sshd = await startSshd(h);
        f.track(sshd.pid);
        return new TestHost({ ...h, hostKey, sshdPid: sshd.pid, upperDir: upperOf(h) }, ctx);
      }),
    );
    fleet.hosts.push(...started);
    writeFileSync(fleet.knownHostsPath, started.map((h) => `${h.knownHostsLine}\n`).join(''));
    return fleet;
  } catch (e) {
    // Leave nothing behind on a failed start, then report the original error.
    if (fleet) fleet.stopSync();
    else {
      teardownRunSync(prefix, dir);
      lock.release();
    }
    throw e;
  }
}
