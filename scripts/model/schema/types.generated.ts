// Generated from scripts/model/schema/*.schema.json by `npm run schemas`. Do not edit:
// change the schema (or scripts/protocols/<type>/schema.json) and run it again.

/** Fleet-wide settings of a boxfleet repository. */
export interface FleetSettings {
  /** Name of the fleet, used in titles and profile names. */
  name: string;
  /** Bump to rotate every derived credential of the fleet at once. */
  epoch: number;
  /** Node labels that nodes may carry and users may select, each with a description. */
  labels: Record<string, string>;
  /** Every region the fleet speaks of, one namespace: where nodes are (`region:` in nodes/), where probe vantages are, where users are (`region:` in users/), their `prefer_regions` and deploy windows. Pages show the titles. E.g. `asia-east: { title: { en: East Asia, zh-CN: 东亚 } }`. */
  regions: Record<string, RegionInfo>;
  /** Where and how the static subscription site is published, e.g. `site: { base_url: https://sub.example.com }`. */
  site: {
    /** Public URL the site is served from, e.g. https://sub.example.com */
    base_url: string;
    /** Where the static site is hosted: github-pages, cloudflare, netlify or plain (a web server of yours) get the folder; s3 is published object by object to an S3-compatible store by `fleet publish` (see `site.s3`). Decides whether _headers is written and how page links end. */
    host: "github-pages" | "cloudflare" | "netlify" | "plain" | "s3";
    /** The host's plan where its limits differ by plan: Cloudflare Pages takes 20,000 files per site on the free plan and 100,000 on paid plans. `fleet validate` and `fleet site` warn at 80% of the limit and refuse at 100%. */
    plan: "free" | "paid";
    /** The object store of `site.host: s3`, e.g. `s3: { endpoint: https://<account id>.r2.cloudflarestorage.com, bucket: sub }`. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the repository. */
    s3?: S3Target;
    /** Default language of user pages. */
    language: "en" | "zh-CN";
    /** How users reach the operator, shown on pages (e.g. a Telegram handle). */
    contact?: string;
    title?: string;
    /** Per app, a download link that replaces the default (GitHub releases and Google Play are often unreachable from mainland China before the user has a proxy), e.g. `apps: { v2rayng: { url: https://dl.example.com/v2rayNG.apk, sha256: … } }`. Apps: sing-box-ios, shadowrocket, sing-box-android, hiddify, v2rayng, clash-verge-rev. */
    apps: Record<string, AppDownload>;
  };
  /** The sing-box release the nodes run, e.g. `singbox: { version: 1.12.24 }`. */
  singbox: {
    /** sing-box release the nodes run (1.12.x or later). */
    version: string;
    /** SHA-256 of the release tarball per CPU architecture. */
    sha256: {
      amd64?: string;
      arm64?: string;
    };
    /** Where bootstrap and deploy download the release tarball: a URL template with {version} and {arch} (a mirror for mainland China, or your own server). The SHA-256 pin is checked whatever the source. */
    download_url: string;
    /** official: SagerNet's release, which cannot count traffic per user. stats: sing-box built from its Go module with the release tags plus with_v2ray_api; every node then counts each user's bytes (V2Ray API stats service on 127.0.0.1:9091). Point download_url and sha256 at that build's tarball. */
    build: "official" | "stats";
  };
  /** Quotas of the stats build (#18): users' `quota_gb` is per period from reset_day to reset_day. */
  usage: {
    /** Day of the month (UTC) on which every user's quota period starts again; 1 to 28, so every month has it. */
    reset_day: number;
    /** Public SSH key of the usage collector (usage.yml's USAGE_SSH_PRIVATE_KEY). Bootstrap then makes the user boxfleet-collect on every node with this key, whose sudo allows only usage-read and usage-ack: the scheduled job without reviewers never holds a key that can deploy. */
    collector_key?: string;
  };
  users: {
    /** How long the previous credentials keep working after a routine rotation. */
    rotation_grace: string;
  };
  subscription: {
    update_interval_hours: number;
    url_test: {
      url: string;
      interval: string;
      tolerance_ms: number;
    };
    /** global: everything proxied except private ranges; cn-direct: mainland China direct. Default: cn-direct when site.language is zh-CN, else global. */
    routing: "global" | "cn-direct";
    /** What the next publish does with nodes the probe found down. */
    down_nodes: "demote" | "drop";
    /** Where the cn-direct preset's clients download their rule sets (serve a mirror for mainland China here). */
    rule_sets: {
      "sing-box": {
        "geosite-cn": string;
        "geoip-cn": string;
      };
      mihomo: {
        "cn-domain": string;
        "cn-ip": string;
      };
    };
  };
  /** Recovery from blocking (README: When a node is blocked), e.g. `recovery: { mode: auto, after: 30m }`. */
  recovery: RecoverySettings;
  deploy: {
    /** Node deployed first, alone. */
    canary?: string;
    parallel: number;
    /** Stop the rollout when more than this share of nodes failed (like Ansible's max_fail_percentage). */
    max_fail_percent: number;
    /** Per region, the daily UTC window in which changes that only add users are deployed to its nodes (every config change restarts sing-box and cuts open connections); removals and other changes never wait. E.g. `window: { asia-east: "18:00-20:00" }`. */
    window: Record<string, string>;
    /** Keep each node's authenticated SSH connection this long after `fleet deploy` (OpenSSH ControlPersist, as Ansible does with 60s), so the next run within it skips the handshake. 0s: every run connects afresh. The connection is reused only with the same address, port, user, key and pinned host keys. */
    ssh_persist: string;
  };
  probe: {
    /** URL fetched through each node; the probe user can reach only this host. */
    url: string;
    interval: string;
    timeout: string;
    /** Bump to rotate the probe user's credentials. */
    rev: number;
    /** A Git branch name (letters, digits, . _ / -). */
    status_branch: string;
    vantages: Vantage[];
    incident: {
      open_after: string;
      close_after: string;
      max_new_issues_per_run: number;
    };
  };
  alerts: {
    github_labels: string[];
    /** A numeric chat id (e.g. -1001234567890, in quotes) or a public @channel name. */
    telegram_chat_id?: string;
    /** An e-mail address such as ops@example.com. */
    email?: string;
    /** Whether public surfaces (status page, issues, Telegram) may show node addresses and ports. */
    show_addresses: boolean;
    thresholds: {
      cpu_percent: number;
      memory_percent: number;
      disk_percent: number;
      bandwidth_percent: number;
      connections: number;
      /** UserTrafficHigh fires when one user moves more than this many GB (GiB) per hour through one node (sharing or abuse); needs monitoring.per_user_metrics. */
      user_gb_per_hour: number;
      for: string;
    };
  };
  monitoring?: {
    /** Address nodes see the monitoring host scrape from (allowed through node firewalls). */
    address: string;
    ssh: SshTarget;
    /** Nodes export each user's byte counters (from the stats build's usage ledger) to Prometheus: a top-users panel and the UserTrafficHigh alert. Off by default: it puts who uses how much on the monitoring host. */
    per_user_metrics: boolean;
  };
}

/** One proxy node (a VPS running sing-box). The file name must be <name>.yaml. */
export interface NodeFile {
  /** Node name; equals the file name without .yaml. */
  name: string;
  /** Name people see in apps, e.g. 'Tokyo 1'. Default: the name. */
  title: string;
  region: string;
  /** ISO 3166-1 alpha-2 country code, e.g. JP. */
  country: string;
  /** Labels declared in fleet.yaml. */
  labels: string[];
  /** Bump to rotate this node's keys (Reality, Shadowsocks server key, obfs). */
  rev: number;
  arch: "amd64" | "arm64";
  /** Public address clients connect to (IP or host name). */
  address: string;
  /** Further public addresses of this VPS (sing-box listens on all of them). An inbound chooses one with `address:`, so a standby can sit on another address than the published inbound: a censor that blocks one address leaves it. */
  addresses?: string[];
  enabled: boolean;
  /** Under maintenance: deployed and probed, but opens no incident. */
  maintenance: boolean;
  /** Link speed limit of the VPS in Mbit/s (alerts compare traffic against it). */
  bandwidth_mbps?: number;
  ssh: SshTarget;
  tls?: NodeTls;
  /** The proxy protocols this node serves, e.g. `- type: vless-reality` with `port: 443` and `handshake_server:`. */
  inbounds: Inbound[];
}

/** One person who gets a subscription. The file name must be <name>.yaml. */
export interface User {
  /** User name; equals the file name without .yaml. Never shown publicly outside the user's own page. */
  name: string;
  enabled: boolean;
  /** Last day of access (YYYY-MM-DD, UTC) or an ISO time; access ends at the end of that day. */
  expires?: string;
  /** Bump (with `npm run fleet -- user rotate NAME`) to rotate every credential and the subscription link. */
  rev: number;
  /** When rev was last bumped (ISO time, written by `fleet user rotate`). */
  rotated_at?: string;
  /** The last rotation was a revocation: the previous credentials stop at once, with no grace period. */
  revoked: boolean;
  /** Which nodes the user may use: label:<label> or node:<name> entries. Default: every node. */
  nodes: string[];
  /** Where the user is (a region of fleet.yaml `regions:`): latency measured by vantages in this region is what the user's page shows and what orders the user's nodes. Without `prefer_regions`, nodes in this region also come first. */
  region?: string;
  /** Regions whose nodes come first in the user's page and profiles, in this order (then the rest), e.g. [asia-east, asia-southeast]. */
  prefer_regions?: string[];
  /** Traffic allowance per quota period (fleet.yaml usage.reset_day) in GB (GiB): shown on the user's page and sent to apps as the subscription's total. Counted and enforced with singbox.build: stats and --usage; with the official build usage is unknown. */
  quota_gb?: number;
  /** Language of the user's page; default from fleet.yaml. */
  language?: "en" | "zh-CN";
  /** Free text for the operator; never published. */
  note?: string;
}

export interface RegionInfo {
  /** What pages call the region, in each page language. */
  title: {
    /** The title in English, e.g. East Asia. */
    en: string;
    /** The title in Simplified Chinese, e.g. 东亚. */
    "zh-CN": string;
  };
}

/** The object store of `site.host: s3`, e.g. `s3: { endpoint: https://<account id>.r2.cloudflarestorage.com, bucket: sub }`. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the repository. */
export interface S3Target {
  /** The store's S3 API endpoint, e.g. https://<account id>.r2.cloudflarestorage.com for Cloudflare R2 or https://s3.eu-central-1.amazonaws.com. */
  endpoint: string;
  /** The bucket the site's objects are written to. Its public side (an R2 custom domain, CloudFront) serves `base_url`; it must allow reading objects and never listing them. */
  bucket: string;
  /** The signing region: `auto` for Cloudflare R2, the bucket's region for AWS S3. */
  region: string;
  /** A key prefix the site lives under, ending in `/`, without `.` or `..` segments (empty: the bucket's root). Everything under it that the site does not have is deleted: give the site a bucket or prefix of its own. */
  prefix: string;
  /** Address the bucket in the path (https://endpoint/bucket/key), which every S3-compatible store accepts; false for virtual-hosted style. */
  path_style: boolean;
}

export interface AppDownload {
  /** Where users get the app instead of its usual store or release page: a mirror you host, reachable before the user has a proxy. */
  url: string;
  /** SHA-256 of the file at `url`, shown beside the link so users can check the download. */
  sha256?: string;
}

/** Recovery from blocking (README: When a node is blocked), e.g. `recovery: { mode: auto, after: 30m }`. */
export interface RecoverySettings {
  /** What a block found by the probes leads to. off: the incident only. auto: the decision (which inbound is withdrawn and which standby promoted, for which region) is recorded on the status branch and the next `fleet site` applies it to the subscriptions of users in that region; nothing is deployed. propose: as auto, and the decision is also printed as the YAML change that makes it permanent. */
  mode: "off" | "propose" | "auto";
  /** How long an inbound must fail from a region's vantages, while vantages elsewhere reach it, before it counts as blocked there (time, not runs: scheduled runs are late and get dropped). */
  after: string;
  /** How long a withdrawn inbound must pass every probe from that region again before it comes back. */
  restore_after: string;
  /** At most this many promotions per region in 24 hours, fleet-wide: one faulty vantage cannot expose every standby. */
  max_per_day: number;
}

export interface Vantage {
  name: string;
  region: string;
  /** A self-hosted runner that holds only the probe manifest. */
  self_hosted: boolean;
}

/** How deploys reach the node; at least `host_keys:` with the pinned SSH host key. */
export interface SshTarget {
  /** SSH address; default: the node's address. */
  host: string;
  port: number;
  /** Deploy user created by bootstrap; its sudo allows only the node script. */
  user: string;
  /** Login used for the first bootstrap only. */
  bootstrap_user: string;
  /** Pinned host public keys, checked out of band (ssh-keyscan output without the host part). */
  host_keys: string[];
}

export interface NodeTls {
  mode: "acme" | "files" | "self-signed";
  /** Name in the certificate and the SNI clients send. Default: the node's address. */
  server_name: string;
  acme?: {
    /** An e-mail address for Let's Encrypt notices, e.g. ops@example.com. */
    email: string;
    challenge: "http-01" | "tls-alpn-01" | "dns";
    /** With challenge: dns; its API token is read from the node's environment file, never from Git. */
    dns_provider?: "cloudflare" | "alidns";
    /** The ACME CA: letsencrypt, zerossl, or the https:// URL of another ACME directory (a private CA, or a test CA like Pebble). */
    provider: string;
  };
  /** Absolute path of the PEM certificate on the node, e.g. /etc/ssl/boxfleet/node.crt. */
  certificate_path?: string;
  /** Absolute path of the PEM private key on the node, e.g. /etc/ssl/boxfleet/node.key. */
  key_path?: string;
  /** Self-signed certificate (public), written by `fleet node cert`. */
  certificate?: string;
}

export type Inbound = VlessRealityInbound | VlessWsInbound | VmessWsInbound | TrojanInbound | ShadowsocksInbound | Hysteria2Inbound | TuicInbound | AnytlsInbound;

export interface VlessRealityInbound {
  type: "vless-reality";
  port: number;
  standby?: boolean;
  address?: string;
  public_host?: string;
  public_port?: number;
  /** Real TLS 1.3 site whose handshake Reality borrows; also the SNI clients send. */
  handshake_server: string;
  handshake_port: number;
  short_id_count: number;
}

export interface VlessWsInbound {
  type: "vless-ws";
  port: number;
  standby?: boolean;
  address?: string;
  public_host?: string;
  public_port?: number;
  /** WebSocket path. */
  path: string;
}

export interface VmessWsInbound {
  type: "vmess-ws";
  port: number;
  standby?: boolean;
  address?: string;
  public_host?: string;
  public_port?: number;
  /** WebSocket path. */
  path: string;
}

export interface TrojanInbound {
  type: "trojan";
  port: number;
  standby?: boolean;
  address?: string;
  public_host?: string;
  public_port?: number;
}

export interface ShadowsocksInbound {
  type: "shadowsocks";
  port: number;
  standby?: boolean;
  address?: string;
  public_host?: string;
  public_port?: number;
  /** Shadowsocks 2022 method (multi-user needs an AES method). */
  method: "2022-blake3-aes-128-gcm" | "2022-blake3-aes-256-gcm";
}

export interface Hysteria2Inbound {
  type: "hysteria2";
  port: number;
  standby?: boolean;
  address?: string;
  public_host?: string;
  public_port?: number;
  /** Salamander obfuscation (password derived per node). */
  obfs: boolean;
  up_mbps?: number;
  down_mbps?: number;
  /** Site served to HTTP/3 visitors that are not clients. */
  masquerade?: string;
}

export interface TuicInbound {
  type: "tuic";
  port: number;
  standby?: boolean;
  address?: string;
  public_host?: string;
  public_port?: number;
  congestion_control: "cubic" | "new_reno" | "bbr";
}

export interface AnytlsInbound {
  type: "anytls";
  port: number;
  standby?: boolean;
  address?: string;
  public_host?: string;
  public_port?: number;
}
