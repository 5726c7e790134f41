// SSH sessions over the system OpenSSH client, spawned with array arguments (no local
// shell, so nothing is interpolated twice and no bash start-up is paid per call). One ControlMaster per session makes every later command a cheap
// channel on one authenticated connection. Host keys come only from the node's YAML: the
// private known_hosts file holds exactly those, and StrictHostKeyChecking=yes refuses
// anything else (never trust on first use). Remote work is sent as a bash script on stdin,
// because ssh joins its arguments into one string that the remote shell parses again.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { childEnv } from '../core/child-env.ts';
import { clipText } from '../text/escape.ts';

/** ssh itself, with array arguments; `input` goes to its stdin (and ends it). */
export function spawnSsh(args: readonly string[]): ChildProcessWithoutNullStreams {
  const child = spawn('ssh', args, { env: childEnv({ LC_ALL: 'C' }), stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => undefined); // the remote side may end before reading it all
  return child;
}

/**
 * What one remote command may answer. A node is hostile: the largest legitimate answer is a
 * usage read (16 MiB at most, usage/read.ts); past these, ssh is stopped instead of the
 * answer filling memory (Node cannot even make a string of more than ~512 MiB).
 */
export const MAX_REMOTE_STDOUT = 32 * 1024 * 1024;
const MAX_REMOTE_STDERR = 64 * 1024;

/** Runs ssh to completion (killed after timeoutMs); exit 255 is ssh's own failure. */
export function runSsh(args: readonly string[], input: string | Buffer, timeoutMs: number): Promise<RemoteResult> {
  return new Promise((resolve) => {
    const child = spawnSsh(args);
    const out = new CappedBuffer(MAX_REMOTE_STDOUT);
    const err = new CappedBuffer(MAX_REMOTE_STDERR, true);
    let settled = false;
    const finish = (code: number, extra = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // The cap's own words alone: the node's stderr could push them out of the report.
      if (out.overflowed) resolve({ code: 255, stdout: '', stderr: `the node answered more than ${MAX_REMOTE_STDOUT} bytes: the connection was stopped` });
      else resolve({ code, stdout: out.text(), stderr: err.text() + extra });
    };
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => { if (!out.push(b)) child.kill('SIGKILL'); });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', (e) => finish(255, `ssh could not be started: ${e.message}`));
    child.once('close', (code) => finish(code ?? 255));
    child.stdin.end(input);
  });
}

/** Output kept up to a size: the head (stdout: an answer is whole or refused) or the tail (stderr: the last lines say why). */
export class CappedBuffer {
  #parts: Buffer[] = [];
  #size = 0;
  overflowed = false;
  constructor(readonly max: number, readonly keepTail = false) {}

  /** False once more than max arrived (the head is kept whole, nothing past it). */
  push(b: Buffer): boolean {
    if (this.overflowed && !this.keepTail) return false;
    this.#parts.push(b);
    this.#size += b.length;
    if (this.#size > this.max) {
      this.overflowed = true;
      const all = Buffer.concat(this.#parts);
      this.#parts = [this.keepTail ? all.subarray(all.length - this.max) : all.subarray(0, this.max)];
      this.#size = this.max;
    }
    return !this.overflowed || this.keepTail;
  }

  text(): string {
    return Buffer.concat(this.#parts).toString('utf8');
  }
}

/**
 * The options every connection to a node uses. Host keys come only from the node's YAML
 * (the private known_hosts in `dir`); `-F /dev/null`: the machine's ~/.ssh/config must not
 * change what a deploy does.
 */
export function sshArgs(target: SshTarget, opts: SessionOptions, dir: string, control: boolean): string[] {
  const identity = opts.identityFile ?? (opts.env ?? process.env).SSH_PRIVATE_KEY_FILE;
  const o = [
    `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
    'GlobalKnownHostsFile=/dev/null',
    'StrictHostKeyChecking=yes',
    'CheckHostIP=no',
    'UpdateHostKeys=no',
    'BatchMode=yes',
    'PasswordAuthentication=no',
    ...(identity ? ['IdentitiesOnly=yes', `IdentityFile=${identity}`] : []),
    `ConnectTimeout=${opts.connectTimeoutSec ?? 10}`,
    'ServerAliveInterval=5',
    'ServerAliveCountMax=3',
    ...(control ? ['ControlMaster=auto', `ControlPath=${join(dir, 'cm')}`, 'ControlPersist=120'] : persistedControl(target, opts, identity)),
    'LogLevel=ERROR',
    ...(opts.extraOptions ?? []),
  ];
  return ['-F', '/dev/null', ...o.flatMap((x) => ['-o', x]), '-p', String(target.port)];
}

/**
 * A connection kept between runs (deploy.ssh_persist): a ControlMaster whose socket lives in
 * a private folder of ours and is named by everything that made it trustworthy (address,
 * port, user, key file, pinned host keys). A master authenticated against an old pin is
 * never reused once the YAML pins another key: the new pin names another socket, and that
 * connection checks the host key afresh. Without persistence, or when the folder is not
 * safely ours, every run connects afresh.
 */
function persistedControl(target: SshTarget, opts: SessionOptions, identity: string | undefined): string[] {
  const path = persistedControlPath(target, opts, identity);
  if (!path) return ['ControlMaster=no', 'ControlPath=none'];
  return ['ControlMaster=auto', `ControlPath=${path}`, `ControlPersist=${Math.round(opts.persistSec!)}`];
}

function persistedControlPath(target: SshTarget, opts: SessionOptions, identity: string | undefined): string | undefined {
  if (!opts.persistSec || opts.persistSec <= 0) return undefined;
  const dir = persistDir(opts.env ?? process.env);
  if (!dir) return undefined;
  const name = createHash('sha256').update(JSON.stringify([target.user, target.host, target.port, identity ?? '', [...target.hostKeys].sort()])).digest('hex').slice(0, 20);
  return join(dir, `cm-${name}`);
}

/**
 * The socket of a master kept for exactly this target (same name rule as sshArgs), when
 * there is one: a held session can then go through it without an ssh client (mux.ts).
 */
export function keptMasterSocket(target: SshTarget, opts: SessionOptions): string | undefined {
  const path = persistedControlPath(target, opts, opts.identityFile ?? (opts.env ?? process.env).SSH_PRIVATE_KEY_FILE);
  return path && existsSync(path) ? path : undefined;
}

/** `boxfleet-mux-<uid>` under $XDG_RUNTIME_DIR (else the temp folder), 0700 and ours, or undefined. */
export function persistDir(env: NodeJS.ProcessEnv): string | undefined {
  const uid = process.getuid?.() ?? 0;
  const dir = join(env.XDG_RUNTIME_DIR || tmpdir(), `boxfleet-mux-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  // Someone else's folder, a link, or one others may write: their socket could be anything.
  const st = lstatSync(dir);
  return st.isDirectory() && !st.isSymbolicLink() && st.uid === uid && (st.mode & 0o077) === 0 ? dir : undefined;
}

/**
 * Removes a knownHostsDir: its one file and then the folder; anything else found there
 * (a socket of a session's master) goes with rmSync, which Node 20 loads on first use: ~15 ms
 * of a deploy that only asks four nodes what they run.
 */
export function removeKnownHostsDir(dir: string): void {
  try {
    unlinkSync(join(dir, 'known_hosts'));
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Never trust on first use: a target without a pinned host key is refused before any connection. */
export function requirePinnedKeys(target: SshTarget): void {
  if (target.hostKeys.length === 0) throw new SshError('host-key', `no pinned host key for ${target.host}`);
}

/** A private directory holding exactly the target's pinned host keys. */
export function knownHostsDir(target: SshTarget): string {
  requirePinnedKeys(target);
  const dir = mkdtempSync(join(tmpdir(), SESSION_DIR_PREFIX));
  writeFileSync(join(dir, 'known_hosts'), knownHostsLines(target), { mode: 0o600 });
  return dir;
}

/** ssh's exit 255 as the SshError it means. */
export function sshFailure(stderr: string): SshError {
  const text = stderr.trim();
  // The node's own words may ride along (a remote command's stderr before ssh failed): clipped.
  return new SshError(classifySshFailure(text), clipText(text.split('\n').slice(-3).join(' '), 300) || 'ssh failed (exit 255)');
}

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** Pinned public host keys: "keytype base64 [comment]". */
  hostKeys: string[];
}

export interface SessionOptions {
  /** Private key file; default env SSH_PRIVATE_KEY_FILE, else the ssh-agent's keys. */
  identityFile?: string;
  connectTimeoutSec?: number;
  /** More `-o` values, e.g. ['ServerAliveInterval=5']. */
  extraOptions?: string[];
  env?: NodeJS.ProcessEnv;
  /** deploy.ssh_persist in seconds: held sessions run over a ControlMaster kept that long (0: none). */
  persistSec?: number;
}

export interface RemoteResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type SshFailure = 'host-key' | 'unreachable' | 'auth' | 'ssh';

/** The connection itself failed (not the remote command). */
export class SshError extends Error {
  constructor(readonly kind: SshFailure, message: string) {
    super(message);
    this.name = 'SshError';
  }
}

/** Every session's private directory starts with this (tests look for leftovers by it). */
export const SESSION_DIR_PREFIX = 'boxfleet-ssh-';
export const NODE_SCRIPT = '/usr/local/sbin/boxfleet-node';

/** Quotes one word for the remote bash (single quotes survive everything but themselves). */
export const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** known_hosts lines for a target: "[host]:port" unless the port is 22, as ssh looks them up. */
export function knownHostsLines(t: Pick<SshTarget, 'host' | 'port' | 'hostKeys'>): string {
  const name = t.port === 22 ? t.host : `[${t.host}]:${t.port}`;
  return t.hostKeys.map((k) => `${name} ${k.trim().split(/\s+/).slice(0, 2).join(' ')}\n`).join('');
}

/** Maps ssh's exit 255 messages to what the operator should do about them. */
export function classifySshFailure(stderr: string): SshFailure {
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed|host key .* not in list/i.test(stderr)) return 'host-key';
  if (/Permission denied|Too many authentication failures/i.test(stderr)) return 'auth';
  if (/timed out|Connection refused|No route to host|Network is unreachable|Could not resolve|Connection closed by|Connection reset/i.test(stderr)) return 'unreachable';
  return 'ssh';
}

export class Session {
  readonly #dir: string;
  readonly #args: string[];
  readonly #dest: string;
  #closed = false;

  constructor(readonly target: SshTarget, opts: SessionOptions = {}) {
    this.#dir = knownHostsDir(target);
    this.#args = sshArgs(target, opts, this.#dir, true);
    this.#dest = `${target.user}@${target.host}`;
  }

  /** Runs a remote command line; rejects with SshError when the connection fails. */
  async #ssh(remote: string, input: string | Buffer, timeoutMs = 120_000): Promise<RemoteResult> {
    if (this.#closed) throw new Error('ssh session is closed');
    const out = await runSsh([...this.#args, this.#dest, remote], input, timeoutMs);
    if (out.code === 255) throw sshFailure(out.stderr);
    return out;
  }

  /** Connects (starting the ControlMaster) and proves the host key and login work. */
  async connect(): Promise<void> {
    await this.#ssh('true', '');
  }

  /** Sends a bash script on stdin; the script's own exit code is returned, not thrown. */
  run(script: string, opts: { timeoutMs?: number } = {}): Promise<RemoteResult> {
    return this.#ssh('bash -s', `set -euo pipefail\n${script}\n`, opts.timeoutMs);
  }

  /**
   * The node script, under sudo unless we are root already (the first bootstrap). `input`
   * is its stdin (a manifest, a release): data goes to the node script directly, never
   * through a file a path could name.
   */
  node(args: readonly string[], opts: { timeoutMs?: number; sudo?: boolean; input?: Buffer } = {}): Promise<RemoteResult> {
    const sudo = opts.sudo ?? this.target.user !== 'root';
    return this.#ssh(`${sudo ? 'sudo -n ' : ''}${NODE_SCRIPT} ${args.map(sq).join(' ')}`, opts.input ?? '', opts.timeoutMs);
  }

  /**
   * Streams content to a file (default: a fresh mktemp file) through stdin and checks
   * the remote sha256; returns the remote path. `sendOnly` is a fault-injection hook for
   * tests: it sends only that many bytes, as a dropped transfer would.
   */
  async upload(content: string | Buffer, remotePath?: string, opts: { sendOnly?: number } = {}): Promise<string> {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const want = createHash('sha256').update(data).digest('hex');
    const dest = remotePath ? sq(remotePath) : '"$(mktemp /tmp/boxfleet-upload.XXXXXXXX)"';
    const cmd = `umask 077 && p=${dest} && cat > "$p" && sha256sum "$p"`;
    const sent = opts.sendOnly === undefined ? data : data.subarray(0, opts.sendOnly);
    const r = await this.#ssh(cmd, sent);
    const [got, path] = r.stdout.trim().split(/\s+/);
    if (r.code !== 0 || !path) throw new Error(`upload failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    if (got !== want) {
      await this.#ssh(`rm -f ${sq(path)}`, '').catch(() => undefined);
      throw new Error(`upload arrived incomplete or changed (sha256 ${got?.slice(0, 12)}… ≠ ${want.slice(0, 12)}…); removed it`);
    }
    return path;
  }

  /** Starts a long-running remote command (e.g. the deploy lock) and returns its handle. */
  hold(args: readonly string[], sudo = this.target.user !== 'root'): HeldCommand {
    const remote = `${sudo ? 'sudo -n ' : ''}${NODE_SCRIPT} ${args.map(sq).join(' ')}`;
    return new HeldCommand(spawnSsh([...this.#args, this.#dest, remote]));
  }

  /** Closes the ControlMaster (it would otherwise outlive us) and the private directory. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // `-O exit` returns before the master has gone; on a loaded machine it lingers a while.
    // Wait for it (bounded), so that when close() returns nothing of the session is left.
    const check = await runSsh([...this.#args, '-O', 'check', this.#dest], '', 10_000);
    const pid = Number(/pid=(\d+)/.exec(check.stderr)?.[1] ?? 0);
    await runSsh([...this.#args, '-O', 'exit', this.#dest], '', 10_000);
    if (pid > 0) await waitGone(pid, 5_000);
    removeKnownHostsDir(this.#dir);
  }
}

/** A remote command that runs until we close its stdin. */
export class HeldCommand {
  readonly #stdout = new CappedBuffer(MAX_REMOTE_STDOUT);
  readonly #stderr = new CappedBuffer(MAX_REMOTE_STDERR, true);
  readonly #ended: Promise<number>;
  constructor(readonly process: ChildProcessWithoutNullStreams) {
    process.stdout.on('data', (b: Buffer) => { if (!this.#stdout.push(b)) process.kill('SIGKILL'); });
    process.stderr.on('data', (b: Buffer) => this.#stderr.push(b));
    this.#ended = new Promise((resolve) => {
      process.once('error', () => resolve(255));
      process.once('close', (code) => resolve(code ?? 255));
    });
  }

  /** Waits for a line matching re on stdout; undefined when the command ended first. */
  async waitFor(re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray | undefined> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.#ended.then(() => (ended = true));
    while (Date.now() < deadline) {
      const m = this.#stdout.text().match(re);
      if (m) return m;
      if (ended) return undefined;
      await new Promise((r) => setTimeout(r, 10));
    }
    return undefined;
  }

  /** Closes stdin (the remote side sees EOF) and waits for the command to end. */
  async end(): Promise<RemoteResult> {
    this.process.stdin.end();
    const code = await this.#ended;
    return { code, stdout: this.#stdout.text(), stderr: this.#stderr.text() };
  }
}

/** Opens and connects a session; throws SshError (and leaves nothing behind) on failure. */
export async function openSession(target: SshTarget, opts: SessionOptions = {}): Promise<Session> {
  const s = new Session(target, opts);
  try {
    await s.connect();
    return s;
  } catch (e) {
    await s.close();
    throw e;
  }
}

/** Alive and not a zombie (a finished child may wait a while to be reaped). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch { return false; }
}

/** Waits until pid has exited (up to ms), then kills it if it has not. */
async function waitGone(pid: number, ms: number): Promise<void> {
  for (const end = Date.now() + ms; running(pid) && Date.now() < end;) await new Promise((r) => setTimeout(r, 25));
  if (running(pid)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
}
