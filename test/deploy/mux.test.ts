// scripts/deploy/mux.ts against a stand-in ControlMaster: a Unix socket server written here
// that speaks PROTOCOL.mux §9 as OpenSSH's mux.c and channels.c do (hello, MUX_C_PROXY,
// then unpadded SSH packets). The real master is tested in persist.test.ts and
// upgrade.test.ts; this one plays the parts a real sshd would not: a hostile node's answers,
// and a socket that is no master at all.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MuxProcess, type RemoteProcess } from '../../scripts/deploy/mux.ts';

const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };
const str = (s: string | Buffer) => Buffer.concat([u32(Buffer.byteLength(s)), Buffer.from(s)]);
const frame = (...parts: Buffer[]) => { const body = Buffer.concat(parts); return Buffer.concat([u32(body.length), body]); };
const packet = (type: number, ...parts: Buffer[]) => frame(Buffer.of(0, type), ...parts);

/** What a node answers once the master is in proxy mode: called with each packet type we sent. */
type Node = (type: number, body: Buffer, reply: (b: Buffer) => void) => void;

let dir: string;
let server: Server | undefined;
const open = new Set<Socket>();
afterEach(async () => {
  for (const s of open) s.destroy();
  open.clear();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A master: hello both ways, MUX_S_PROXY, then our packets go to `node`. */
async function master(node: Node): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'boxfleet-mux-test-'));
  const path = join(dir, 'cm');
  server = createServer((s: Socket) => {
    open.add(s);
    s.write(frame(u32(1), u32(4)));
    let inbox = Buffer.alloc(0);
    let phase = 0;
    s.on('error', () => undefined);
    s.on('data', (b) => {
      inbox = Buffer.concat([inbox, b]);
      while (inbox.length >= 4 && inbox.length >= 4 + inbox.readUInt32BE(0)) {
        const body = inbox.subarray(4, 4 + inbox.readUInt32BE(0));
        inbox = inbox.subarray(4 + body.length);
        if (phase === 0) phase = 1; // their hello
        else if (phase === 1) { phase = 2; s.write(frame(u32(0x8000000f), body.subarray(4, 8))); }
        else node(body[1]!, body.subarray(2), (p) => s.write(p));
      }
    });
  });
  await new Promise<void>((r) => server!.listen(path, r));
  return path;
}

function collect(p: RemoteProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  p.stderr.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve) => p.once('close', (code) => resolve({ code, out, err })));
}

const noFallback = (): RemoteProcess => { throw new Error('the fallback must not run'); };

describe('mux.ts, the kept-connection client', () => {
  it('a node that takes 1-byte packets is refused before anything is sent, not fed a release byte by byte', async () => {
    let dataPackets = 0;
    const path = await master((type, body, reply) => {
      if (type === 90) reply(packet(91, u32(0), u32(7), u32(0xffffffff), u32(1)));
      if (type === 94) dataPackets++;
      if (type === 97) reply(packet(97, u32(0)));
    });
    const p = new MuxProcess(path, 'sudo -n /usr/local/sbin/boxfleet-node session', noFallback);
    const done = collect(p);
    p.stdin.end(Buffer.alloc(4 * 1024 * 1024));
    const r = await done;
    expect(r.code).toBe(255);
    expect(r.err).toMatch(/packets of 1 bytes only: refused/);
    expect(dataPackets).toBe(0);
  });

  it('takes the exit status as ssh does (its low 8 bits), and nothing after the node closed the channel', async () => {
    const path = await master((type, _body, reply) => {
      if (type === 90) reply(packet(91, u32(0), u32(7), u32(2 * 1024 * 1024), u32(32768)));
      if (type === 98) {
        reply(packet(99, u32(0)));
        reply(packet(94, u32(0), str('status {}\n')));
        reply(packet(98, u32(0), str('exit-status'), Buffer.of(0), u32(267)));
        reply(packet(97, u32(0)));
        reply(packet(94, u32(0), str('after close\n')));
      }
    });
    const p = new MuxProcess(path, 'true', noFallback);
    const r = await collect(p);
    expect(r).toEqual({ code: 11, out: 'status {}\n', err: '' });
  });

  it('a socket that is no master: an ssh client gets the command, with what stdin already held, once and in order', async () => {
    dir = mkdtempSync(join(tmpdir(), 'boxfleet-mux-test-'));
    const path = join(dir, 'cm');
    server = createServer((s) => { open.add(s); s.on('error', () => undefined); s.end(frame(u32(0x80000003), u32(0), str('not a master'))); });
    await new Promise<void>((r) => server!.listen(path, r));
    let started = 0;
    // `cat` stands in for the ssh client: it answers with the stdin it was handed.
    const p = new MuxProcess(path, 'cat', () => { started++; return spawn('cat', [], { stdio: ['pipe', 'pipe', 'pipe'] }); });
    const done = collect(p);
    p.stdin.write('bye\n');
    p.stdin.write('config 3\n');
    setTimeout(() => p.stdin.end('abc'), 50);
    const r = await done;
    expect(started).toBe(1);
    expect(r).toEqual({ code: 0, out: 'bye\nconfig 3\nabc', err: '' });
  });
});
