// The deployer's end of `boxfleet-node session` (node-script/40-session.sh): one SSH
// connection per node that holds the deploy lock from the first status to the verdict. It
// costs one round trip to learn what a node runs, one to send a release and config and
// hear that the new process holds its ports, and one to commit or roll back. A config can
// also be staged: checked on the node while the canary is being proven, swapped later.
import { clipText } from '../text/escape.ts';
import { parseNodeStatus, type NodeStatus } from './node-status.ts';
import {
  keptMasterSocket, knownHostsDir, requirePinnedKeys, NODE_SCRIPT, removeKnownHostsDir, sshArgs, sshFailure, spawnSsh, SshError, type SessionOptions, type SshTarget,
} from './ssh.ts';
import { MuxProcess, type RemoteProcess } from './mux.ts';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Longest line the node may send; more is hostile or broken. */
const MAX_LINE = 64 * 1024;
/** stderr kept for the report: the tail is what explains a failure. */
const MAX_STDERR = 16 * 1024;

export interface Started { oldPid: number; newPid: number; udp: Set<number> }

export type ApplyResult =
  | { kind: 'started'; started: Started }
  /** The session ended: exit 10 check failed, 11 rolled back, 12 rollback failed, 14 bad pin or bytes, 15 needs root. */
  | { kind: 'ended'; code: number; why: string };

export interface ReleaseUpload { bytes: Buffer; version: string; arch: string; sha256: string; signature: string }

export class DeployChannel {
  readonly #child: RemoteProcess;
  /** The known_hosts folder of an ssh client of ours; none while a kept master serves us. */
  #dir: string | undefined;
  readonly #lines: string[] = [];
  #partial = '';
  #stderr = '';
  #exit: number | undefined;
  #wake: (() => void) | undefined;
  #tooLong = false;

  private constructor(target: SshTarget, opts: SessionOptions) {
    requirePinnedKeys(target);
    const sudo = target.user !== 'root' ? ['sudo', '-n'] : [];
    const command = [...sudo, NODE_SCRIPT, 'session'].join(' ');
    const ssh = (): RemoteProcess => {
      this.#dir = knownHostsDir(target);
      return spawnSsh([...sshArgs(target, opts, this.#dir, false), `${target.user}@${target.host}`, command]);
    };
    const kept = keptMasterSocket(target, opts);
    this.#child = kept ? new MuxProcess(kept, command, ssh) : ssh();
    this.#child.stdout.on('data', (b: Buffer) => this.#onData(b.toString('utf8')));
    this.#child.stderr.on('data', (b: Buffer) => { this.#stderr = (this.#stderr + b.toString('utf8')).slice(-MAX_STDERR); });
    this.#child.once('error', (e) => { this.#stderr += `ssh could not be started: ${e.message}`; this.#ended(255); });
    this.#child.once('close', (code) => this.#ended(code ?? 255));
  }

  /** Connects, takes the node's lock and reads its status; throws SshError or a plain Error. */
  static async open(target: SshTarget, opts: SessionOptions, timeoutMs = 60_000): Promise<{ channel: DeployChannel; status: NodeStatus }> {
    const channel = new DeployChannel(target, opts);
    try {
      const line = await channel.#next(/^status /, timeoutMs);
      return { channel, status: parseNodeStatus(line.slice('status '.length)) };
    } catch (e) {
      channel.close();
      throw e;
    }
  }

  /** Nothing to deploy: the node unlocks and the connection ends. */
  async bye(): Promise<void> {
    this.#send('bye\n');
    this.#child.stdin.end();
    await this.#waitExit(10_000);
    this.close();
  }

  /** Sends the release (when one changes) and the config; resolves when the node says how it went. */
  async apply(config: Buffer, sha256: string, release?: ReleaseUpload, o: { sendOnly?: number; timeoutMs?: number } = {}): Promise<ApplyResult> {
    this.#sendConfig(config, sha256, release, o.sendOnly, false);
    return this.#started(o.timeoutMs);
  }

  /**
   * Sends the config to be checked but not yet swapped (node script 4 or later): resolves
   * `checked`, or `ended` when the node refused it. `swap()` or `bye()` follows.
   */
  async stage(config: Buffer, sha256: string, o: { sendOnly?: number; timeoutMs?: number } = {}): Promise<{ kind: 'checked' } | Extract<ApplyResult, { kind: 'ended' }>> {
    this.#sendConfig(config, sha256, undefined, o.sendOnly, true);
    try {
      await this.#next(/^checked$/, o.timeoutMs ?? 300_000);
      return { kind: 'checked' };
    } catch (e) {
      if (this.#exit === undefined) throw e;
      return { kind: 'ended', code: this.#exit, why: this.lastError() };
    }
  }

  /** The staged config goes live; resolves as `apply` does. */
  async swap(timeoutMs?: number): Promise<ApplyResult> {
    this.#send('swap\n');
    return this.#started(timeoutMs);
  }

  #sendConfig(config: Buffer, sha256: string, release: ReleaseUpload | undefined, sendOnly: number | undefined, staged: boolean): void {
    if (release) {
      this.#send(`binary ${release.bytes.length} ${release.version} ${release.arch} ${release.sha256} ${release.signature}\n`);
      this.#send(release.bytes);
    }
    this.#send(`config ${config.length} ${sha256}${staged ? ' staged' : ''}\n`);
    if (sendOnly === undefined) this.#send(config);
    else {
      // A transfer that drops half-way: the node must see the short count and swap nothing.
      this.#send(config.subarray(0, sendOnly));
      this.#child.stdin.end();
    }
  }

  async #started(timeoutMs = 300_000): Promise<ApplyResult> {
    try {
      const line = await this.#next(/^started /, timeoutMs);
      return { kind: 'started', started: parseStarted(line) };
    } catch (e) {
      if (this.#exit === undefined) throw e;
      return { kind: 'ended', code: this.#exit, why: this.lastError() };
    }
  }

  /** The deployer's health check passed: the node writes the marker. */
  async commit(commit: string, deployedAt: string, usageCommit?: string, timeoutMs = 30_000): Promise<{ ok: boolean; why: string }> {
    this.#send(`commit ${commit} ${deployedAt}${usageCommit ? ` ${usageCommit}` : ''}\n`);
    try {
      await this.#next(/^committed$/, timeoutMs);
      return { ok: true, why: '' };
    } catch {
      return { ok: false, why: this.lastError() || `the node did not confirm the marker (exit ${this.#exit ?? 'none'})` };
    }
  }

  /** The health check failed: the node restores the previous config (and release). */
  async rollback(timeoutMs = 120_000): Promise<{ ok: boolean; why: string }> {
    this.#send('rollback\n');
    this.#child.stdin.end();
    const code = await this.#waitExit(timeoutMs);
    // The session is over, as after `bye`: its private folder goes now.
    this.close();
    return { ok: code === 11, why: this.lastError() };
  }

  /** The last line the node wrote to stderr, cut to a sentence's length. */
  lastError(): string {
    return clipText(this.#stderr.trim().split('\n').filter(Boolean).pop() ?? '', 300);
  }

  /** Ends the connection (the node rolls back anything not committed) and removes our files. */
  close(): void {
    if (this.#exit === undefined) this.#child.kill('SIGTERM');
    if (this.#dir) removeKnownHostsDir(this.#dir);
    this.#dir = undefined;
  }

  /** Resolves when the ssh process has exited (it is killed after timeoutMs). */
  async #waitExit(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.#exit === undefined && Date.now() < deadline) await this.#sleep(deadline - Date.now());
    if (this.#exit === undefined) this.#child.kill('SIGKILL');
    while (this.#exit === undefined) await this.#sleep(1_000);
    return this.#exit;
  }

  #send(data: string | Buffer): void {
    if (this.#exit === undefined && this.#child.stdin.writable) this.#child.stdin.write(data);
  }

  #onData(text: string): void {
    this.#partial += text;
    if (this.#partial.length > MAX_LINE && !this.#partial.includes('\n')) this.#tooLong = true;
    const parts = this.#partial.split('\n');
    this.#partial = parts.pop()!;
    this.#lines.push(...parts);
    this.#wake?.();
  }

  #ended(code: number): void {
    if (this.#exit !== undefined) return;
    this.#exit = code;
    this.#wake?.();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(1, ms));
      function done(): void { clearTimeout(timer); resolve(); }
      this.#wake = done;
    });
  }

  /** The next line matching `re` (earlier lines are progress and skipped). */
  async #next(re: RegExp, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let lastLook = false;
    for (;;) {
      if (this.#tooLong) throw new Error('the node sent a line longer than 64 KiB');
      const i = this.#lines.findIndex((l) => re.test(l));
      if (i >= 0) return this.#lines.splice(0, i + 1).pop()!;
      if (this.#exit === 255) throw sshFailure(this.#stderr);
      if (this.#exit !== undefined) throw new Error(this.lastError() || `boxfleet-node session ended (exit ${this.#exit})`);
      if (Date.now() >= deadline) {
        // Timers run before pending reads: after a long stretch of work on this thread (a
        // render), the answer may be waiting in the pipe. One turn of the loop reads it.
        if (lastLook) throw new SshError('unreachable', `no answer from the node within ${Math.round(timeoutMs / 1000)} s`);
        lastLook = true;
        await nextTurn();
        continue;
      }
      await this.#sleep(deadline - Date.now());
    }
  }
}

function parseStarted(line: string): Started {
  const m = /^started old_pid=(\d+) new_pid=(\d+) udp=([0-9,]+|none)$/.exec(line);
  if (!m) throw new Error(`the node's start report is not valid: ${clipText(line, 120)}`);
  const udp = new Set(m[3] === 'none' ? [] : m[3]!.split(',').map(Number).filter((p) => p > 0 && p < 65536));
  return { oldPid: Number(m[1]), newPid: Number(m[2]), udp };
}
