// What a client needs to reach one inbound of one node as one identity (a user, or the
// probe user): the single source that client profiles, share links, the probe and the
// probe manifest all read, so they can never disagree with each other.
import type { CredentialStore } from '../secrets/index.ts';
import type { Inbound, Node, SsMethod } from '../model/types.ts';

export interface Identity {
  name: string;
  uuid: string;
  password: string;
  ss2022Key(method: string): string;
}

export interface EndpointTls {
  /** SNI the client sends (and, for Reality, the borrowed site's name). */
  server_name: string;
  /** PEM of a self-signed certificate to pin; absent when normal CA verification applies. */
  certificate?: string;
  alpn?: string[];
  reality?: { public_key: string; short_id: string };
}

export interface Endpoint {
  node: Node;
  inbound: Inbound;
  /** Name people see in apps, unique within a profile: "Tokyo 1 · Reality". */
  label: string;
  server: string;
  port: number;
  tls?: EndpointTls;
  /** WebSocket transport (vless-ws, vmess-ws). */
  ws?: { path: string; host: string };
  uuid?: string;
  password?: string;
  flow?: 'xtls-rprx-vision';
  shadowsocks?: { method: SsMethod; /** `<server key>:<user key>` for multi-user 2022. */ password: string };
  hysteria2?: { obfs_password?: string; up_mbps?: number; down_mbps?: number };
  tuic?: { congestion_control: string };
}

export const PROTOCOL_NAMES: Record<Inbound['type'], string> = {
  'vless-reality': 'Reality',
  'vless-ws': 'VLESS-WS',
  'vmess-ws': 'VMess-WS',
  trojan: 'Trojan',
  shadowsocks: 'SS2022',
  hysteria2: 'Hysteria2',
  tuic: 'TUIC',
};

/** Endpoints of every inbound of a node, in the node's inbound order. */
export function endpointsOf(node: Node, store: CredentialStore, who: Identity): Endpoint[] {
  const seen = new Map<string, number>();
  for (const i of node.inbounds) seen.set(i.type, (seen.get(i.type) ?? 0) + 1);
  return node.inbounds.map((inbound) => {
    const proto = PROTOCOL_NAMES[inbound.type];
    const label = `${node.title} · ${proto}${(seen.get(inbound.type) ?? 0) > 1 ? ` ${inbound.port}` : ''}`;
    return endpointOf(node, inbound, store, who, label);
  });
}

export function endpointOf(node: Node, inbound: Inbound, store: CredentialStore, who: Identity, label: string): Endpoint {
  const base = {
    node, inbound, label,
    server: inbound.public_host ?? node.address,
    port: inbound.public_port ?? inbound.port,
  };
  const keys = store.node(node.name, node.rev);
  switch (inbound.type) {
    case 'vless-reality':
      return {
        ...base, uuid: who.uuid, flow: 'xtls-rprx-vision',
        tls: { server_name: inbound.handshake_server, reality: { public_key: keys.realityPublicKey, short_id: keys.realityShortIds(inbound.short_id_count)[0] } },
      };
    case 'vless-ws':
    case 'vmess-ws': {
      const tls = tlsOf(node, inbound);
      return { ...base, uuid: who.uuid, tls, ws: { path: inbound.path, host: tls.server_name } };
    }
    case 'trojan':
      return { ...base, password: who.password, tls: tlsOf(node, inbound) };
    case 'shadowsocks':
      return { ...base, shadowsocks: { method: inbound.method, password: `${keys.ss2022ServerKey(inbound.method)}:${who.ss2022Key(inbound.method)}` } };
    case 'hysteria2':
      return {
        ...base, password: who.password, tls: tlsOf(node, inbound, ['h3']),
        hysteria2: { obfs_password: inbound.obfs ? keys.hysteria2ObfsPassword : undefined, up_mbps: inbound.up_mbps, down_mbps: inbound.down_mbps },
      };
    case 'tuic':
      return { ...base, uuid: who.uuid, password: who.password, tls: tlsOf(node, inbound, ['h3']), tuic: { congestion_control: inbound.congestion_control } };
  }
}

/**
 * An inbound reached through a CDN (public_host set) is verified against the CDN's name;
 * otherwise against the node's certificate name, pinned when it is self-signed.
 */
function tlsOf(node: Node, inbound: Inbound, alpn?: string[]): EndpointTls {
  const tls = node.tls!;
  if (inbound.public_host && inbound.public_host !== node.address) return { server_name: inbound.public_host, alpn };
  return { server_name: tls.server_name, certificate: tls.mode === 'self-signed' ? tls.certificate : undefined, alpn };
}

/** Identity of the probe user, as nodes accept it. */
export function probeIdentity(store: CredentialStore, rev: number, name: string): Identity {
  const c = store.probe(rev);
  return { name, uuid: c.uuid, password: c.password, ss2022Key: (m) => c.ss2022Key(m) };
}

export function userIdentity(store: CredentialStore, name: string, rev: number): Identity {
  const c = store.user(name, rev);
  return { name, uuid: c.uuid, password: c.password, ss2022Key: (m) => c.ss2022Key(m) };
}
