// Inbounds: the server types (vless, vmess, trojan, shadowsocks, hysteria2, tuic, anytls) and the
// client types (tun, mixed). Fields per option/<type>.go; legacy `sniff*` and
// `domain_strategy` are deliberately absent (removed after 1.11).
import {
  bool, byType, congestion, duration, inboundMultiplex, inboundTls, listable, listenFields, network, nonEmpty,
  obj, port, salamander, ssMethod, str, strings, tag, transport, uint, uuid, type Schema,
} from './common.ts';

const base = { type: str, tag, ...listenFields };
const name = str;
const users = (fields: Record<string, Schema>, required: string[]): Schema =>
  ({ type: 'array', items: obj({ name, ...fields }, required) });

const masquerade: Schema = {
  anyOf: [
    { type: 'string', pattern: '^(https?|file)://' },
    byType({
      file: obj({ type: str, directory: nonEmpty }, ['directory']),
      proxy: obj({ type: str, url: nonEmpty, rewrite_host: bool }, ['url']),
      string: obj({ type: str, status_code: uint, headers: { type: 'object' }, content: str }),
    }),
  ],
};

export const inbound: Schema = byType({
  vless: obj({
    ...base, users: users({ uuid, flow: { enum: ['', 'xtls-rprx-vision'] } }, ['uuid']),
    tls: inboundTls, multiplex: inboundMultiplex, transport,
  }, ['type', 'listen', 'users']),
  vmess: obj({
    ...base, users: users({ uuid, alterId: uint }, ['uuid']),
    tls: inboundTls, multiplex: inboundMultiplex, transport,
  }, ['type', 'listen', 'users']),
  trojan: obj({
    ...base, users: users({ password: nonEmpty }, ['password']),
    tls: inboundTls, multiplex: inboundMultiplex, transport,
    fallback: obj({ server: nonEmpty, server_port: port }, ['server', 'server_port']),
  }, ['type', 'listen', 'users']),
  shadowsocks: obj({
    ...base, network, method: ssMethod, password: nonEmpty,
    users: users({ password: nonEmpty }, ['password']), multiplex: inboundMultiplex,
  }, ['type', 'listen', 'method', 'password']),
  hysteria2: obj({
    ...base, up_mbps: uint, down_mbps: uint, obfs: salamander,
    users: users({ password: nonEmpty }, ['password']), ignore_client_bandwidth: bool,
    tls: inboundTls, masquerade, brutal_debug: bool,
  }, ['type', 'listen', 'users', 'tls']),
  tuic: obj({
    ...base, users: users({ uuid, password: str }, ['uuid']), congestion_control: congestion,
    auth_timeout: duration, zero_rtt_handshake: bool, heartbeat: duration, tls: inboundTls,
  }, ['type', 'listen', 'users', 'tls']),
  anytls: obj({
    ...base, users: users({ password: nonEmpty }, ['password']), padding_scheme: listable(str), tls: inboundTls,
  }, ['type', 'listen', 'users', 'tls']),
  tun: obj({
    type: str, tag, interface_name: str, mtu: uint, address: listable(str), auto_route: bool,
    strict_route: bool, route_address: listable(str), route_exclude_address: listable(str),
    auto_redirect: bool, endpoint_independent_nat: bool, udp_timeout: duration,
    stack: { enum: ['system', 'gvisor', 'mixed'] }, include_package: strings, exclude_package: strings,
    platform: obj({ http_proxy: obj({ enabled: bool, server: nonEmpty, server_port: port }) }),
  }, ['type', 'address']),
  mixed: obj({
    ...base, users: { type: 'array', items: obj({ username: str, password: str }, ['username', 'password']) },
    set_system_proxy: bool,
  }, ['type', 'listen', 'listen_port']),
});
