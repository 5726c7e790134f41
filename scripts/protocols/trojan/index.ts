// Trojan over TLS: a password per identity.
import type { TrojanInbound } from '../../model/types.ts';
import { need } from '../kit/endpoint.ts';
import { enc, fragment, hostPort, query } from '../kit/links.ts';
import { passwordOverTls } from '../kit/password-tls.ts';
import type { Protocol } from '../types.ts';

export const trojan: Protocol<TrojanInbound> = {
  type: 'trojan',
  name: 'Trojan',
  transports: ['tcp'],
  health: { kind: 'node-tls' },
  probe: 'native',
  ...passwordOverTls<TrojanInbound>('trojan'),
  // The password is the userinfo, so `@ : / ? # %` in it are percent-encoded.
  link: (ep) => {
    const tls = need(ep.tls, 'tls', ep);
    return `trojan://${enc(need(ep.password, 'password', ep))}@${hostPort(ep)}`
      + query([['security', 'tls'], ['sni', tls.server_name], ['type', 'tcp']]) + fragment(ep);
  },
};
