// Every file bootstrap puts on a node, as data: the node script writes each one only when
// it differs, so a second bootstrap changes nothing. Machine-wide files (sysctl, units,
// sshd drop-in, time sync) are written everywhere but applied only on real nodes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipVersion } from '../core/ip.ts';
import type { Fleet, Node } from '../model/types.ts';
import { transportsOf } from '../model/inbound-facts.ts';
import type { CredentialStore } from '../secrets/index.ts';
import type { NodeFile } from '../monitoring/node-files.ts';
import { COLLECTOR_USER, sudoersFile } from './privileges.ts';
import { projectPath } from '../core/paths.ts';
import { NODE_SCRIPT } from './ssh.ts';

/** Where the node keeps the public key that verifies sing-box pins (root-owned). */
export const PIN_PUB = '/etc/boxfleet/singbox-pin.pub';

export type { NodeFile } from '../monitoring/node-files.ts';

/** The node script's source: parts kept small by topic, installed as one file. */
export const NODE_SCRIPT_DIR = projectPath('scripts/deploy/node-script');

export function nodeScript(): string {
  return readdirSync(NODE_SCRIPT_DIR).filter((f) => /^\d\d-[a-z-]+\.sh$/.test(f)).sort()
    .map((f) => readFileSync(join(NODE_SCRIPT_DIR, f), 'utf8')).join('\n');
}

/** Settings a test host wrote for itself before bootstrap; kept so reruns change nothing. */
export interface HostFlags {
  testHost: boolean;
  serviceManager?: string;
  settleSec?: string;
}

export function parseHostFlags(nodeEnv: string): HostFlags {
  const get = (k: string): string | undefined => nodeEnv.match(new RegExp(`^${k}=([A-Za-z0-9_.]+)$`, 'm'))?.[1];
  const testHost = get('BOXFLEET_TEST_HOST') === '1';
  return testHost ? { testHost, serviceManager: get('BOXFLEET_SERVICE_MANAGER'), settleSec: get('BOXFLEET_SETTLE_SEC') } : { testHost };
}

function nodeEnv(fleet: Fleet, node: Node, flags: HostFlags): string {
  const mon = fleet.settings.monitoring?.address;
  // Port 80 is opened only for the ACME http-01 challenge; tls-alpn-01 uses the TLS port.
  const http01 = node.tls?.mode === 'acme' && node.tls.acme?.challenge === 'http-01';
  return [
    '# Written by `fleet bootstrap`; read (not sourced) by /usr/local/sbin/boxfleet-node.',
    `BOXFLEET_SERVICE_MANAGER=${flags.testHost ? (flags.serviceManager ?? 'pidfile') : 'systemd'}`,
    `BOXFLEET_TEST_HOST=${flags.testHost ? 1 : 0}`,
    `BOXFLEET_SSH_PORT=${node.ssh.port}`,
    // nftables needs an address; a host name is left out (and reported by bootstrap).
    `BOXFLEET_MONITOR_ADDR=${mon && ipVersion(mon) ? mon : ''}`,
    `BOXFLEET_EXTRA_TCP_PORTS=${http01 ? '80' : ''}`,
    'BOXFLEET_FIREWALL=nftables',
    `BOXFLEET_SETTLE_SEC=${flags.settleSec ?? '2'}`,
    '',
  ].join('\n');
}

// Hardened like the packaged unit (reference ops.md §6.2), plus a read-only system.
const SINGBOX_UNIT = `[Unit]
Description=sing-box (managed by boxfleet)
After=network-online.target nss-lookup.target
Wants=network-online.target

[Service]
ExecStart=/usr/local/bin/sing-box -D /var/lib/sing-box -c /etc/sing-box/config.json run
Restart=on-failure
RestartSec=10s
# Root, but with only the network capabilities: it can read its root-owned 0600 key
# and 0640 config as their owner and can do nothing else a root process could.
User=root
StateDirectory=sing-box
CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes
LimitNOFILE=infinity

[Install]
WantedBy=multi-user.target
`;

const WATCHDOG_SERVICE = `[Unit]
Description=boxfleet watchdog: restart sing-box when it is not running

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/boxfleet-node watchdog
`;

const WATCHDOG_TIMER = `[Unit]
Description=Run the boxfleet watchdog every minute

[Timer]
OnBootSec=2min
OnUnitActiveSec=1min

[Install]
WantedBy=timers.target
`;

const BBR = '# Written by boxfleet: BBR congestion control with fair queueing.\nnet.core.default_qdisc = fq\nnet.ipv4.tcp_congestion_control = bbr\n';
const TIMESYNC = '# Written by boxfleet: REALITY rejects clients whose clock is off by more than a minute.\n[Time]\nNTP=time.cloudflare.com pool.ntp.org\n';
const SSHD = '# Written by boxfleet: keys only.\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nPermitEmptyPasswords no\n';


export interface Manifest {
  deploy_user: string;
  authorized_key: string;
  /** The usage collector's user and key (fleet.yaml usage.collector_key), when there is one. */
  collector_user?: string;
  collector_key?: string;
  /** "tcp 443" lines for the firewall before the first deploy. */
  initial_ports: string[];
  files: { path: string; mode: number; content: string }[];
}

export function buildManifest(fleet: Fleet, node: Node, store: CredentialStore, authorizedKey: string, flags: HostFlags, monitoring: NodeFile[]): Manifest {
  const collectorKey = fleet.settings.usage.collector_key?.trim().split(/\s+/).slice(0, 2).join(' ');
  const files: NodeFile[] = [
    { path: NODE_SCRIPT, mode: 0o755, content: nodeScript() },
    { path: '/etc/boxfleet/node.env', mode: 0o644, content: nodeEnv(fleet, node, flags) },
    { path: '/etc/systemd/system/sing-box.service', mode: 0o644, content: SINGBOX_UNIT },
    { path: '/etc/systemd/system/boxfleet-watchdog.service', mode: 0o644, content: WATCHDOG_SERVICE },
    { path: '/etc/systemd/system/boxfleet-watchdog.timer', mode: 0o644, content: WATCHDOG_TIMER },
    { path: '/etc/sysctl.d/90-boxfleet-bbr.conf', mode: 0o644, content: BBR },
    { path: '/etc/systemd/timesyncd.conf.d/boxfleet.conf', mode: 0o644, content: TIMESYNC },
    { path: '/etc/ssh/sshd_config.d/90-boxfleet.conf', mode: 0o644, content: SSHD },
    { path: '/etc/sudoers.d/boxfleet', mode: 0o440, content: sudoersFile(node.ssh.user, collectorKey ? COLLECTOR_USER : undefined) },
    // The public half of the pin key: a sing-box release is installed only with a pin it verifies.
    { path: PIN_PUB, mode: 0o644, content: store.pinSigner().publicKeyPem },
    ...monitoring,
  ];
  if (node.tls?.mode === 'self-signed' && node.tls.certificate) {
    const key = store.node(node.name, node.rev).selfSignedKey.privateKeyPem;
    files.push(
      { path: `/etc/sing-box/tls/${node.name}.crt`, mode: 0o644, content: node.tls.certificate.endsWith('\n') ? node.tls.certificate : `${node.tls.certificate}\n` },
      { path: `/etc/sing-box/tls/${node.name}.key`, mode: 0o600, content: key },
    );
  }
  // The protocol's transports; the node script's config_ports derives the same from the config.
  const ports = [...new Set(node.inbounds.flatMap((i) => transportsOf(i.type).map((t) => `${t} ${i.port}`)))].sort();
  return {
    deploy_user: node.ssh.user,
    authorized_key: authorizedKey,
    ...(collectorKey ? { collector_user: COLLECTOR_USER, collector_key: collectorKey } : {}),
    initial_ports: ports,
    files: files.map((f) => ({ path: f.path, mode: f.mode, content: Buffer.from(f.content, 'utf8').toString('base64') })),
  };
}
