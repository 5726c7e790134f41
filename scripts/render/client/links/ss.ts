// ss:// per SIP002. For Shadowsocks-2022 the userinfo must NOT be base64 (SIP002's 2022
// rule): `method:password` with each part percent-encoded, so the iPSK:uPSK colon is %3A.
import type { Endpoint } from '../../endpoint.ts';
import { enc, fragment, hostPort, need } from './common.ts';

export function ssLink(ep: Endpoint): string {
  const ss = need(ep.shadowsocks, 'shadowsocks', ep);
  return `ss://${enc(ss.method)}:${enc(ss.password)}@${hostPort(ep)}${fragment(ep)}`;
}
