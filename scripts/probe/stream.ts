// A proxy protocol as a pair of functions over a byte stream: encode what the client
// writes, decode what the server sends. Stacking codecs (TLS socket → WebSocket → VMess)
// gives a Duplex that the HTTP fetch (or a TLS session for an https probe URL) runs over.
import { Duplex } from 'node:stream';
import { BadResponse, type Codec } from '../protocols/kit/codec.ts';
import { ProbeFailure } from './types.ts';

export type { Codec } from '../protocols/kit/codec.ts';


export function codecDuplex(transport: Duplex, codec: Codec): Duplex {
  let ended = false;
  const out = new Duplex({
    read() { transport.resume(); },
    write(chunk: Buffer, _enc, cb) {
      try { transport.write(codec.encode(chunk), cb); } catch (e) { cb(e as Error); }
    },
    final(cb) {
      const tail = codec.finish?.();
      if (tail && tail.length) transport.write(tail);
      cb();
    },
    destroy(err, cb) {
      transport.destroy();
      cb(err);
    },
  });
  const finishRead = (): void => {
    if (!ended) { ended = true; out.push(null); }
  };
  transport.on('data', (d: Buffer) => {
    if (ended) return;
    try {
      const r = codec.decode(d);
      for (const piece of r.data) if (piece.length && !out.push(piece)) transport.pause();
      if (r.end) finishRead();
    } catch (e) {
      out.destroy(e instanceof BadResponse ? new ProbeFailure('bad-response', e.message) : e as Error);
    }
  });
  transport.on('end', finishRead);
  transport.on('close', finishRead);
  transport.on('error', (e) => out.destroy(e));
  return out;
}
