// Each per-protocol mapper on its own: a snapshot of what it writes, plus assertions of
// the facts a snapshot would let slip (pins, never `insecure`, key names per format).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpointsOf, userIdentity, type Endpoint } from '../../../scripts/render/endpoint.ts';
import { mihomoProxy, certFingerprint } from '../../../scripts/render/client/mihomo/proxies.ts';
import { singboxOutbound } from '../../../scripts/render/client/singbox/outbounds.ts';
import { shareLink } from '../../../scripts/render/client/links/subscription.ts';
import { demoFleet, FRANKFURT_CERT, testStore } from './fixture.ts';

const fleet = demoFleet();
const store = testStore(fleet);
const alice = userIdentity(store, 'alice', 1);
const all = fleet.nodes.flatMap((n) => endpointsOf(n, store, alice));
const byType = (t: Endpoint['inbound']['type']): Endpoint => all.find((e) => e.inbound.type === t)!;
/** The same endpoint as if its node had a CA-signed certificate (share links skip pins). */
const unpinned = (ep: Endpoint): Endpoint => ({ ...ep, tls: { ...ep.tls!, certificate: undefined } });

const TYPES = ['vless-reality', 'vless-ws', 'vmess-ws', 'trojan', 'shadowsocks', 'hysteria2', 'tuic'] as const;

describe('per-protocol mappers', () => {
  it('the demo fleet covers every protocol', () => {
    for (const t of TYPES) expect(byType(t), t).toBeDefined();
  });

  for (const t of TYPES) {
    it(`sing-box outbound: ${t}`, () => expect(singboxOutbound(byType(t))).toMatchSnapshot());
    it(`mihomo proxy: ${t}`, () => expect(mihomoProxy(byType(t))).toMatchSnapshot());
    it(`share link: ${t}`, () => expect(shareLink(unpinned(byType(t)))).toMatchSnapshot());
  }

  it('pins a self-signed node by its certificate in sing-box, never insecure', () => {
    const out = singboxOutbound(byType('trojan')) as any;
    expect(out.tls.certificate.join('\n')).toBe(FRANKFURT_CERT.trim());
    expect(JSON.stringify(out)).not.toMatch(/insecure/);
  });

  it("pins it in mihomo by the SHA-256 of the certificate's DER, as openssl computes it", () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-cert-'));
    try {
      writeFileSync(join(dir, 'c.pem'), FRANKFURT_CERT);
      const line = execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' });
      const expected = line.trim().split('=')[1];
      for (const t of ['trojan', 'tuic'] as const) {
        const p = mihomoProxy(byType(t));
        expect(p.fingerprint).toBe(expected);
        expect(p).not.toHaveProperty('skip-cert-verify');
      }
      expect(certFingerprint(FRANKFURT_CERT)).toBe(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves self-signed endpoints out of share links', () => {
    expect(shareLink(byType('trojan'))).toBeUndefined();
    expect(shareLink(byType('tuic'))).toBeUndefined();
    expect(shareLink(byType('shadowsocks'))).toMatch(/^ss:\/\//);
  });

  it('writes Reality with uTLS and vision flow in both client formats', () => {
    const ep = byType('vless-reality');
    const sb = singboxOutbound(ep) as any;
    expect(sb.flow).toBe('xtls-rprx-vision');
    expect(sb.tls.utls).toEqual({ enabled: true, fingerprint: 'chrome' });
    expect(sb.tls.reality).toEqual({ enabled: true, ...ep.tls!.reality });
    const mh = mihomoProxy(ep) as any;
    expect(mh['client-fingerprint']).toBe('chrome');
    expect(mh['reality-opts']).toEqual({ 'public-key': ep.tls!.reality!.public_key, 'short-id': ep.tls!.reality!.short_id });
  });

  it('gives a host-name server a domain resolver and an IP server none', () => {
    expect(singboxOutbound(byType('vless-ws'))).toMatchObject({ server: 'cdn-tokyo.example.com', domain_resolver: 'local' });
    expect(singboxOutbound(byType('vless-reality'))).not.toHaveProperty('domain_resolver');
  });

  it('does not declare the node bandwidth as the client line (BBR instead of Brutal)', () => {
    const ep = byType('hysteria2');
    expect(ep.hysteria2?.up_mbps).toBe(1000);
    expect(singboxOutbound(ep)).not.toHaveProperty('up_mbps');
    expect(mihomoProxy(ep)).not.toHaveProperty('up');
  });
});
