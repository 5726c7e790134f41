// What deploy and drift both start from: the fleet, every node's rendered config and its
// hash, a redactor for everything printed from a node, and each node's live status.
import { createHash } from 'node:crypto';
import { requireFleet } from '../model/require.ts';
import { OperationError, UsageError, type CommandContext } from '../core/command.ts';
import type { Fleet, Node } from '../model/types.ts';
import { openCredentialStore, type CredentialStore, loadMasterSecret, redactor, REDACTED, withAddresses } from '../secrets/index.ts';
import { openSession, SshError, type Session, type SessionOptions, type SshTarget } from './ssh.ts';
import { clipText } from '../text/escape.ts';

export interface Rendered {
  node: Node;
  config: string;
  sha256: string;
}

export interface DeployInputs {
  fleet: Fleet;
  store: CredentialStore;
  rendered: Map<string, Rendered>;
  /** Removes derived secrets and node addresses from text that came from a node. */
  redact(text: string): string;
}

export type RenderAll = (fleet: Fleet, store: CredentialStore, now: Date) => Map<string, string>;

/** The server-config renderer, imported lazily so `fleet --help` never loads it. */
export async function loadRenderer(): Promise<RenderAll> {
  const mod = (await import('../render/server/index.ts')) as { renderNodeConfigs?: RenderAll };
  if (!mod.renderNodeConfigs) throw new OperationError('the server-config renderer (scripts/render/server) exports no renderNodeConfigs');
  return mod.renderNodeConfigs;
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export async function loadInputs(ctx: CommandContext, render?: RenderAll): Promise<DeployInputs> {
  const fleet = requireFleet(ctx);
  // Deploy and drift touch real nodes: the demo secret and a missing secret are refused.
  const master = loadMasterSecret(ctx.env, { purpose: 'publish' });
  const store = openCredentialStore(master, fleet.settings.epoch);
  const configs = (render ?? (await loadRenderer()))(fleet, store, ctx.now);
  const rendered = new Map<string, Rendered>();
  for (const node of fleet.nodes) {
    const config = configs.get(node.name);
    if (config !== undefined) rendered.set(node.name, { node, config, sha256: sha256(config) });
  }
  const redact = withAddresses(redactor(store.allSecretValues()), fleet.nodes.flatMap((n) => [n.address, n.ssh.host]));
  return { fleet, store, rendered, redact };
}

/** `--nodes a,b` checked against the rendered (enabled) nodes. */
export function selectTargets(inputs: DeployInputs, names: string[] | undefined): Rendered[] {
  if (!names) return [...inputs.rendered.values()];
  const unknown = names.filter((n) => !inputs.rendered.has(n));
  if (unknown.length > 0) {
    const all = inputs.fleet.nodes.map((n) => n.name);
    throw new UsageError(`--nodes: ${unknown.map((n) => `"${n}"`).join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not ${unknown.some((n) => all.includes(n)) ? 'an enabled node' : 'a node'} (enabled: ${[...inputs.rendered.keys()].join(', ')})`);
  }
  return [...new Set(names)].map((n) => inputs.rendered.get(n)!);
}

export function sshTarget(node: Node): SshTarget {
  return { host: node.ssh.host, port: node.ssh.port, user: node.ssh.user, hostKeys: node.ssh.host_keys };
}

export function sessionOptions(ctx: CommandContext, identity: string | undefined): SessionOptions {
  return { identityFile: identity ?? ctx.env.SSH_PRIVATE_KEY_FILE, env: ctx.env, connectTimeoutSec: Number(ctx.env.BOXFLEET_SSH_CONNECT_TIMEOUT ?? 10) };
}

export interface Marker {
  config_sha256: string;
  singbox_version: string;
  commit: string;
  deployed_at: string;
}

export interface NodeStatus {
  config_sha256: string | null;
  singbox_version: string | null;
  main_pid: number;
  active: boolean;
  manager: string;
  marker: Marker | null;
  script_version: number;
}

export async function readStatus(s: Session): Promise<NodeStatus> {
  const r = await s.node(['status']);
  if (r.code !== 0) throw new OperationError(`boxfleet-node status failed (exit ${r.code}): ${clipText(r.stderr.trim().split('\n').pop() ?? '', 200)}`);
  return parseNodeStatus(r.stdout);
}

/**
 * What a node says about itself is hostile input: it must be this shape exactly (hashes as
 * hex, versions and commits in their alphabets), or the node is reported as failed. A
 * node answering `config_sha256: 12345` once threw outside any try and aborted a drift run.
 */
export function parseNodeStatus(stdout: string): NodeStatus {
  if (stdout.length > 64 * 1024) throw new OperationError('the node\'s status answer is larger than 64 KiB');
  let value: unknown;
  try { value = JSON.parse(stdout); } catch { throw new OperationError('the node\'s status answer is not JSON'); }
  const problem = nodeStatusProblem(value);
  if (problem) throw new OperationError(`the node's status answer is not valid: ${problem}`);
  // A marker the node cannot vouch for counts as none: the next deploy writes a good one.
  const status = value as NodeStatus;
  return markerProblem(status.marker) ? { ...status, marker: null } : status;
}

const HEX64 = /^[0-9a-f]{64}$/;
const VERSION_TEXT = /^[0-9A-Za-z.+-]{1,64}$/;
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function nodeStatusProblem(v: unknown): string | undefined {
  if (!isObj(v)) return 'not an object';
  const keys = ['config_sha256', 'singbox_version', 'main_pid', 'active', 'manager', 'marker', 'script_version'];
  const extra = Object.keys(v).find((k) => !keys.includes(k));
  if (extra !== undefined) return `unexpected field ${JSON.stringify(extra.slice(0, 40))}`;
  if (!(v.config_sha256 === null || (typeof v.config_sha256 === 'string' && HEX64.test(v.config_sha256)))) return 'config_sha256 must be 64 hex digits or null';
  if (!(v.singbox_version === null || (typeof v.singbox_version === 'string' && VERSION_TEXT.test(v.singbox_version)))) return 'singbox_version must be a version or null';
  if (!Number.isSafeInteger(v.main_pid) || (v.main_pid as number) < 0) return 'main_pid must be a whole number';
  if (typeof v.active !== 'boolean') return 'active must be true or false';
  if (v.manager !== 'systemd' && v.manager !== 'pidfile') return 'manager must be systemd or pidfile';
  if (!Number.isSafeInteger(v.script_version)) return 'script_version must be a whole number';
  if (v.marker !== null && !isObj(v.marker)) return 'marker must be an object or null';
  return undefined;
}

function markerProblem(m: unknown): string | undefined {
  if (m === null) return undefined;
  if (!isObj(m)) return 'marker must be an object or null';
  if (typeof m.config_sha256 !== 'string' || !HEX64.test(m.config_sha256)) return 'marker.config_sha256 must be 64 hex digits';
  if (typeof m.singbox_version !== 'string' || !VERSION_TEXT.test(m.singbox_version)) return 'marker.singbox_version must be a version';
  if (typeof m.commit !== 'string' || !/^[0-9A-Za-z._-]{0,64}$/.test(m.commit)) return 'marker.commit must be a commit id';
  if (typeof m.deployed_at !== 'string' || !/^[0-9T:.+Z-]{0,40}$/.test(m.deployed_at)) return 'marker.deployed_at must be a time';
  return undefined;
}

/** Why a node could not be reached, in words an operator can act on. */
export function unreachableReason(e: unknown, redact: (t: string) => string): string {
  if (e instanceof SshError) {
    const what = { 'host-key': 'host key does not match the pinned key (possible man in the middle, or the node was reinstalled)', auth: 'login refused for the deploy user', unreachable: 'no connection', ssh: 'ssh failed' }[e.kind];
    return `${what}: ${redact(e.message)}`;
  }
  return redact((e as Error)?.message ?? String(e));
}

/** Opens a session and reads the node's status; never throws. */
export async function probeNode(r: Rendered, opts: SessionOptions, redact: (t: string) => string): Promise<{ session?: Session; status?: NodeStatus; error?: string }> {
  let session: Session | undefined;
  try {
    session = await openSession(sshTarget(r.node), opts);
    return { session, status: await readStatus(session) };
  } catch (e) {
    await session?.close();
    return { error: unreachableReason(e, redact) };
  }
}

export { REDACTED };
