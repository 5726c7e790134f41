// A QUIC v1 Initial packet carrying a TLS ClientHello (RFC 9000 §17.2.2, RFC 9001 §5), built
// by hand because Node has no QUIC: the service-gap sampler sends one to a Hysteria2 or TUIC
// port and counts the port as serving when any datagram comes back (a ServerHello, or a
// CONNECTION_CLOSE: either way a live QUIC listener decrypted and answered it).
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

const INITIAL_SALT_V1 = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');

const u8 = (n: number): Buffer => Buffer.from([n]);
const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number): Buffer => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
const vec8 = (b: Buffer): Buffer => Buffer.concat([u8(b.length), b]);
/** QUIC variable-length integer, 1 or 2 bytes (all we need). */
const varint = (n: number): Buffer => (n < 64 ? u8(n) : u16(0x4000 | n));

function hkdfExpandLabel(secret: Buffer, label: string, length: number): Buffer {
  const info = Buffer.concat([u16(length), vec8(Buffer.from(`tls13 ${label}`)), u8(0)]);
  return createHmac('sha256', secret).update(Buffer.concat([info, u8(1)])).digest().subarray(0, length);
}

function clientHello(scid: Buffer, serverName: string): Buffer {
  const ext = (type: number, body: Buffer): Buffer => Buffer.concat([u16(type), vec16(body)]);
  const transportParams = Buffer.concat([varint(0x0f), varint(scid.length), scid]); // initial_source_connection_id
  const extensions = Buffer.concat([
    ext(0, vec16(Buffer.concat([u8(0), vec16(Buffer.from(serverName))]))),
    ext(10, vec16(u16(0x001d))),
    ext(13, vec16(Buffer.concat([u16(0x0403), u16(0x0804), u16(0x0401)]))),
    ext(16, vec16(vec8(Buffer.from('h3')))),
    ext(43, vec8(u16(0x0304))),
    ext(51, vec16(Buffer.concat([u16(0x001d), vec16(randomBytes(32))]))),
    ext(57, transportParams),
  ]);
  const body = Buffer.concat([u16(0x0303), randomBytes(32), u8(0), vec16(u16(0x1301)), vec8(u8(0)), vec16(extensions)]);
  return Buffer.concat([u8(1), u24(body.length), body]);
}

/** One client Initial of 1200 bytes, encrypted and header-protected with the Initial keys. */
export function quicInitial(serverName: string): Buffer {
  const dcid = randomBytes(8);
  const scid = randomBytes(8);
  const initial = createHmac('sha256', INITIAL_SALT_V1).update(dcid).digest();
  const secret = hkdfExpandLabel(initial, 'client in', 32);
  const key = hkdfExpandLabel(secret, 'quic key', 16);
  const iv = hkdfExpandLabel(secret, 'quic iv', 12);
  const hp = hkdfExpandLabel(secret, 'quic hp', 16);
  const hello = clientHello(scid, serverName);
  const crypto = Buffer.concat([u8(0x06), varint(0), varint(hello.length), hello]);
  const pn = Buffer.alloc(4);
  const headerLen = 1 + 4 + 1 + 8 + 1 + 8 + 1 + 2 + 4;
  const payload = Buffer.concat([crypto, Buffer.alloc(Math.max(0, 1200 - headerLen - 16 - crypto.length))]);
  const header = Buffer.concat([u8(0xc3), Buffer.from([0, 0, 0, 1]), vec8(dcid), vec8(scid), varint(0), varint(pn.length + payload.length + 16), pn]);
  const nonce = Buffer.from(iv);
  for (let i = 0; i < 4; i++) nonce[nonce.length - 4 + i]! ^= pn[i]!;
  const gcm = createCipheriv('aes-128-gcm', key, nonce);
  gcm.setAAD(header);
  const sealed = Buffer.concat([gcm.update(payload), gcm.final(), gcm.getAuthTag()]);
  const ecb = createCipheriv('aes-128-ecb', hp, null);
  const mask = ecb.update(sealed.subarray(0, 16));
  header[0]! ^= mask[0]! & 0x0f;
  for (let i = 0; i < 4; i++) header[header.length - 4 + i]! ^= mask[1 + i]!;
  return Buffer.concat([header, sealed]);
}

/** True when the UDP port answers a QUIC Initial within timeoutMs. */
export function quicAnswers(host: string, port: number, serverName: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const done = (ok: boolean): void => { clearTimeout(timer); sock.close(); resolve(ok); };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('message', () => done(true));
    sock.once('error', () => done(false));
    sock.send(quicInitial(serverName), port, host);
  });
}
