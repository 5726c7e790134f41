// Share links parse back (WHATWG URL, as apps do) to exactly the endpoint values, and the
// subscription body is standard base64 of the newline-joined links.
import { describe, expect, it } from 'vitest';
import { renderProfiles, shareLinks } from '../../../scripts/render/client/index.ts';
import { profileEndpoints } from '../../../scripts/render/client/endpoints.ts';
import { shareLink } from '../../../scripts/render/client/links/subscription.ts';
import type { Endpoint } from '../../../scripts/render/endpoint.ts';
import { demoFleet, NOW, testStore, userOf } from './fixture.ts';

const fleet = demoFleet();
const store = testStore(fleet);
const alice = userOf(fleet, 'alice');
const endpoints = profileEndpoints(fleet, alice, store, NOW);
const links = shareLinks(fleet, alice, store, NOW);
const linkable = endpoints.filter((e) => !e.tls?.certificate);

function check(ep: Endpoint, link: string): void {
  if (link.startsWith('vmess://')) {
    const j = JSON.parse(Buffer.from(link.slice(8), 'base64').toString('utf8'));
    expect(j).toMatchObject({ v: '2', ps: ep.label, add: ep.server, port: String(ep.port), id: ep.uuid, aid: '0', net: 'ws', tls: 'tls', sni: ep.tls!.server_name, host: ep.ws!.host, path: ep.ws!.path });
    return;
  }
  const u = new URL(link);
  const q = Object.fromEntries(u.searchParams);
  expect(decodeURIComponent(u.hash.slice(1))).toBe(ep.label);
  expect(u.hostname).toBe(ep.server);
  expect(Number(u.port || 443)).toBe(ep.port);
  switch (ep.inbound.type) {
    case 'vless-reality':
      expect(u.protocol).toBe('vless:');
      expect(decodeURIComponent(u.username)).toBe(ep.uuid);
      expect(q).toMatchObject({ security: 'reality', pbk: ep.tls!.reality!.public_key, sid: ep.tls!.reality!.short_id, sni: ep.tls!.server_name, fp: 'chrome', flow: 'xtls-rprx-vision', encryption: 'none' });
      break;
    case 'vless-ws':
      expect(decodeURIComponent(u.username)).toBe(ep.uuid);
      expect(q).toMatchObject({ type: 'ws', path: ep.ws!.path, host: ep.ws!.host, security: 'tls', sni: ep.tls!.server_name });
      break;
    case 'trojan':
      expect(decodeURIComponent(u.username)).toBe(ep.password);
      expect(q).toMatchObject({ security: 'tls', sni: ep.tls!.server_name });
      break;
    case 'shadowsocks':
      // SIP002 for 2022: plain percent-encoded method:password, never base64.
      expect(decodeURIComponent(u.username)).toBe(ep.shadowsocks!.method);
      expect(decodeURIComponent(u.password)).toBe(ep.shadowsocks!.password);
      break;
    case 'hysteria2':
      expect(u.protocol).toBe('hysteria2:');
      expect(decodeURIComponent(u.username)).toBe(ep.password);
      expect(q).toMatchObject({ sni: ep.tls!.server_name, obfs: 'salamander', 'obfs-password': ep.hysteria2!.obfs_password });
      break;
    case 'tuic':
      expect(decodeURIComponent(u.username)).toBe(ep.uuid);
      expect(decodeURIComponent(u.password)).toBe(ep.password);
      expect(q).toMatchObject({ congestion_control: ep.tuic!.congestion_control, alpn: 'h3', sni: ep.tls!.server_name });
      break;
    default:
      throw new Error(`unexpected ${ep.inbound.type}`);
  }
}

describe('share links', () => {
  it('one link per endpoint that needs no pin, in profile order', () => {
    expect(linkable.length).toBeGreaterThan(0);
    expect(linkable.length).toBeLessThan(endpoints.length); // frankfurt's trojan and tuic are pinned
    expect(links).toHaveLength(linkable.length);
    linkable.forEach((ep, i) => check(ep, links[i]!));
  });

  it('never marks a link insecure', () => {
    for (const l of links) expect(l).not.toMatch(/insecure|allowInsecure|allow_insecure/i);
  });

  it('parses back for every protocol, also with characters that need escaping', () => {
    for (const ep of endpoints) {
      const tricky: Endpoint = {
        ...ep, label: 'Odd #1 · 東京 / 100%', tls: ep.tls && { ...ep.tls, certificate: undefined },
        ...(ep.password ? { password: 'p@ss:w/o?r#d%+ ' } : {}),
        ...(ep.ws ? { ws: { ...ep.ws, path: '/a b?ed=2048' } } : {}),
      };
      check(tricky, linkOf(tricky));
    }
  });

  it('links.txt is standard base64 of the newline-joined links', () => {
    const body = renderProfiles(fleet, alice, store, NOW)!['links.txt'];
    expect(body).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(body, 'base64').toString('utf8')).toBe(links.join('\n'));
  });
});

function linkOf(ep: Endpoint): string {
  const l = shareLink(ep);
  if (!l) throw new Error('no link');
  return l;
}
