// Layer 2: the TLS handshake on the connected socket, with the SNI the client would send.
// Verification is done here by hand (not by rejectUnauthorized) so a failure carries its
// reason: expired, wrong name, pin mismatch, untrusted issuer.
import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import { connect, rootCertificates, type TLSSocket } from 'node:tls';
import { ipVersion } from '../core/ip.ts';
import type { EndpointTls } from '../render/endpoint.ts';
import { ProbeFailure } from './types.ts';

export interface TlsOutcome {
  socket: TLSSocket;
  /** Days until notAfter, rounded down; negative once expired. */
  daysLeft: number;
  /** Set for Reality: the certificate is the camouflage site's and is not judged. */
  note?: string;
}

export interface TlsOptions {
  /** Extra trusted CAs (PEM), e.g. a test CA from BOXFLEET_PROBE_CA_FILE. */
  extraCa?: string;
  now: Date;
  /** ALPN to offer on this connection (WebSocket needs http/1.1, not h2). */
  alpn?: string[];
  /** False: any certificate will do, the handshake alone is the answer (a deployer asking "is it up?"). */
  judge?: boolean;
}

const DAY_MS = 86_400_000;

export function tlsHandshake(sock: Socket, tls: EndpointTls, timeoutMs: number, opts: TlsOptions): Promise<TlsOutcome> {
  const pinned = tls.certificate ? new X509Certificate(tls.certificate) : undefined;
  // Trust anchors: the pinned certificate alone (as sing-box does with `certificate`), or
  // the public roots plus the optional extra CA.
  const ca = pinned ? [tls.certificate!] : opts.extraCa ? [...rootCertificates, opts.extraCa] : undefined;
  return new Promise((resolve, reject) => {
    const s = connect({ socket: sock, servername: ipVersion(tls.server_name) ? undefined : tls.server_name, ca, rejectUnauthorized: false, ALPNProtocols: opts.alpn });
    const timer = setTimeout(() => fail(new ProbeFailure('timeout', `TLS handshake took longer than ${timeoutMs} ms`)), timeoutMs);
    const fail = (e: ProbeFailure): void => {
      clearTimeout(timer);
      s.destroy();
      reject(e);
    };
    s.once('error', (e: NodeJS.ErrnoException) => {
      const closed = e.code === 'ECONNRESET' || /socket disconnected|EOF/i.test(e.message);
      fail(new ProbeFailure('tls-error', closed ? 'connection closed during the TLS handshake' : `handshake failed (${e.code ?? e.message})`));
    });
    s.once('secureConnect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      const peer = s.getPeerX509Certificate();
      if (!peer) return fail(new ProbeFailure('tls-error', 'server sent no certificate'));
      const daysLeft = Math.floor((Date.parse(peer.validTo) - opts.now.getTime()) / DAY_MS);
      if (tls.reality) {
        // Reality relays the handshake to the borrowed site: its certificate says nothing
        // about the node, only that the listener is alive and relays.
        return resolve({ socket: s, daysLeft, note: "listener alive, certificate is the camouflage site's" });
      }
      if (opts.judge === false) return resolve({ socket: s, daysLeft, note: 'certificate not judged' });
      const reason = judge(s, peer, pinned, tls.server_name, opts.now);
      if (reason) return fail(new ProbeFailure('tls-error', reason));
      resolve({ socket: s, daysLeft });
    });
  });
}

function judge(s: TLSSocket, peer: X509Certificate, pinned: X509Certificate | undefined, name: string, now: Date): string | undefined {
  if (Date.parse(peer.validTo) < now.getTime()) return `certificate expired on ${new Date(peer.validTo).toISOString().slice(0, 10)}`;
  if (Date.parse(peer.validFrom) > now.getTime()) return `certificate not valid before ${new Date(peer.validFrom).toISOString().slice(0, 10)}`;
  if (pinned && !peer.raw.equals(pinned.raw)) return 'certificate does not match the pinned one in the node YAML';
  const isIp = /^[0-9.]+$|:/.test(name);
  const matches = isIp ? peer.checkIP(name) !== undefined : peer.checkHost(name) !== undefined;
  if (!matches) return `certificate is not valid for ${name} (it names ${peer.subjectAltName ?? peer.subject.replace(/\n/g, ', ')})`;
  // Expiry and name are judged above against --now; the chain error is the remaining one.
  const err = s.authorizationError ? String(s.authorizationError) : '';
  if (err && err !== 'CERT_HAS_EXPIRED' && err !== 'CERT_NOT_YET_VALID') {
    return pinned ? `certificate chain not accepted with the pinned certificate (${err})` : `certificate not trusted (${err})`;
  }
  return undefined;
}
