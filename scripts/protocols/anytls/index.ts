// AnyTLS (sing-box 1.12+, mihomo 1.19+): a password per identity inside TLS, with the
// padding scheme's defaults hiding TLS-in-TLS record patterns. TCP only; the certificate
// is the node's (pinned when self-signed), like Trojan.
import type { InboundOf } from '../../model/types.ts';
import { enc, fragment, hostPort, query } from '../kit/links.ts';
import { passwordOverTls, type PasswordTlsFacts } from '../kit/password-tls.ts';
import type { Protocol } from '../types.ts';

export const anytls: Protocol<InboundOf<'anytls'>, PasswordTlsFacts> = {
  type: 'anytls',
  name: 'AnyTLS',
  health: { kind: 'node-tls' },
  probe: 'sing-box',
  ...passwordOverTls<InboundOf<'anytls'>>('anytls'),
  // anytls:// per anytls-go's docs/uri_scheme.md (mihomo's converter reads it).
  link: (ep) => {
    const { tls } = ep;
    return `anytls://${enc(ep.password)}@${hostPort(ep)}/` + query([['sni', tls.server_name]]) + fragment(ep);
  },
};
