// vmess:// in v2rayN's "ver 2" form: standard base64 of a JSON object whose values are
// all strings (v2rayN writes port and aid as strings; mihomo requires `ps`).
import type { Endpoint } from '../../endpoint.ts';
import { need } from './common.ts';

export function vmessLink(ep: Endpoint): string {
  const tls = need(ep.tls, 'tls', ep);
  const ws = need(ep.ws, 'ws', ep);
  const body = {
    v: '2', ps: ep.label, add: ep.server, port: String(ep.port), id: need(ep.uuid, 'uuid', ep), aid: '0',
    scy: 'auto', net: 'ws', type: 'none', host: ws.host, path: ws.path, tls: 'tls', sni: tls.server_name, alpn: '', fp: '',
  };
  return `vmess://${Buffer.from(JSON.stringify(body), 'utf8').toString('base64')}`;
}
