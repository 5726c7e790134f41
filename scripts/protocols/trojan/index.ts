// Trojan over TLS: a password per identity.
import type { InboundOf } from '../../model/types.ts';
import { enc, fragment, hostPort, query } from '../kit/links.ts';
import { passwordOverTls, type PasswordTlsFacts } from '../kit/password-tls.ts';
import { trojanCodec } from './client.ts';
import type { Protocol } from '../types.ts';

export const trojan: Protocol<InboundOf<'trojan'>, PasswordTlsFacts> = {
  type: 'trojan',
  name: 'Trojan',
  health: { kind: 'node-tls' },
  probe: { native: (who, host, port) => trojanCodec(who.password!, host, port) },
  ...passwordOverTls<InboundOf<'trojan'>>('trojan'),
  // The password is the userinfo, so `@ : / ? # %` in it are percent-encoded.
  link: (ep) => {
    const { tls } = ep;
    return `trojan://${enc(ep.password)}@${hostPort(ep)}`
      + query([['security', 'tls'], ['sni', tls.server_name], ['type', 'tcp']]) + fragment(ep);
  },
};
