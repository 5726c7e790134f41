// tuic:// (de-facto format read by mihomo and v2rayN): uuid:password as userinfo.
import type { Endpoint } from '../../endpoint.ts';
import { enc, fragment, hostPort, need, query } from './common.ts';

export function tuicLink(ep: Endpoint): string {
  const tls = need(ep.tls, 'tls', ep);
  return `tuic://${enc(need(ep.uuid, 'uuid', ep))}:${enc(need(ep.password, 'password', ep))}@${hostPort(ep)}`
    + query([
      ['congestion_control', need(ep.tuic, 'tuic', ep).congestion_control], ['udp_relay_mode', 'native'],
      ['alpn', 'h3'], ['sni', tls.server_name],
    ]) + fragment(ep);
}
