// A started test host and what tests do with it: real ssh with a pinned host key,
// commands and servers inside its namespaces without ssh, and black-holing its network.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { blackhole, refusePort, unblackhole, unrefusePorts } from './net.ts';
import { describeFailure, killAllSync, pidsWithCmdline, run, runChecked, type RunResult } from './proc.ts';
import { HOST_PATH, SSH_PORT, SSHD_DIR_INSIDE } from './sshd.ts';

export interface SshRunOptions {
  /** Remote user; default root. Any user with a login shell works (see addUser). */
  user?: string;
  input?: string | Buffer;
  /** Kills the local ssh after this long (default 30 s); the result then has timedOut. */
  timeoutMs?: number;
  /** Throw with stderr in the message unless the exit code is 0. */
  check?: boolean;
}

export interface ExecOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  /** Added to a clean environment (PATH, HOME=/root, LANG); the test's own env is not passed. */
  env?: Record<string, string>;
  /** Working directory inside the host; default /. */
  cwd?: string;
  check?: boolean;
}

export interface ServerOptions {
  env?: Record<string, string>;
  cwd?: string;
}

/** What a host needs from its fleet (kept narrow so hosts do not own fleet state). */
export interface HostContext {
  sshOptions(opts?: { multiplex?: boolean }): string[];
  /** The run's ControlMaster socket directory. */
  controlDir: string;
  multiplex: boolean;
  track(pid: number): void;
}

export interface HostInfo {
  name: string;
  ns: string;
  ip: string;
  hostKey: string;
  sshdPid: number;
  dir: string;
  upperDir: string;
}

export class TestHost {
  readonly name: string;
  /** Network namespace name (for `ip netns exec`). */
  readonly ns: string;
  /** Address on the run's bridge; the only address of this host reachable from outside. */
  readonly ip: string;
  readonly sshPort = SSH_PORT;
  /** Public host key "ssh-ed25519 AAAA..." to pin. */
  readonly hostKey: string;
  readonly sshdPid: number;
  /** The host's directory in the run dir (sshd/, upper/, logs/). */
  readonly dir: string;
  /** Where the host's writes to /etc, /usr, /var, /home, /root, /opt land (upperDir/etc/...). */
  readonly upperDir: string;
  readonly #ctx: HostContext;
  readonly #servers = new Map<number, string>();
  #serverCount = 0;

  constructor(info: HostInfo, ctx: HostContext) {
    this.name = info.name;
    this.ns = info.ns;
    this.ip = info.ip;
    this.hostKey = info.hostKey;
    this.sshdPid = info.sshdPid;
    this.dir = info.dir;
    this.upperDir = info.upperDir;
    this.#ctx = ctx;
  }

  /** The line for a known_hosts file: "ADDR keytype base64". */
  get knownHostsLine(): string {
    return `${this.ip} ${this.hostKey}`;
  }

  /** Runs cmd (a remote shell command line) over real ssh. */
  async ssh(cmd: string, opts: SshRunOptions = {}): Promise<RunResult> {
    const target = `${opts.user ?? 'root'}@${this.ip}`;
    const args = ['-F', '/dev/null', ...this.#ctx.sshOptions({ multiplex: this.#ctx.multiplex }), '-p', String(this.sshPort), target, cmd];
    const r = await run('ssh', args, { input: opts.input, timeoutMs: opts.timeoutMs });
    if (opts.check && r.code !== 0) throw new Error(describeFailure(['ssh', target, cmd], r));
    return r;
  }

  /**
   * nsenter arguments that run argv inside this host's mount, UTS and network namespaces.
   * A cwd goes through `sh -c 'cd && exec'` (nsenter's own --wd resolves the directory
   * on the machine, before entering); exec keeps the PID that of argv's process.
   */
  nsenterArgs(argv: readonly string[], cwd?: string): string[] {
    const enter = ['--target', String(this.sshdPid), '--mount', '--uts', '--net', '--'];
    if (!cwd) return [...enter, ...argv];
    return [...enter, '/bin/sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', cwd, ...argv];
  }

  #env(extra?: Record<string, string>): NodeJS.ProcessEnv {
    return { PATH: HOST_PATH, HOME: '/root', USER: 'root', LOGNAME: 'root', LANG: 'C.UTF-8', ...extra };
  }

  /** Runs argv as root inside the host (same mounts as its ssh sessions), without ssh. */
  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<RunResult> {
    const r = await run('nsenter', this.nsenterArgs(argv, opts.cwd), {
      input: opts.input,
      timeoutMs: opts.timeoutMs,
      env: this.#env(opts.env),
    });
    if (opts.check && r.code !== 0) throw new Error(describeFailure([`[${this.name}]`, ...argv], r));
    return r;
  }

  /** Writes bytes to a file inside the host (its /tmp and /root are its own, so files go through stdin). */
  async put(path: string, data: string | Buffer, mode = '0644'): Promise<void> {
    await this.exec(['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"', 'sh', path, mode], { input: data, check: true });
  }

  /**
   * Starts a long-running process inside the host; returns its PID (nsenter execs, so
   * it is the server's own PID). Output goes to serverLog(pid). Killed by stop().
   */
  async spawnServer(argv: readonly string[], opts: ServerOptions = {}): Promise<number> {
    const log = `${this.dir}/logs/server-${++this.#serverCount}.log`;
    const fd = openSync(log, 'a');
    const child = spawn('nsenter', this.nsenterArgs(argv, opts.cwd), {
      stdio: ['ignore', fd, fd],
      env: this.#env(opts.env),
      cwd: '/',
      detached: true,
    });
    closeSync(fd);
    child.unref();
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', reject);
    });
    this.#servers.set(pid, log);
    this.#ctx.track(pid);
    return pid;
  }

  serverLog(pid: number): string | undefined {
    return this.#servers.get(pid);
  }

  /** PIDs of servers started with spawnServer (alive or not). */
  get serverPids(): number[] {
    return [...this.#servers.keys()];
  }

  /**
   * Adds a login user (home under /home, bash). The password field is '*', not useradd's
   * '!': with UsePAM no, sshd refuses accounts whose password is locked with '!'.
   * The run's client key logs in as any user; add ~user/.ssh/authorized_keys to test keys.
   */
  async addUser(user: string): Promise<void> {
    await this.exec(['useradd', '--create-home', '--shell', '/bin/bash', '--password', '*', user], { check: true });
  }

  /**
   * Gives the host's eth0 one more address, e.g. one outside every private range for a
   * server that stands for the internet. Only the run's own hosts can reach it: nothing
   * routes it anywhere else.
   */
  async addAddress(cidr: string): Promise<void> {
    await runChecked('ip', ['-n', this.ns, 'addr', 'add', cidr, 'dev', 'eth0'], { timeoutMs: 10_000 });
  }

  /**
   * One more sshd in the host, on `ip:port` (same host key, same keys accepted): a node
   * whose `ssh.port` is not 22, or whose `ssh.host` is another of its addresses. Its
   * config lives in the host's own /run; stopped by PID with the host.
   */
  async listenSsh(ip: string, port: number): Promise<number> {
    const conf = `/run/boxfleet/sshd-${ip}-${port}.conf`;
    await this.exec(['sh', '-c', `sed -e "s|^ListenAddress .*|ListenAddress $1:$2|" -e "s|^PidFile .*|PidFile /run/sshd-$1-$2.pid|" ${SSHD_DIR_INSIDE}/sshd_config > "$3"`, 'sh', ip, String(port), conf], { check: true });
    const pid = await this.spawnServer(['/usr/sbin/sshd', '-D', '-e', '-f', conf]);
    const wait = await this.exec(['sh', '-c', `for i in $(seq 200); do ss -Hltn | grep -q "${ip}:${port} " && exit 0; sleep 0.05; done; exit 1`]);
    if (wait.code !== 0) throw new Error(`boxfleet harness: sshd on ${this.name} ${ip}:${port} did not start`);
    return pid;
  }

  /** Routes `cidr` on the run's bridge: on-link on eth0, or via another host's address. */
  async addRoute(cidr: string, via?: string): Promise<void> {
    await runChecked('ip', ['-n', this.ns, 'route', 'add', cidr, ...(via ? ['via', via] : []), 'dev', 'eth0'], { timeoutMs: 10_000 });
  }

  /**
   * Drops all input to this host except loopback: new connections from the root
   * namespace time out. Also closes the run's ControlMasters to this host, so a later
   * ssh() makes a fresh connection (and times out) instead of stalling on an old one.
   */
  async blackhole(): Promise<void> {
    await blackhole(this.ns);
    killAllSync(pidsWithCmdline(`${this.#ctx.controlDir}/${this.ip}-`));
  }

  async unblackhole(): Promise<void> {
    await unblackhole(this.ns);
  }

  /** Resets every TCP packet to `port` (open connections too) until unrefuse(). */
  async refuse(port: number): Promise<void> {
    await refusePort(this.ns, port);
  }

  async unrefuse(): Promise<void> {
    await unrefusePorts(this.ns);
  }
}
