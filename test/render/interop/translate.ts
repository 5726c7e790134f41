// Test-only translations into v2ray 4.34 JSON: a rendered sing-box server inbound → v2ray
// inbound, and a rendered sing-box client outbound → v2ray outbound. Only the fields the
// protocols under test use; anything unexpected throws, so a renderer change that the
// translation would silently drop fails the test instead.
export interface TlsFiles { certificateFile: string; keyFile: string }

function streamOf(tls: any, transport: any, tlsSettings: Record<string, unknown>): Record<string, unknown> {
  if (!tls?.enabled) throw new Error('interop: TLS expected');
  const stream: Record<string, unknown> = { security: 'tls', tlsSettings: { serverName: tls.server_name, ...tlsSettings } };
  if (!transport) return { network: 'tcp', ...stream };
  if (transport.type !== 'ws') throw new Error(`interop: transport ${transport.type}`);
  return { network: 'ws', wsSettings: { path: transport.path, ...(transport.headers ? { headers: transport.headers } : {}) }, ...stream };
}

/** sing-box server inbound → v2ray inbound on 127.0.0.1 with the given certificate files. */
export function v2rayInbound(ib: any, files: TlsFiles): Record<string, unknown> {
  const base = { tag: ib.tag, listen: '127.0.0.1', port: ib.listen_port };
  const stream = streamOf(ib.tls, ib.transport, { certificates: [files] });
  switch (ib.type) {
    case 'trojan':
      return { ...base, protocol: 'trojan', settings: { clients: ib.users.map((u: any) => ({ password: u.password, email: u.name })) }, streamSettings: stream };
    case 'vless':
      if (ib.users.some((u: any) => u.flow)) throw new Error('interop: vless flow is not testable with v2ray');
      return { ...base, protocol: 'vless', settings: { decryption: 'none', clients: ib.users.map((u: any) => ({ id: u.uuid, email: u.name })) }, streamSettings: stream };
    case 'vmess':
      return { ...base, protocol: 'vmess', settings: { clients: ib.users.map((u: any) => ({ id: u.uuid, alterId: u.alterId ?? 0, email: u.name })) }, streamSettings: stream };
    default:
      throw new Error(`interop: inbound ${ib.type}`);
  }
}

/**
 * sing-box client outbound → v2ray outbound. The pinned certificate goes into v2ray's
 * verify pool (usage "verify"), so the client checks the server exactly as the profile
 * says; nothing is made insecure.
 */
export function v2rayOutbound(ob: any, tag: string): Record<string, unknown> {
  if (ob.tls?.insecure) throw new Error('interop: profile asks for insecure TLS');
  if (!ob.tls?.certificate) throw new Error('interop: expected a pinned certificate');
  const stream = streamOf(ob.tls, ob.transport, { allowInsecure: false, certificates: [{ usage: 'verify', certificate: ob.tls.certificate }] });
  const server = { address: ob.server, port: ob.server_port };
  switch (ob.type) {
    case 'trojan':
      return { tag, protocol: 'trojan', settings: { servers: [{ ...server, password: ob.password }] }, streamSettings: stream };
    case 'vless':
      return { tag, protocol: 'vless', settings: { vnext: [{ ...server, users: [{ id: ob.uuid, encryption: 'none' }] }] }, streamSettings: stream };
    case 'vmess':
      return { tag, protocol: 'vmess', settings: { vnext: [{ ...server, users: [{ id: ob.uuid, alterId: ob.alter_id, security: ob.security }] }] }, streamSettings: stream };
    default:
      throw new Error(`interop: outbound ${ob.type}`);
  }
}
