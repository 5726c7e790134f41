// Pieces of mihomo (Clash Meta) proxies every protocol shares. Key names differ from
// sing-box (`port`, `servername` vs `sni`, `cipher`, `congestion-controller`): each
// protocol spells its keys as mihomo's Go structs read them.
import { X509Certificate } from 'node:crypto';
import type { EndpointBase, EndpointTls, WsFacts } from './endpoint.ts';

export type MihomoProxy = Record<string, unknown> & { name: string; type: string };

export function base(ep: EndpointBase, type: string): MihomoProxy {
  // udp defaults to false in mihomo for TCP protocols: without it, games and QUIC would
  // silently go direct or fail.
  return { name: ep.label, type, server: ep.server, port: ep.port, udp: true };
}

/**
 * A self-signed certificate is pinned by its SHA-256 (of the DER), the form
 * meta-json-schema and mihomo accept ("AB:CD:…"); `skip-cert-verify` is never written.
 */
export function certFingerprint(pem: string): string {
  // Parsing the certificate is the dearest step of a proxy; a fleet has few certificates.
  let fp = fingerprints.get(pem);
  if (fp === undefined) {
    fp = new X509Certificate(pem).fingerprint256;
    if (fingerprints.size >= 256) fingerprints.clear();
    fingerprints.set(pem, fp);
  }
  return fp;
}

const fingerprints = new Map<string, string>();

export function pin(tls: EndpointTls): Record<string, unknown> {
  return tls.certificate ? { fingerprint: certFingerprint(tls.certificate) } : {};
}

export function wsOpts({ ws }: { ws: WsFacts }): Record<string, unknown> {
  return { network: 'ws', 'ws-opts': { path: ws.path, headers: { Host: ws.host } } };
}
