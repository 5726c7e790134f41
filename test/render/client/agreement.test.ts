// Both ends of every connection, rendered separately, must agree: parse each demo node's
// server config and each active user's client profiles (as JSON/YAML text, the way the
// files are published) and compare ports, hosts, keys, short ids, methods, passwords,
// uuids, ws paths and SNI. Each side is derived on its own path from the same secret.
import { createPublicKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { activeUsers } from '../../../scripts/model/access.ts';
import type { Node, User } from '../../../scripts/model/types.ts';
import { realityPublicKeyFromPrivate } from '../../../scripts/secrets/index.ts';
import { renderProfiles } from '../../../scripts/render/client/index.ts';
import { profileEndpoints } from '../../../scripts/render/client/endpoints.ts';
import { renderNodeConfigs } from '../../../scripts/render/server/index.ts';
import { demoFleet, NOW, testStore } from './fixture.ts';

const fleet = demoFleet();
const store = testStore(fleet);
const servers = new Map([...renderNodeConfigs(fleet, store, NOW)].map(([n, text]) => [n, JSON.parse(text)]));

/** What a client says about one connection, in one vocabulary for both formats. */
interface ClientFacts {
  type: string; server: string; port: number; uuid?: string; password?: string; flow?: string;
  sni?: string; publicKey?: string; shortId?: string; path?: string; host?: string; method?: string; obfs?: string; alpn?: string[];
  certificate?: string; fingerprint?: string;
}

function fromSingBox(o: any): ClientFacts {
  return {
    type: o.type, server: o.server, port: o.server_port, uuid: o.uuid, password: o.password, flow: o.flow,
    sni: o.tls?.server_name, publicKey: o.tls?.reality?.public_key, shortId: o.tls?.reality?.short_id,
    path: o.transport?.path, host: o.transport?.headers?.Host, method: o.method, obfs: o.obfs?.password,
    alpn: o.tls?.alpn, certificate: o.tls?.certificate?.join('\n'),
  };
}

function fromMihomo(p: any): ClientFacts {
  const type = ({ ss: 'shadowsocks' } as Record<string, string>)[p.type] ?? p.type;
  return {
    type, server: p.server, port: p.port, uuid: p.uuid, password: p.password, flow: p.flow,
    sni: p.servername ?? p.sni, publicKey: p['reality-opts']?.['public-key'], shortId: p['reality-opts']?.['short-id'],
    path: p['ws-opts']?.path, host: p['ws-opts']?.headers?.Host, method: p.cipher, obfs: p['obfs-password'],
    alpn: p.alpn, fingerprint: p.fingerprint,
  };
}

function agree(c: ClientFacts, user: User, node: Node, inboundTag: string, where: string): void {
  const server = servers.get(node.name);
  expect(server, where).toBeDefined();
  const ib = server.inbounds.find((i: any) => i.tag === inboundTag);
  expect(ib, where).toBeDefined();
  const model = node.inbounds.find((i) => i.tag === inboundTag)!;
  // Host and port: the node's address and listen port, or the CDN's name and port.
  expect(c.server, where).toBe(model.public_host ?? model.address ?? node.address);
  expect(c.port, where).toBe(model.public_port ?? ib.listen_port);
  expect(c.type, where).toBe(ib.type);
  const entry = ib.users.find((u: any) => u.name === user.name);
  expect(entry, `${where}: server lists ${user.name}`).toBeDefined();
  const cdn = model.public_host !== undefined && model.public_host !== node.address;
  if (ib.tls?.reality) {
    expect(realityPublicKeyFromPrivate(ib.tls.reality.private_key), where).toBe(c.publicKey);
    expect(ib.tls.reality.short_id, where).toContain(c.shortId);
    expect(c.sni, where).toBe(ib.tls.server_name);
    expect(c.sni, where).toBe(ib.tls.reality.handshake.server);
  } else if (ib.tls) {
    // Through a CDN the client verifies the CDN's name; the CDN then talks to the node.
    if (!cdn) expect(c.sni, where).toBe(ib.tls.server_name);
    if (ib.tls.alpn) expect(c.alpn ?? ['h3'], where).toEqual(ib.tls.alpn);
  }
  if (ib.type === 'vless') { expect(c.uuid, where).toBe(entry.uuid); expect(c.flow, where).toBe(entry.flow); }
  if (ib.type === 'vmess') expect(c.uuid, where).toBe(entry.uuid);
  if (ib.type === 'trojan' || ib.type === 'hysteria2') expect(c.password, where).toBe(entry.password);
  if (ib.type === 'tuic') { expect(c.uuid, where).toBe(entry.uuid); expect(c.password, where).toBe(entry.password); }
  if (ib.type === 'shadowsocks') {
    expect(c.method, where).toBe(ib.method);
    expect(c.password, where).toBe(`${ib.password}:${entry.password}`);
  }
  if (ib.type === 'hysteria2') expect(c.obfs, where).toBe(ib.obfs?.password);
  if (ib.transport) {
    expect(c.path, where).toBe(ib.transport.path);
    expect(c.host, where).toBe(cdn ? model.public_host : ib.tls.server_name);
  }
  if (node.tls?.mode === 'self-signed' && ib.tls && !cdn) {
    // The pin is the committed certificate, and that certificate carries the derived key
    // the server is deployed with.
    const cert = new X509Certificate(node.tls.certificate!);
    const spki = cert.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(spki, where).toBe(createPublicKey(store.node(node.name, node.rev).selfSignedKey.privateKeyPem).export({ type: 'spki', format: 'pem' }).toString());
    if (c.certificate !== undefined) expect(c.certificate, where).toBe(node.tls.certificate!.trim());
    else expect(c.fingerprint, where).toBe(cert.fingerprint256);
  }
}

describe('server configs and client profiles agree', () => {
  const users = activeUsers(fleet, NOW);

  it('covers users in a grace period and every protocol', () => {
    expect(users.map((u) => u.name)).toEqual(['alice', 'dave', 'erin', 'frank']);
    const types = new Set(fleet.nodes.flatMap((n) => n.inbounds.map((i) => i.type)));
    expect(types.size).toBe(7);
  });

  for (const user of users) {
    it(`${user.name}: every sing-box outbound and mihomo proxy matches its node`, () => {
      const files = renderProfiles(fleet, user, store, NOW)!;
      const sb = JSON.parse(files['sing-box.json']);
      const mh = YAML.parse(files['mihomo.yaml'], { merge: true });
      const endpoints = profileEndpoints(fleet, user, store, NOW);
      for (const ep of endpoints) {
        const where = `${user.name} → ${ep.label}`;
        const o = sb.outbounds.find((x: any) => x.tag === ep.label);
        const p = mh.proxies.find((x: any) => x.name === ep.label);
        agree(fromSingBox(o), user, ep.node, ep.inbound.tag, `${where} (sing-box)`);
        agree(fromMihomo(p), user, ep.node, ep.inbound.tag, `${where} (mihomo)`);
      }
      // And the other way round: every node that accepts the user is in the profile.
      const listed = new Set(endpoints.map((e) => `${e.node.name}/${e.inbound.tag}`));
      for (const [node, cfg] of servers) {
        for (const ib of cfg.inbounds) {
          if (ib.users?.some((u: any) => u.name === user.name)) expect(listed.has(`${node}/${ib.tag}`), `${node}/${ib.tag}`).toBe(true);
        }
      }
    });
  }

  it("a user's profile never carries grace-period (previous) credentials", () => {
    const frank = users.find((u) => u.name === 'frank')!;
    const text = Object.values(renderProfiles(fleet, frank, store, NOW)!).join('\n');
    const prev = store.user('frank', frank.rev - 1);
    expect(servers.get('tokyo-1').inbounds[0].users.map((u: any) => u.name)).toContain('frank~prev');
    expect(text).not.toContain(prev.uuid);
    expect(text).not.toContain(prev.password);
  });
});
