// One node's deploy over its held session (channel.ts ↔ node-script/40-session.sh), in the
// order that keeps the old config running unless the new one is proven healthy:
// the lock is already held → [a new sing-box: sent with its signed pin; the node checks
// the live config with it, keeps the previous binary and restarts on it] → the config,
// hash-checked on arrival → on the node: policy and `sing-box check` of a root-owned copy
// (for a staged node, while the canary is proven; it waits for `swap`) → keep previous,
// atomic rename, firewall, a reload in place (new sockets on every port) or a restart (a
// new main PID that binds every port), held for the settle time (the node rolls itself
// back if not) → health from here
// → commit (the marker) or rollback of config and binary → the session ends, unlocked.
import type { ApplyResult, DeployChannel, ReleaseUpload } from './channel.ts';
import { checkHealth } from './health.ts';
import type { Rendered } from './inputs.ts';
import { SshError } from './ssh.ts';

export type Outcome = 'unchanged' | 'deployed' | 'deferred' | 'rolled back' | 'failed' | 'unreachable' | 'skipped' | 'would deploy';

export interface NodeResult {
  node: string;
  outcome: Outcome;
  /** One line, already redacted. */
  detail: string;
  ms: number;
}

/** A sing-box upgrade (or downgrade) to roll out with the config. */
export interface BinaryChange {
  version: string;
  /** The signed pin: VERSION ARCH SHA256 SIGNATURE. */
  pin: string[];
  tarball(): Promise<Buffer>;
}

export interface NodeDeployOptions {
  commit: string;
  /** The status-branch commit the quotas came from, for the marker (only nodes whose script records it). */
  usageCommit?: string;
  /** Set when the node runs another sing-box version than fleet.yaml pins. */
  binary?: BinaryChange;
  now: Date;
  redact(text: string): string;
  /** Fault injection for tests: send only half of the config's bytes, as a dropped transfer would. */
  truncateUpload?: boolean;
  healthTimeoutMs?: number;
}

/** What staging a config on a node came to: checked (waiting for `swap`), refused, or lost. */
export type Staged = { kind: 'checked' } | Extract<ApplyResult, { kind: 'ended' }> | { kind: 'lost'; error: unknown };

/**
 * Sends a node its config to check while the canary is still being proven (no binary
 * change: that path installs first); deployNode swaps it later, or the session's bye ends it.
 */
export async function stageNode(channel: DeployChannel, r: Rendered, opts: Pick<NodeDeployOptions, 'truncateUpload'>): Promise<Staged> {
  const config = Buffer.from(r.config, 'utf8');
  try {
    return await channel.stage(config, r.sha256, opts.truncateUpload ? { sendOnly: Math.floor(config.length / 2) } : {});
  } catch (error) {
    return { kind: 'lost', error };
  }
}

/** Deploys one node; with `staged`, the config it already checked (stageNode) is swapped in. */
export async function deployNode(channel: DeployChannel, r: Rendered, opts: NodeDeployOptions, staged?: Promise<Staged>): Promise<Omit<NodeResult, 'ms'>> {
  const node = r.node.name;
  const fail = (outcome: Outcome, detail: string): Omit<NodeResult, 'ms'> => ({ node, outcome, detail: opts.redact(detail) });
  let step = 'upload';
  try {
    const release = opts.binary ? await releaseUpload(opts.binary) : undefined;
    const config = Buffer.from(r.config, 'utf8');
    step = 'apply';
    const applied = staged ? await swapStaged(channel, await staged)
      : await channel.apply(config, r.sha256, release, opts.truncateUpload ? { sendOnly: Math.floor(config.length / 2) } : {});
    if (applied.kind === 'ended') return fail(...endedOutcome(applied.code, applied.why, opts.binary?.version));
    step = 'health';
    const problems = await checkHealth(r.node, applied.started.udp, opts.healthTimeoutMs);
    if (problems.length > 0) {
      const what = problems.map((p) => `${p.inbound}: ${p.problem}`).join('; ');
      step = 'rollback';
      const rb = await channel.rollback();
      if (!rb.ok) return fail('failed', `unhealthy after restart (${what}); rollback failed too: ${rb.why}`);
      return fail('rolled back', `unhealthy after restart (${what}); rolled back, old ${release ? 'sing-box and ' : ''}config running`);
    }
    step = 'marker';
    const done = await channel.commit(opts.commit, opts.now.toISOString(), opts.usageCommit);
    if (!done.ok) return fail('failed', `deployed but the marker was not written: ${done.why}`);
    return { node, outcome: 'deployed', detail: 'deployed' };
  } catch (e) {
    const msg = e instanceof SshError ? `connection lost during ${step}: ${e.message}` : `${step} failed: ${(e as Error).message}`;
    // Without a verdict the node rolls back by itself: nothing unproven stays running.
    return fail('failed', step === 'upload' ? `${msg}; nothing swapped` : `${msg}; the node rolls back what it had not committed`);
  }
}

async function swapStaged(channel: DeployChannel, staged: Staged): Promise<ApplyResult> {
  if (staged.kind === 'lost') throw staged.error;
  return staged.kind === 'checked' ? channel.swap() : staged;
}

async function releaseUpload(b: BinaryChange): Promise<ReleaseUpload> {
  const [version, arch, sha256, signature] = b.pin as [string, string, string, string];
  return { bytes: await b.tarball(), version, arch, sha256, signature };
}

/** The session's exit code after a config or release was sent, as outcome and words. */
function endedOutcome(code: number, why: string, version?: string): ['failed' | 'rolled back', string] {
  const said = why || 'see the node log';
  switch (code) {
    case 10: return ['failed', `sing-box check failed, nothing swapped: ${said}`];
    case 11: return /restoring the previous binary/.test(said)
      ? ['rolled back', `sing-box ${version} did not start (${said}); previous binary running`]
      : ['rolled back', `new config did not start (${said.replace(/;? ?rolling back$/, '')}); rolled back, old ${version ? 'sing-box and ' : ''}config running`];
    case 12: return ['failed', `failed and the rollback failed too: ${said}`];
    case 14: return ['failed', `${said}; nothing swapped`];
    case 15: return ['failed', `${said}`];
    default: return ['failed', `session failed (exit ${code}), nothing swapped: ${said}`];
  }
}
