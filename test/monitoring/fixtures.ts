// Fleets for the monitoring tests, built as real YAML in a temp directory and loaded by
// the model's own loader (so they pass the same schema and checks as an operator's).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadFleet } from '../../scripts/model/load.ts';
import type { Fleet } from '../../scripts/model/types.ts';

const REPO = join(import.meta.dirname, '../..');
export const NOW = new Date('2026-11-26T12:00:00Z');
const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDT7GtNU2w0BNhYeNbP/jqXfAhLt0cu0EbnzUGyw36Y8';

export interface FleetDir { dir: string; fleet: Fleet; remove(): void }

/** Copies the demo fleet, lets the caller change fleet.yaml and add/replace nodes. */
export function makeFleet(opts: {
  settings?: (s: Record<string, any>) => void;
  nodes?: Record<string, unknown>[];
  /** Keep the demo's nodes (default true). */
  demoNodes?: boolean;
} = {}): FleetDir {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-mon-'));
  cpSync(join(REPO, 'users'), join(dir, 'users'), { recursive: true });
  if (opts.demoNodes !== false) cpSync(join(REPO, 'nodes'), join(dir, 'nodes'), { recursive: true });
  else cpSync(join(REPO, 'nodes/tokyo-1.yaml'), join(dir, 'nodes/.keep'), { recursive: true });
  const settings = parse(readFileSync(join(REPO, 'fleet.yaml'), 'utf8')) as Record<string, any>;
  if (opts.demoNodes === false) {
    rmSync(join(dir, 'nodes/.keep'));
    delete settings.deploy.canary;
    // Demo users select demo labels; with other nodes they would select nothing.
    rmSync(join(dir, 'users'), { recursive: true });
    cpSync(join(REPO, 'users/alice.yaml'), join(dir, 'users/alice.yaml'));
  }
  settings.regions = { ...settings.regions, 'us-west': { title: { en: 'US West', 'zh-CN': '美国西部' } } };
  opts.settings?.(settings);
  writeFileSync(join(dir, 'fleet.yaml'), stringify(settings));
  for (const n of opts.nodes ?? []) writeFileSync(join(dir, 'nodes', `${n.name}.yaml`), stringify(n));
  const r = loadFleet(dir, NOW);
  if (!r.fleet) throw new Error(`fixture fleet is invalid:\n${r.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n')}`);
  return { dir, fleet: r.fleet, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A node file with Reality, Shadowsocks, trojan (own certificate) and hysteria2 inbounds. */
export function nodeYaml(name: string, address: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name, title: name, region: 'europe', country: 'DE', labels: ['premium'], rev: 1, arch: 'amd64', address,
    bandwidth_mbps: 100,
    ssh: { port: 22, user: 'boxfleet', bootstrap_user: 'root', host_keys: [HOST_KEY] },
    tls: { mode: 'acme', server_name: `${name}.example.com`, acme: { email: 'ops@example.com', challenge: 'http-01' } },
    inbounds: [
      { type: 'vless-reality', port: 443, handshake_server: 'www.example.com' },
      { type: 'shadowsocks', port: 8388, method: '2022-blake3-aes-128-gcm' },
      { type: 'trojan', port: 8443 },
      { type: 'hysteria2', port: 443, obfs: true },
    ],
    ...extra,
  };
}

/** The demo fleet plus 27 generated nodes in several regions: 30 nodes. */
export function largeFleet(): FleetDir {
  const regions = [['europe', 'DE'], ['asia-east', 'JP'], ['us-west', 'US']];
  const nodes = Array.from({ length: 27 }, (_, i) => {
    const [region, country] = regions[i % 3]!;
    return nodeYaml(`gen-${String(i + 1).padStart(2, '0')}`, `198.51.100.${100 + i}`, { region, country, maintenance: i === 5 });
  });
  return makeFleet({ nodes, settings: (s) => { s.alerts.email = 'ops@example.com'; } });
}
