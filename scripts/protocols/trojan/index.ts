// Trojan over TLS: a password per identity.
import type { InboundOf } from '../../model/types.ts';
import { need } from '../kit/endpoint.ts';
import { enc, fragment, hostPort, query } from '../kit/links.ts';
import { passwordOverTls } from '../kit/password-tls.ts';
import { trojanCodec } from './client.ts';
import type { Protocol } from '../types.ts';

export const trojan: Protocol<InboundOf<'trojan'>> = {
  type: 'trojan',
  name: 'Trojan',
  health: { kind: 'node-tls' },
  probe: { native: (who, host, port) => trojanCodec(who.password!, host, port) },
  ...passwordOverTls<InboundOf<'trojan'>>('trojan'),
  // The password is the userinfo, so `@ : / ? # %` in it are percent-encoded.
  link: (ep) => {
    const tls = need(ep.tls, 'tls', ep);
    return `trojan://${enc(need(ep.password, 'password', ep))}@${hostPort(ep)}`
      + query([['security', 'tls'], ['sni', tls.server_name], ['type', 'tcp']]) + fragment(ep);
  },
};
