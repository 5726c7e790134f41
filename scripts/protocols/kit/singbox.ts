// Pieces of sing-box 1.12/1.13 client outbounds every protocol shares: the dial fields,
// the TLS block (pinned or Reality), the WebSocket transport.
import { ipVersion } from '../../core/ip.ts';
import type { EndpointBase, EndpointTls, WsFacts } from './endpoint.ts';

export type SingBoxOutbound = Record<string, unknown> & { type: string; tag: string };

/** DNS server tag that resolves proxy servers' host names (outside the tunnel). */
export const LOCAL_DNS = 'local';

export function dial(ep: EndpointBase, type: string): SingBoxOutbound {
  const out: SingBoxOutbound = { type, tag: ep.label, server: ep.server, server_port: ep.port };
  // 1.13 stops with MISSING_DOMAIN_RESOLVER when a host name has no resolver; an IP needs none.
  if (ipVersion(ep.server) === 0) out.domain_resolver = LOCAL_DNS;
  return out;
}

/**
 * TLS block. A self-signed node is pinned by its certificate (sing-box then trusts only
 * that certificate); `insecure` is never written: it would accept any man in the middle.
 */
export function singboxTls(tls: EndpointTls): Record<string, unknown> {
  if (tls.reality) {
    return {
      enabled: true,
      server_name: tls.server_name,
      // sing-box refuses a Reality client without uTLS ("uTLS is required by reality client").
      utls: { enabled: true, fingerprint: 'chrome' },
      reality: { enabled: true, public_key: tls.reality.public_key, short_id: tls.reality.short_id },
    };
  }
  const out: Record<string, unknown> = { enabled: true, server_name: tls.server_name };
  if (tls.alpn) out.alpn = [...tls.alpn];
  if (tls.certificate) out.certificate = pemLines(tls.certificate);
  return out;
}

/** sing-box documents `certificate` as the PEM's line array. */
export function pemLines(pem: string): string[] {
  return pem.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

export function wsTransport({ ws }: { ws: WsFacts }): Record<string, unknown> {
  return { type: 'ws', path: ws.path, headers: { Host: ws.host } };
}
