// A test fleet that uses every inbound type and every option the model offers: all three
// TLS modes (ACME with each challenge, files, self-signed), both Shadowsocks-2022 methods,
// Hysteria2 with and without obfs and masquerade, every TUIC congestion control, public
// host/port overrides, and users that are selected, expired, disabled, rotated and
// regional. The real sing-box and mihomo must accept everything rendered from it.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makeSelfSignedCertificate } from '../../scripts/core/certificate.ts';
import { CredentialStore } from '../../scripts/secrets/index.ts';
import { TOOL_VERSIONS } from '../tools/index.ts';

export const FULL_SECRET = 'boxfleet-full-fleet-test-secret-0123456789abcdef';
export const FULL_NOW = '2026-11-26T12:00:00Z';
const REPO = new URL('../../', import.meta.url).pathname;

const ssh = (key: string) => ({ port: 22, user: 'boxfleet', bootstrap_user: 'root', host_keys: [key] });
const HOST_KEY = readFileSync(join(REPO, 'nodes/tokyo-1.yaml'), 'utf8').match(/ssh-ed25519 \S+/)![0];

function nodes(store: CredentialStore): Record<string, unknown>[] {
  const selfKey = store.node('self-1', 1).selfSignedKey.privateKeyPem;
  const base = (name: string, address: string, region: string, labels: string[] = []) => ({
    name, title: `Full ${name}`, region, country: 'DE', labels, rev: 1, arch: 'amd64', address, ssh: ssh(HOST_KEY),
  });
  return [
    {
      ...base('acme-http', '203.0.113.41', 'europe', ['premium']), bandwidth_mbps: 1000,
      tls: { mode: 'acme', server_name: 'acme-http.example.com', acme: { email: 'ops@example.com', challenge: 'http-01' } },
      inbounds: [
        { type: 'vless-ws', port: 443, path: '/vl' },
        { type: 'vmess-ws', port: 2053, path: '/vm', public_host: 'cdn.example.com', public_port: 443 },
        { type: 'trojan', port: 8443 },
        { type: 'hysteria2', port: 443, obfs: true, up_mbps: 500, down_mbps: 800 },
        { type: 'tuic', port: 8443, congestion_control: 'cubic' },
      ],
    },
    {
      ...base('acme-alpn', '203.0.113.42', 'asia-east'),
      tls: { mode: 'acme', server_name: 'acme-alpn.example.com', acme: { email: 'ops@example.com', challenge: 'tls-alpn-01' } },
      inbounds: [
        { type: 'trojan', port: 443 },
        { type: 'hysteria2', port: 443, masquerade: 'https://www.example.com/' },
        { type: 'tuic', port: 8443, congestion_control: 'new_reno' },
      ],
    },
    {
      ...base('acme-dns', '203.0.113.43', 'asia-east'),
      tls: { mode: 'acme', server_name: 'acme-dns.example.com', acme: { email: 'ops@example.com', challenge: 'dns', dns_provider: 'cloudflare' } },
      inbounds: [{ type: 'vless-ws', port: 443 }, { type: 'shadowsocks', port: 8388, method: '2022-blake3-aes-256-gcm' }],
    },
    {
      ...base('files-1', '203.0.113.44', 'us', ['premium']),
      tls: { mode: 'files', server_name: 'files-1.example.com', certificate_path: '/etc/ssl/boxfleet/files-1.crt', key_path: '/etc/ssl/boxfleet/files-1.key' },
      inbounds: [
        { type: 'trojan', port: 443 },
        { type: 'tuic', port: 443, congestion_control: 'bbr' },
        { type: 'shadowsocks', port: 8388, method: '2022-blake3-aes-256-gcm' },
        { type: 'anytls', port: 8443 },
      ],
    },
    {
      ...base('self-1', '203.0.113.45', 'europe'),
      tls: { mode: 'self-signed', server_name: 'self-1.example.com', certificate: makeSelfSignedCertificate({ privateKeyPem: selfKey, serverName: 'self-1.example.com', address: '203.0.113.45' }) },
      inbounds: [
        { type: 'vless-reality', port: 443, handshake_server: 'www.example.org', handshake_port: 8443, short_id_count: 3 },
        { type: 'shadowsocks', port: 8388, method: '2022-blake3-aes-128-gcm' },
        { type: 'trojan', port: 8443 },
        { type: 'hysteria2', port: 443, obfs: false },
        { type: 'anytls', port: 9443 },
      ],
    },
  ];
}

const USERS: Record<string, unknown>[] = [
  { name: 'alice', rev: 1 },
  { name: 'bob', rev: 3, rotated_at: '2026-11-26T00:00:00Z', expires: '2027-06-30' },
  { name: 'carol', rev: 2, rotated_at: '2026-11-25T00:00:00Z', revoked: true, region: 'asia-east' },
  { name: 'dave', rev: 1, nodes: ['label:premium'], quota_gb: 100, note: 'paying' },
  { name: 'erin', rev: 1, nodes: ['node:self-1', 'node:acme-dns'], language: 'zh-CN' },
  { name: 'frank', rev: 1, enabled: false },
  { name: 'gina', rev: 1, expires: '2026-01-01' },
];

export interface FullFleetOptions {
  routing: 'global' | 'cn-direct';
  /** Optional overrides of subscription.rule_sets and url tests (the interop web server). */
  subscription?: Record<string, unknown>;
}

/** Writes the fleet into a new temp dir and returns it. */
export function writeFullFleet(opts: FullFleetOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-full-fleet-'));
  const store = new CredentialStore(Buffer.from(FULL_SECRET), 1);
  const fleet = {
    name: 'full', epoch: 1,
    labels: { premium: 'Faster nodes' },
    site: { base_url: 'https://sub.example.com', host: 'cloudflare', language: 'en' },
    singbox: { version: TOOL_VERSIONS.singbox.pinned },
    users: { rotation_grace: '48h' },
    subscription: { routing: opts.routing, down_nodes: 'demote', ...opts.subscription },
    deploy: { canary: 'self-1', parallel: 2, max_fail_percent: 50 },
    probe: { vantages: [{ name: 'github', region: 'us' }, { name: 'home-cn', region: 'cn', self_hosted: true }] },
  };
  mkdirSync(join(dir, 'nodes'));
  mkdirSync(join(dir, 'users'));
  writeFileSync(join(dir, 'fleet.yaml'), stringify(fleet));
  for (const n of nodes(store)) writeFileSync(join(dir, 'nodes', `${n.name}.yaml`), stringify(n));
  for (const u of USERS) writeFileSync(join(dir, 'users', `${u.name}.yaml`), stringify(u));
  return dir;
}
