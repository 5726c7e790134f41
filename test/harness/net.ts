// Network plumbing of a run: one bridge in the root namespace, one namespace per host
// joined to it by a veth pair, and nftables black-holing inside a host's namespace.
//
// Hosts get no default route: the only reachable addresses are the bridge's /24 and
// loopback, so nothing a test starts on a host can send a packet off this machine.
import { run, runChecked, runSync } from './proc.ts';

/** All harness names start with this, then 4 hex digits: fixed length makes prefix matching exact. */
export const NAME_RE = /^bft[0-9a-f]{4}$/;

export const bridgeName = (prefix: string): string => `${prefix}br`;
export const vethName = (prefix: string, i: number): string => `${prefix}v${i}`;
export const nsName = (prefix: string, host: string): string => `${prefix}-${host}`;

export interface Subnet {
  /** e.g. "10.200.37" */
  base: string;
  bridgeIp: string;
  cidr: string;
}

export const hostIp = (subnet: Subnet, i: number): string => `${subnet.base}.${10 + i}`;

/**
 * 10.200.X.0/24 with X derived from the prefix, skipping any X that already appears in
 * an address or route of the root namespace (another run, or the machine's own setup).
 */
export async function pickSubnet(prefix: string): Promise<Subnet> {
  const seen = (await runChecked('ip', ['-4', '-o', 'addr'])).stdout + (await runChecked('ip', ['-4', 'route'])).stdout;
  const start = parseInt(prefix.slice(3), 16) % 254;
  for (let k = 0; k < 254; k++) {
    const x = ((start + k) % 254) + 1;
    const base = `10.200.${x}`;
    if (!seen.includes(`${base}.`)) return { base, bridgeIp: `${base}.1`, cidr: `${base}.0/24` };
  }
  throw new Error('boxfleet harness: every 10.200.X.0/24 is in use in the root namespace');
}

/** Runs many `ip` commands in one process (each separate `ip` costs a few ms). */
async function ipBatch(lines: string[], ns?: string): Promise<void> {
  const args = ns ? ['-n', ns, '-batch', '-'] : ['-batch', '-'];
  await runChecked('ip', args, { input: lines.join('\n') + '\n', timeoutMs: 10_000 });
}

export async function createBridge(prefix: string, subnet: Subnet): Promise<void> {
  const br = bridgeName(prefix);
  await ipBatch([`link add ${br} type bridge`, `addr add ${subnet.bridgeIp}/24 dev ${br}`, `link set ${br} up`]);
}

export async function createHostNetns(prefix: string, i: number, ns: string, ip: string): Promise<void> {
  const veth = vethName(prefix, i);
  // The inner end is created directly inside the namespace as eth0 (no rename dance).
  await ipBatch([`netns add ${ns}`, `link add ${veth} type veth peer name eth0 netns ${ns}`, `link set ${veth} master ${bridgeName(prefix)} up`]);
  await ipBatch([`addr add ${ip}/24 dev eth0`, 'link set lo up', 'link set eth0 up'], ns);
}

const BLACKHOLE_TABLE = 'boxfleet_blackhole';

/**
 * Drops every packet arriving on the host's eth0, so connections from the root namespace
 * (or other hosts) time out instead of being refused. Loopback inside the host keeps
 * working, as on a real node whose uplink died.
 */
export async function blackhole(ns: string): Promise<void> {
  const rules = `table inet ${BLACKHOLE_TABLE} {
  chain input {
    type filter hook input priority -300; policy drop;
    iif "lo" accept
  }
}
`;
  await runChecked('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: rules, timeoutMs: 10_000 });
}

const REFUSE_TABLE = 'boxfleet_refuse';

/**
 * Answers every TCP packet to `port` with a reset, including those of open connections:
 * a server that went away mid-transfer, seen by its clients at once (no timeout).
 */
export async function refusePort(ns: string, port: number): Promise<void> {
  const rules = `table inet ${REFUSE_TABLE} {
  chain input {
    type filter hook input priority -300;
    tcp dport ${port} reject with tcp reset
  }
}
`;
  await runChecked('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: rules, timeoutMs: 10_000 });
}

export async function unrefusePorts(ns: string): Promise<void> {
  const r = await run('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', REFUSE_TABLE], { timeoutMs: 10_000 });
  if (r.code !== 0 && !/No such file|does not exist/i.test(r.stderr)) {
    throw new Error(`boxfleet harness: nft delete table failed in ${ns}: ${r.stderr.trim()}`);
  }
}

export async function unblackhole(ns: string): Promise<void> {
  const r = await run('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', BLACKHOLE_TABLE], { timeoutMs: 10_000 });
  if (r.code !== 0 && !/No such file|does not exist/i.test(r.stderr)) {
    throw new Error(`boxfleet harness: nft delete table failed in ${ns}: ${r.stderr.trim()}`);
  }
}

// ---- synchronous queries and teardown (also used from process exit handlers) ----

export function netnsWithPrefix(prefix: string): string[] {
  return runSync('ip', ['netns', 'list'])
    .stdout.split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`${prefix}-`));
}

export function linksWithPrefix(prefix: string): string[] {
  // Lines look like "7: bft1a2bv0@if2: <...>"; the name ends at '@' or ':'.
  return runSync('ip', ['-o', 'link', 'show'])
    .stdout.split('\n')
    .map((l) => (l.split(': ')[1] ?? '').split('@')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
}

export function netnsPids(ns: string): number[] {
  return runSync('ip', ['netns', 'pids', ns])
    .stdout.split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map(Number);
}

/** Deletes veths first (synchronous, frees names at once), then namespaces, then the bridge. */
export function deleteNetworkSync(prefix: string): string[] {
  const errors: string[] = [];
  const links = linksWithPrefix(prefix);
  const br = bridgeName(prefix);
  for (const link of links.filter((l) => l !== br)) {
    const r = runSync('ip', ['link', 'del', link]);
    if (r.code !== 0 && !/Cannot find device/.test(r.stderr)) errors.push(`ip link del ${link}: ${r.stderr.trim()}`);
  }
  for (const ns of netnsWithPrefix(prefix)) {
    const r = runSync('ip', ['netns', 'del', ns]);
    if (r.code !== 0) errors.push(`ip netns del ${ns}: ${r.stderr.trim()}`);
  }
  if (links.includes(br)) {
    const r = runSync('ip', ['link', 'del', br]);
    if (r.code !== 0) errors.push(`ip link del ${br}: ${r.stderr.trim()}`);
  }
  return errors;
}
