// TypeScript view of the three JSON Schemas in ./schema: the single contract of every
// stage. Field names are the YAML keys, so an error message and the code use one word.
// Values here have defaults applied (see defaults.ts); optional fields stay optional.

export type InboundType =
  | 'vless-reality' | 'vless-ws' | 'vmess-ws' | 'trojan' | 'shadowsocks' | 'hysteria2' | 'tuic' | 'anytls';

export const INBOUND_TYPES: readonly InboundType[] = [
  'vless-reality', 'vless-ws', 'vmess-ws', 'trojan', 'shadowsocks', 'hysteria2', 'tuic', 'anytls',
];

/** UDP inbounds live in their own port space: TCP 443 and UDP 443 may coexist. */
export const UDP_TYPES: ReadonlySet<InboundType> = new Set(['hysteria2', 'tuic']);
/** Inbounds that need the node's TLS block (Reality brings its own handshake). */
export const TLS_TYPES: ReadonlySet<InboundType> = new Set(['vless-ws', 'vmess-ws', 'trojan', 'hysteria2', 'tuic', 'anytls']);

export type SsMethod = '2022-blake3-aes-128-gcm' | '2022-blake3-aes-256-gcm';

export interface InboundBase {
  port: number;
  public_host?: string;
  public_port?: number;
  /** Stable tag `<type>-<port>`, unique per node (two inbounds of one type need two ports). */
  tag: string;
}
export interface VlessRealityInbound extends InboundBase {
  type: 'vless-reality'; handshake_server: string; handshake_port: number; short_id_count: number;
}
export interface WsInbound extends InboundBase { type: 'vless-ws' | 'vmess-ws'; path: string }
export interface TrojanInbound extends InboundBase { type: 'trojan' }
export interface ShadowsocksInbound extends InboundBase { type: 'shadowsocks'; method: SsMethod }
export interface Hysteria2Inbound extends InboundBase {
  type: 'hysteria2'; obfs: boolean; up_mbps?: number; down_mbps?: number; masquerade?: string;
}
export interface TuicInbound extends InboundBase { type: 'tuic'; congestion_control: 'cubic' | 'new_reno' | 'bbr' }
export interface AnytlsInbound extends InboundBase { type: 'anytls' }
export type Inbound =
  | VlessRealityInbound | WsInbound | TrojanInbound | ShadowsocksInbound | Hysteria2Inbound | TuicInbound | AnytlsInbound;

export interface SshTarget {
  host: string; port: number; user: string; bootstrap_user: string; host_keys: string[];
}

export interface NodeTls {
  mode: 'acme' | 'files' | 'self-signed';
  server_name: string;
  acme?: { email: string; challenge: 'http-01' | 'tls-alpn-01' | 'dns'; dns_provider?: 'cloudflare' | 'alidns'; provider: string };
  certificate_path?: string;
  key_path?: string;
  certificate?: string;
}

export interface Node {
  name: string; title: string; region: string; country: string; labels: string[];
  rev: number; arch: 'amd64' | 'arm64'; address: string;
  enabled: boolean; maintenance: boolean; bandwidth_mbps?: number;
  ssh: SshTarget; tls?: NodeTls; inbounds: Inbound[];
}

export interface User {
  name: string; enabled: boolean;
  /** End of access as an ISO instant (a date means the end of that UTC day). */
  expires?: string;
  rev: number; rotated_at?: string; revoked: boolean;
  /** `label:x` / `node:y` selectors; empty means every node. */
  nodes: string[];
  region?: string; quota_gb?: number; language?: 'en' | 'zh-CN'; note?: string;
}

export interface Vantage { name: string; region: string; self_hosted: boolean }

export interface FleetSettings {
  name: string; epoch: number; labels: Record<string, string>;
  site: { base_url: string; host: 'github-pages' | 'cloudflare' | 'netlify' | 'plain'; language: 'en' | 'zh-CN'; contact?: string; title?: string };
  singbox: {
    version: string; sha256: { amd64?: string; arm64?: string };
    /** Release tarball URL template with {version} and {arch}. */
    download_url: string;
  };
  users: { rotation_grace: string };
  subscription: {
    update_interval_hours: number;
    url_test: { url: string; interval: string; tolerance_ms: number };
    routing: 'global' | 'cn-direct';
    down_nodes: 'demote' | 'drop';
    /** Rule-set URLs of the cn-direct preset, per client family. */
    rule_sets: {
      'sing-box': { 'geosite-cn': string; 'geoip-cn': string };
      mihomo: { 'cn-domain': string; 'cn-ip': string };
    };
  };
  deploy: { canary?: string; parallel: number; max_fail_percent: number };
  probe: {
    url: string; interval: string; timeout: string; rev: number; status_branch: string;
    vantages: Vantage[];
    incident: { open_after: string; close_after: string; max_new_issues_per_run: number };
  };
  alerts: {
    github_labels: string[]; telegram_chat_id?: string; email?: string; show_addresses: boolean;
    thresholds: { cpu_percent: number; memory_percent: number; disk_percent: number; bandwidth_percent: number; connections: number; for: string };
  };
  monitoring?: { address: string; ssh: SshTarget };
}

/** Where a value came from, for messages that point into the YAML. */
export interface SourcePos { file: string; line: number; col: number }

export interface Fleet {
  root: string;
  settings: FleetSettings;
  /** Sorted by name: deterministic output starts here. */
  nodes: Node[];
  users: User[];
  /** Position of a YAML path like `nodes/tokyo-1.yaml#inbounds.0.port`, when known. */
  where(file: string, path?: (string | number)[]): SourcePos;
}
