// Outbounds a profile or server emits. There is no `block` or `dns` type here (replaced by
// rule actions in 1.11, `dns` removed in 1.13), no WireGuard outbound, and no `strategy` on
// selector (it never existed). VMess outbounds spell `alter_id` (inbound users: `alterId`).
import {
  bool, byType, congestion, dialFields, duration, listable, network, nonEmpty, obj, outboundMultiplex,
  outboundTls, port, salamander, ssMethod, str, tag, transport, uint, uuid, type Schema,
} from './common.ts';

const server = { server: nonEmpty, server_port: port };
const base = { type: str, tag, ...dialFields };
const packetEncoding: Schema = { enum: ['', 'packetaddr', 'xudp'] };
const members: Schema = { type: 'array', items: nonEmpty, minItems: 1 };

export const outbound: Schema = byType({
  direct: obj({ ...base }, ['type', 'tag']),
  vless: obj({
    ...base, ...server, uuid, flow: { enum: ['', 'xtls-rprx-vision'] }, network, tls: outboundTls,
    packet_encoding: packetEncoding, multiplex: outboundMultiplex, transport,
  }, ['type', 'tag', 'server', 'server_port', 'uuid']),
  vmess: obj({
    ...base, ...server, uuid, security: { enum: ['auto', 'none', 'zero', 'aes-128-gcm', 'chacha20-poly1305'] },
    alter_id: uint, global_padding: bool, authenticated_length: bool, network, tls: outboundTls,
    packet_encoding: packetEncoding, multiplex: outboundMultiplex, transport,
  }, ['type', 'tag', 'server', 'server_port', 'uuid']),
  trojan: obj({
    ...base, ...server, password: nonEmpty, network, tls: outboundTls, multiplex: outboundMultiplex, transport,
  }, ['type', 'tag', 'server', 'server_port', 'password']),
  shadowsocks: obj({
    ...base, ...server, method: ssMethod, password: nonEmpty, plugin: { enum: ['obfs-local', 'v2ray-plugin'] },
    plugin_opts: str, network, udp_over_tcp: { anyOf: [bool, obj({ enabled: bool, version: uint })] },
    multiplex: outboundMultiplex,
  }, ['type', 'tag', 'server', 'server_port', 'method', 'password']),
  hysteria2: obj({
    ...base, ...server, server_ports: listable(str), hop_interval: duration, up_mbps: uint, down_mbps: uint,
    obfs: salamander, password: str, network, tls: outboundTls, brutal_debug: bool,
  }, ['type', 'tag', 'server', 'tls']),
  tuic: obj({
    ...base, ...server, uuid, password: str, congestion_control: congestion,
    udp_relay_mode: { enum: ['native', 'quic'] }, udp_over_stream: bool, zero_rtt_handshake: bool,
    heartbeat: duration, network, tls: outboundTls,
  }, ['type', 'tag', 'server', 'server_port', 'uuid', 'tls']),
  anytls: obj({
    ...base, ...server, password: nonEmpty, tls: outboundTls,
    idle_session_check_interval: duration, idle_session_timeout: duration, min_idle_session: uint,
  }, ['type', 'tag', 'server', 'server_port', 'password', 'tls']),
  selector: obj({
    type: str, tag, outbounds: members, default: nonEmpty, interrupt_exist_connections: bool,
  }, ['type', 'tag', 'outbounds']),
  urltest: obj({
    type: str, tag, outbounds: members, url: nonEmpty, interval: duration, tolerance: { type: 'integer', minimum: 0, maximum: 65535 },
    idle_timeout: duration, interrupt_exist_connections: bool,
  }, ['type', 'tag', 'outbounds']),
});
