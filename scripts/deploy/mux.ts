// A remote command over a kept SSH connection without an ssh client process: we speak to the
// ControlMaster's socket ourselves in OpenSSH's mux "proxy mode" (PROTOCOL.mux §9, OpenSSH
// ≥ 7.4). The master relays plain SSH connection-protocol messages (one session channel:
// exec, data, EOF, exit-status) over its already authenticated, host-key-checked connection.
// Why: starting `ssh` costs ~14 ms of CPU and blocks Node's thread 10–20 ms per node on
// every deploy, most of a no-change run's work on the deployer's side (#14).
//
// Anything that goes wrong before the channel is open (no master, a stale socket, a master
// that refuses) hands the command to a real ssh client instead, with whatever was already
// written to stdin, so the caller sees exactly what `ssh` would have done.
import { EventEmitter } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';

/** What DeployChannel and HeldCommand use of a child process; ChildProcess has it too. */
export interface RemoteProcess {
  readonly stdin: Writable;
  readonly stdout: NodeJS.ReadableStream;
  readonly stderr: NodeJS.ReadableStream;
  once(event: 'error', listener: (e: Error) => void): this;
  once(event: 'close', listener: (code: number | null) => void): this;
  kill(signal?: NodeJS.Signals): boolean;
}

const MUX_MSG_HELLO = 0x00000001;
const MUX_C_PROXY = 0x1000000f;
const MUX_S_PROXY = 0x8000000f;
const MUX_VERSION = 4;

const MSG = { OPEN: 90, OPEN_CONFIRMATION: 91, OPEN_FAILURE: 92, WINDOW_ADJUST: 93, DATA: 94, EXTENDED_DATA: 95, EOF: 96, CLOSE: 97, REQUEST: 98, SUCCESS: 99, FAILURE: 100 } as const;

/** Our receive window and largest packet: OpenSSH's own session defaults. */
const WINDOW = 2 * 1024 * 1024;
const MAX_PACKET = 32 * 1024;
/** A frame from the master larger than this is not one OpenSSH sends (its limit is 256 KiB). */
const MAX_FRAME = 256 * 1024;
/**
 * The node's sshd names the largest packet it takes (OpenSSH: 32 KiB). A hostile one could
 * name 1 byte and make a 30 MB release into 30 million packets queued at once; below this
 * the session is refused.
 */
const MIN_REMOTE_PACKET = 1024;
/** Our channel number: one channel per socket, and the master renumbers it anyway. */
const CHANNEL = 0;

type Phase = 'hello' | 'proxy' | 'open' | 'exec' | 'running' | 'done';

/**
 * `command` runs on the node through the master at `socketPath`; `fallback` starts a real ssh
 * client for the same command when the master cannot be used.
 */
export class MuxProcess extends EventEmitter implements RemoteProcess {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin: Writable;
  readonly #socket: Socket;
  readonly #fallback: () => RemoteProcess;
  #phase: Phase = 'hello';
  #inbox: Buffer = Buffer.alloc(0);
  #pending: { data: Buffer; done: (e?: Error) => void }[] = [];
  #stdinEnded = false;
  #eofSent = false;
  #remoteId = 0;
  #remoteWindow = 0;
  #remoteMaxPacket = 0;
  #consumed = 0;
  #exitCode: number | null = null;
  #child: RemoteProcess | undefined;
  #closed = false;
  /** The socket's buffer is full: sending waits for 'drain', so at most about a window is queued. */
  #draining = false;

  constructor(socketPath: string, readonly command: string, fallback: () => RemoteProcess) {
    super();
    this.#fallback = fallback;
    this.stdin = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        if (this.#closed && !this.#child) return done(new Error('the remote command has ended'));
        this.#pending.push({ data: chunk, done });
        this.#pump();
      },
      final: (done) => { this.#stdinEnded = true; this.#pump(); done(); },
    });
    this.stdin.on('error', () => undefined); // as spawnSsh: the remote side may end before reading it all
    this.#socket = createConnection(socketPath);
    this.#socket.on('data', (b: Buffer) => this.#receive(b));
    this.#socket.on('error', (e) => this.#lost(e.message));
    this.#socket.on('close', () => this.#lost('the kept SSH connection closed'));
    this.#socket.on('drain', () => { this.#draining = false; this.#pump(); });
    this.#socket.write(frame(u32(MUX_MSG_HELLO), u32(MUX_VERSION)));
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.#child) return this.#child.kill(signal);
    if (this.#closed) return false;
    this.#socket.destroy();
    this.#finish(null);
    return true;
  }

  #receive(b: Buffer): void {
    if (this.#closed || this.#child) return;
    this.#inbox = this.#inbox.length ? Buffer.concat([this.#inbox, b]) : b;
    while (this.#inbox.length >= 4) {
      const len = this.#inbox.readUInt32BE(0);
      if (len > MAX_FRAME) return this.#lost(`the ControlMaster sent a ${len}-byte message`);
      if (this.#inbox.length < 4 + len) return;
      const body = this.#inbox.subarray(4, 4 + len);
      this.#inbox = this.#inbox.subarray(4 + len);
      try {
        this.#handle(new Reader(body));
      } catch (e) {
        return this.#lost(`the ControlMaster sent a malformed message (${(e as Error).message})`);
      }
      if (this.#closed || this.#child) return;
    }
  }

  #handle(r: Reader): void {
    if (this.#phase === 'hello') {
      if (r.u32() !== MUX_MSG_HELLO || r.u32() !== MUX_VERSION) return this.#useSsh();
      this.#phase = 'proxy';
      this.#socket.write(frame(u32(MUX_C_PROXY), u32(1)));
      return;
    }
    if (this.#phase === 'proxy') {
      if (r.u32() !== MUX_S_PROXY || r.u32() !== 1) return this.#useSsh();
      this.#phase = 'open';
      this.#sendPacket(MSG.OPEN, str('session'), u32(CHANNEL), u32(WINDOW), u32(MAX_PACKET));
      return;
    }
    // Proxy mode: SSH transport packets, unencrypted and unpadded.
    if (r.u8() !== 0) throw new Error('padding');
    const type = r.u8();
    if (type < MSG.OPEN || type > MSG.FAILURE) return; // not about our channel
    if (r.u32() !== CHANNEL) throw new Error('another channel');
    this.#onChannel(type, r);
  }

  #onChannel(type: number, r: Reader): void {
    switch (type) {
      case MSG.OPEN_CONFIRMATION:
        if (this.#phase !== 'open') throw new Error('unexpected confirmation');
        this.#remoteId = r.u32();
        this.#remoteWindow = r.u32();
        this.#remoteMaxPacket = Math.min(r.u32(), MAX_PACKET);
        this.#phase = 'exec';
        if (this.#remoteMaxPacket < MIN_REMOTE_PACKET) {
          this.stderr.write(`the node's SSH server takes packets of ${this.#remoteMaxPacket} bytes only: refused\n`);
          this.#sendClose();
          return;
        }
        this.#sendPacket(MSG.REQUEST, u32(this.#remoteId), str('exec'), Buffer.of(1), str(this.command));
        return;
      case MSG.OPEN_FAILURE:
        return this.#useSsh();
      case MSG.SUCCESS:
        if (this.#phase === 'exec') { this.#phase = 'running'; this.#pump(); }
        return;
      case MSG.FAILURE:
        if (this.#phase === 'exec') { this.stderr.write(`exec request failed on the node\n`); this.#sendClose(); }
        return;
      case MSG.WINDOW_ADJUST:
        this.#remoteWindow = Math.min(this.#remoteWindow + r.u32(), 0xffffffff);
        this.#pump();
        return;
      case MSG.DATA:
        return this.#deliver(this.stdout, r.bytes());
      case MSG.EXTENDED_DATA:
        if (r.u32() !== 1) return; // 1 is stderr; ssh takes no other kind
        return this.#deliver(this.stderr, r.bytes());
      case MSG.EOF:
        return;
      case MSG.REQUEST:
        return this.#onRequest(r);
      case MSG.CLOSE:
        this.#sendClose();
        this.#socket.destroy();
        return this.#finish(this.#exitCode ?? 255);
    }
  }

  #onRequest(r: Reader): void {
    const name = r.text();
    const wantReply = r.u8() !== 0;
    if (name === 'exit-status') this.#exitCode = r.u32() & 0xff; // as ssh exits with it
    else if (name === 'exit-signal') { this.#exitCode = 255; this.stderr.write(`the remote command was killed by signal ${r.text()}\n`); }
    // As ssh answers what it does not know (keepalive@openssh.com among them).
    if (wantReply) this.#sendPacket(MSG.FAILURE, u32(this.#remoteId));
  }

  #deliver(to: PassThrough, data: Buffer): void {
    to.write(data);
    this.#consumed += data.length;
    if (this.#consumed >= WINDOW / 2) {
      this.#sendPacket(MSG.WINDOW_ADJUST, u32(this.#remoteId), u32(this.#consumed));
      this.#consumed = 0;
    }
  }

  /** Sends what stdin holds, within the node's window; then EOF once stdin has ended. */
  #pump(): void {
    if (this.#child) return this.#handOver();
    if (this.#phase !== 'running') return;
    while (this.#pending.length && this.#remoteWindow > 0 && !this.#draining) {
      const head = this.#pending[0]!;
      const n = Math.min(head.data.length, this.#remoteWindow, this.#remoteMaxPacket);
      if (!this.#sendPacket(MSG.DATA, u32(this.#remoteId), str(head.data.subarray(0, n)))) this.#draining = true;
      this.#remoteWindow -= n;
      head.data = head.data.subarray(n);
      if (head.data.length === 0) { this.#pending.shift(); head.done(); }
    }
    if (this.#stdinEnded && !this.#pending.length && !this.#eofSent) {
      this.#eofSent = true;
      this.#sendPacket(MSG.EOF, u32(this.#remoteId));
    }
  }

  /** False when the socket's buffer is full (or the socket is gone). */
  #sendPacket(type: number, ...parts: Buffer[]): boolean {
    return !this.#socket.destroyed && this.#socket.write(frame(Buffer.of(0, type), ...parts));
  }

  #sendClose(): void {
    if (this.#phase === 'done') return;
    this.#phase = 'done';
    this.#sendPacket(MSG.CLOSE, u32(this.#remoteId));
  }

  /** Before the channel is open: a real ssh client does it. After: the connection is gone. */
  #lost(why: string): void {
    if (this.#closed || this.#child) return;
    if (this.#phase === 'hello' || this.#phase === 'proxy' || this.#phase === 'open') return this.#useSsh();
    this.stderr.write(`${why}\n`);
    this.#socket.destroy();
    this.#finish(this.#exitCode ?? 255);
  }

  #useSsh(): void {
    if (this.#child) return;
    this.#socket.removeAllListeners('close');
    this.#socket.on('error', () => undefined);
    this.#socket.destroy();
    let child: RemoteProcess;
    try {
      child = this.#child = this.#fallback();
    } catch (e) {
      this.stderr.write(`ssh could not be started: ${(e as Error).message}\n`);
      return this.#finish(255);
    }
    child.stdout.on('data', (b: Buffer) => this.stdout.write(b));
    child.stderr.on('data', (b: Buffer) => this.stderr.write(b));
    child.once('error', (e) => this.emit('error', e));
    child.once('close', (code) => this.#finish(code));
    this.#handOver();
  }

  #handOver(): void {
    const child = this.#child!;
    for (const p of this.#pending.splice(0)) child.stdin.write(p.data, () => p.done());
    if (this.#stdinEnded && !this.#eofSent) { this.#eofSent = true; child.stdin.end(); }
  }

  /** 'close' as a child process emits it: after stdout and stderr have ended. */
  #finish(code: number | null): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#pending.splice(0)) p.done(new Error('the remote command has ended'));
    let open = 2;
    const ended = (): void => { if (--open === 0) this.emit('close', code); };
    for (const s of [this.stdout, this.stderr]) { s.once('end', ended); s.end(); }
  }
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  return Buffer.concat([u32(b.length), b]);
}

/** One mux frame: uint32 length, then the body. */
function frame(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(body.length), body]);
}

/** Reads SSH wire types; throws past the end (a malformed message). */
class Reader {
  #at = 0;
  constructor(readonly b: Buffer) {}
  u8(): number { this.#need(1); return this.b[this.#at++]!; }
  u32(): number { this.#need(4); const v = this.b.readUInt32BE(this.#at); this.#at += 4; return v; }
  bytes(): Buffer { const n = this.u32(); this.#need(n); const v = this.b.subarray(this.#at, this.#at + n); this.#at += n; return v; }
  text(): string { return this.bytes().toString('utf8'); }
  #need(n: number): void { if (this.#at + n > this.b.length) throw new Error('short message'); }
}
