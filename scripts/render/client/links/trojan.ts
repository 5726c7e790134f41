// trojan:// links: the password is the userinfo, so `@ : / ? # %` in it are percent-encoded.
import type { Endpoint } from '../../endpoint.ts';
import { enc, fragment, hostPort, need, query } from './common.ts';

export function trojanLink(ep: Endpoint): string {
  const tls = need(ep.tls, 'tls', ep);
  return `trojan://${enc(need(ep.password, 'password', ep))}@${hostPort(ep)}`
    + query([['security', 'tls'], ['sni', tls.server_name], ['type', 'tcp']]) + fragment(ep);
}
