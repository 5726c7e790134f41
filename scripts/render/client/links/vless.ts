// vless:// links in the Xray/v2rayN query vocabulary (mihomo, v2rayNG, Hiddify, Shadowrocket read it).
import type { Endpoint } from '../../endpoint.ts';
import { enc, fragment, hostPort, need, query } from './common.ts';

export function vlessLink(ep: Endpoint): string {
  const tls = need(ep.tls, 'tls', ep);
  const head = `vless://${enc(need(ep.uuid, 'uuid', ep))}@${hostPort(ep)}`;
  if (tls.reality) {
    return head + query([
      ['encryption', 'none'], ['flow', ep.flow], ['security', 'reality'], ['sni', tls.server_name],
      ['fp', 'chrome'], ['pbk', tls.reality.public_key], ['sid', tls.reality.short_id], ['type', 'tcp'],
    ]) + fragment(ep);
  }
  const ws = need(ep.ws, 'ws', ep);
  return head + query([
    ['encryption', 'none'], ['security', 'tls'], ['sni', tls.server_name], ['type', 'ws'], ['host', ws.host], ['path', ws.path],
  ]) + fragment(ep);
}
