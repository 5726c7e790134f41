// hysteria2:// per the official Hysteria 2 URI scheme. Bandwidth is not part of the URI
// by design (each client sets its own).
import type { Endpoint } from '../../endpoint.ts';
import { enc, fragment, hostPort, need, query } from './common.ts';

export function hysteria2Link(ep: Endpoint): string {
  const tls = need(ep.tls, 'tls', ep);
  const obfs = ep.hysteria2?.obfs_password;
  return `hysteria2://${enc(need(ep.password, 'password', ep))}@${hostPort(ep)}/`
    + query([['sni', tls.server_name], ['obfs', obfs ? 'salamander' : undefined], ['obfs-password', obfs]]) + fragment(ep);
}
