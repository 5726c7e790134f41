// What deploy and drift both start from: the fleet, every node's rendered config and its
// hash, a redactor for everything printed from a node, and each node's live status.
import { createHash } from 'node:crypto';
import { requireFleet } from '../model/require.ts';
import { OperationError, UsageError, type CommandContext } from '../core/command.ts';
import type { Fleet, Node } from '../model/types.ts';
import { openCredentialStore, type CredentialStore, loadMasterSecret, redactor, REDACTED, withAddresses } from '../secrets/index.ts';
import { openSession, SshError, type Session, type SessionOptions, type SshTarget } from './ssh.ts';
import { clipText } from '../text/escape.ts';
import { durationSeconds } from '../model/time.ts';
import { parseNodeStatus, type NodeStatus } from './node-status.ts';

export interface Rendered {
  node: Node;
  config: string;
  sha256: string;
}

export interface DeployInputs {
  fleet: Fleet;
  store: CredentialStore;
  rendered: Map<string, Rendered>;
  /** The renderer that made them (deploy renders the fleet of an older commit with it too). */
  render: RenderAll;
  /** Removes derived secrets and node addresses from text that came from a node. */
  redact(text: string): string;
}

export type RenderAll = (fleet: Fleet, store: CredentialStore, now: Date) => Map<string, string>;

/** The server-config renderer, imported lazily so `fleet --help` never loads it. */
export async function loadRenderer(): Promise<RenderAll> {
  return (await import('../render/server/index.ts')).renderNodeConfigs;
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The fleet, its secrets and the redactor: what a deploy needs before anything renders. */
export type FleetInputs = Pick<DeployInputs, 'fleet' | 'store' | 'redact'>;

export function loadFleetInputs(ctx: CommandContext): FleetInputs {
  const fleet = requireFleet(ctx);
  // Deploy and drift touch real nodes: the demo secret and a missing secret are refused.
  const master = loadMasterSecret(ctx.env, { purpose: 'publish' });
  const store = openCredentialStore(master, fleet.settings.epoch);
  const redact = withAddresses(redactor(store.allSecretValues()), fleet.nodes.flatMap((n) => [n.address, ...(n.addresses ?? []), n.ssh.host]));
  return { fleet, store, redact };
}

export async function renderInputs(base: FleetInputs, ctx: CommandContext, render?: RenderAll): Promise<DeployInputs> {
  const renderer = render ?? (await loadRenderer());
  const configs = renderer(base.fleet, base.store, ctx.now);
  const rendered = new Map<string, Rendered>();
  for (const node of base.fleet.nodes) {
    const config = configs.get(node.name);
    if (config !== undefined) rendered.set(node.name, { node, config, sha256: sha256(config) });
  }
  return { ...base, rendered, render: renderer };
}

export async function loadInputs(ctx: CommandContext, render?: RenderAll): Promise<DeployInputs> {
  return renderInputs(loadFleetInputs(ctx), ctx, render);
}

/** `--nodes a,b` checked against the enabled nodes (the ones that render). */
export function selectNodes(fleet: Fleet, names: string[] | undefined): Node[] {
  const enabled = fleet.nodes.filter((n) => n.enabled);
  if (!names) return enabled;
  const byName = new Map(enabled.map((n) => [n.name, n]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length > 0) {
    const all = fleet.nodes.map((n) => n.name);
    throw new UsageError(`--nodes: ${unknown.map((n) => `"${n}"`).join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not ${unknown.some((n) => all.includes(n)) ? 'an enabled node' : 'a node'} (enabled: ${[...byName.keys()].join(', ')})`);
  }
  return [...new Set(names)].map((n) => byName.get(n)!);
}

/** The selected nodes' rendered configs. */
export function selectTargets(inputs: DeployInputs, names: string[] | undefined): Rendered[] {
  return selectNodes(inputs.fleet, names).flatMap((n) => inputs.rendered.get(n.name) ?? []);
}

export function sshTarget(node: Node): SshTarget {
  return { host: node.ssh.host, port: node.ssh.port, user: node.ssh.user, hostKeys: node.ssh.host_keys };
}

/** `persist`: fleet.yaml's deploy.ssh_persist (deploy's held sessions keep their connection that long). */
export function sessionOptions(ctx: CommandContext, identity: string | undefined, persist = '0s'): SessionOptions {
  return {
    identityFile: identity ?? ctx.env.SSH_PRIVATE_KEY_FILE, env: ctx.env, connectTimeoutSec: Number(ctx.env.BOXFLEET_SSH_CONNECT_TIMEOUT ?? 10),
    persistSec: durationSeconds(persist),
  };
}

export async function readStatus(s: Session): Promise<NodeStatus> {
  const r = await s.node(['status']);
  if (r.code !== 0) throw new OperationError(`boxfleet-node status failed (exit ${r.code}): ${clipText(r.stderr.trim().split('\n').pop() ?? '', 200)}`);
  return parseNodeStatus(r.stdout);
}

export { parseNodeStatus, type Marker, type NodeStatus } from './node-status.ts';

/** Why a node could not be reached, in words an operator can act on. */
export function unreachableReason(e: unknown, redact: (t: string) => string): string {
  if (e instanceof SshError) {
    // OpenSSH names the private known_hosts file, which is gone when the session ends: the
    // key that matters is the one pinned in the node's YAML.
    if (e.kind === 'host-key') return 'host key does not match `ssh.host_keys` in the node\'s YAML (possible man in the middle, or the node was reinstalled): compare with the provider\'s console before changing the pin';
    const what = { auth: 'login refused for the deploy user', unreachable: 'no connection', ssh: 'ssh failed' }[e.kind];
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
