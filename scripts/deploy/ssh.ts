// SSH sessions over the system OpenSSH client, driven by zx with array arguments (no local
// shell interpolation). One ControlMaster per session makes every later command a cheap
// channel on one authenticated connection. Host keys come only from the node's YAML: the
// private known_hosts file holds exactly those, and StrictHostKeyChecking=yes refuses
// anything else (never trust on first use). Remote work is sent as a bash script on stdin,
// because ssh joins its arguments into one string that the remote shell parses again.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $, type ProcessPromise } from 'zx';

/**
 * zx runs each command through `bash -c` with a socket as stdin; a bash that sees no
 * SHLVL then takes itself for an rshd-started shell and sources ~/.bashrc (measured:
 * 130–370 ms per call where root's bashrc runs pyenv). SHLVL ≥ 1 keeps it a plain shell.
 */
function localEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LC_ALL: 'C', SHLVL: String(Math.max(1, Number(process.env.SHLVL) || 0)) };
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
    if (target.hostKeys.length === 0) throw new SshError('host-key', `no pinned host key for ${target.host}`);
    this.#dir = mkdtempSync(join(tmpdir(), SESSION_DIR_PREFIX));
    writeFileSync(join(this.#dir, 'known_hosts'), knownHostsLines(target), { mode: 0o600 });
    const identity = opts.identityFile ?? (opts.env ?? process.env).SSH_PRIVATE_KEY_FILE;
    const o = [
      `UserKnownHostsFile=${join(this.#dir, 'known_hosts')}`,
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
      'ControlMaster=auto',
      `ControlPath=${join(this.#dir, 'cm')}`,
      'ControlPersist=120',
      'LogLevel=ERROR',
      ...(opts.extraOptions ?? []),
    ];
    // -F /dev/null: the machine's ~/.ssh/config must not change what a deploy does.
    this.#args = ['-F', '/dev/null', ...o.flatMap((x) => ['-o', x]), '-p', String(target.port)];
    this.#dest = `${target.user}@${target.host}`;
  }

  /** Runs a remote command line; rejects with SshError when the connection fails. */
  async #ssh(remote: string, input: string | Buffer, timeoutMs = 120_000): Promise<RemoteResult> {
    if (this.#closed) throw new Error('ssh session is closed');
    const out = await $({ input, nothrow: true, quiet: true, timeout: timeoutMs, env: localEnv() })`ssh ${this.#args} ${this.#dest} ${remote}`;
    const code = out.exitCode ?? 255;
    if (code === 255) {
      const stderr = out.stderr.trim();
      throw new SshError(classifySshFailure(stderr), stderr.split('\n').slice(-3).join(' ') || 'ssh failed (exit 255)');
    }
    return { code, stdout: out.stdout, stderr: out.stderr };
  }

  /** Connects (starting the ControlMaster) and proves the host key and login work. */
  async connect(): Promise<void> {
    await this.#ssh('true', '');
  }

  /** Sends a bash script on stdin; the script's own exit code is returned, not thrown. */
  run(script: string, opts: { timeoutMs?: number } = {}): Promise<RemoteResult> {
    return this.#ssh('bash -s', `set -euo pipefail\n${script}\n`, opts.timeoutMs);
  }

  /** The node script, under sudo unless we are root already (the first bootstrap). */
  node(args: readonly string[], opts: { timeoutMs?: number; sudo?: boolean } = {}): Promise<RemoteResult> {
    const sudo = opts.sudo ?? this.target.user !== 'root';
    return this.run(`${sudo ? 'sudo -n ' : ''}${NODE_SCRIPT} ${args.map(sq).join(' ')}`, opts);
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
    const p = $({ nothrow: true, quiet: true, env: localEnv() })`ssh ${this.#args} ${this.#dest} ${remote}`;
    return new HeldCommand(p);
  }

  /** Closes the ControlMaster (it would otherwise outlive us) and the private directory. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const opts = { nothrow: true, quiet: true, timeout: 10_000, env: localEnv() };
    // `-O exit` returns before the master has gone; on a loaded machine it lingers a while.
    // Wait for it (bounded), so that when close() returns nothing of the session is left.
    const check = await $(opts)`ssh ${this.#args} -O check ${this.#dest}`;
    const pid = Number(/pid=(\d+)/.exec(check.stderr)?.[1] ?? 0);
    await $(opts)`ssh ${this.#args} -O exit ${this.#dest}`;
    if (pid > 0) await waitGone(pid, 5_000);
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** A remote command that runs until we close its stdin. */
export class HeldCommand {
  #stdout = '';
  constructor(readonly process: ProcessPromise) {
    process.stdout.on('data', (b: Buffer) => (this.#stdout += b.toString('utf8')));
  }

  /** Waits for a line matching re on stdout; undefined when the command ended first. */
  async waitFor(re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray | undefined> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.process.then(() => (ended = true));
    while (Date.now() < deadline) {
      const m = this.#stdout.match(re);
      if (m) return m;
      if (ended) return undefined;
      await new Promise((r) => setTimeout(r, 10));
    }
    return undefined;
  }

  /** Closes stdin (the remote side sees EOF) and waits for the command to end. */
  async end(): Promise<RemoteResult> {
    this.process.stdin.end();
    const out = await this.process;
    return { code: out.exitCode ?? 255, stdout: out.stdout, stderr: out.stderr };
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
