// The rollout of the changed nodes: the canary first and alone, then the rest with bounded
// parallelism, stopping when failures exceed the fleet's budget. The canary may start
// while other nodes' statuses are still arriving (deploy.ts chooses it as soon as it is
// known); nothing else is swapped before it has passed, but the first nodes after it
// receive and check their configs meanwhile (staged), so they only swap once it has.
import { execFileSync } from 'node:child_process';
import type { CommandContext } from '../core/command.ts';
import { pool } from '../core/pool.ts';
import type { DeployChannel } from './channel.ts';
import type { NodeStatus, Rendered } from './inputs.ts';
import { deployNode, stageNode, type BinaryChange, type NodeResult, type Staged } from './node-deploy.ts';
import { childEnv } from '../core/child-env.ts';
import { byText } from '../core/order.ts';

export interface Candidate {
  r: Rendered;
  /** The node's held session: its lock stays taken from the plan to the verdict. */
  channel: DeployChannel;
  reason: string;
  status: NodeStatus;
  /** The node runs another sing-box than fleet.yaml pins. */
  binary: boolean;
}

export interface RolloutPolicy { canary?: string; max_fail_percent: number }

export function commitOf(ctx: CommandContext): string {
  if (ctx.env.GITHUB_SHA) return ctx.env.GITHUB_SHA;
  try {
    return execFileSync('git', ['-C', ctx.root, 'rev-parse', 'HEAD'], { env: childEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * The canary among the nodes planned so far: deploy.canary when it changed, else the first
 * changed node by name. Undefined while a node that could still be it has not answered.
 * `planned` holds every node whose status is in (or that failed to answer).
 */
export function chooseCanary(targets: string[], planned: ReadonlySet<string>, changed: ReadonlyMap<string, Candidate>, configured?: string): Candidate | undefined {
  if (configured && targets.includes(configured)) {
    if (!planned.has(configured)) return undefined;
    const c = changed.get(configured);
    if (c) return c;
  }
  for (const name of [...targets].sort((a, b) => byText(a, b))) {
    if (!planned.has(name)) return undefined;
    const c = changed.get(name);
    if (c) return c;
  }
  return undefined;
}

export class Rollout {
  #failed = 0;
  #commit: string | undefined;
  readonly #staged = new Map<Candidate, Promise<Staged>>();
  readonly #truncate: Set<string>;

  constructor(
    private readonly ctx: CommandContext,
    private readonly policy: RolloutPolicy,
    private readonly redact: (t: string) => string,
    private readonly finish: (r: NodeResult) => void,
    private readonly binary: (c: Candidate) => BinaryChange | undefined,
  ) {
    this.#truncate = new Set((ctx.env.BOXFLEET_FAULT_TRUNCATE_UPLOAD ?? '').split(',').filter(Boolean));
  }

  /**
   * While the canary runs: the first `parallel` of the rest get their configs to check
   * (nodes whose script can wait for `swap`, and no binary change, which installs first).
   */
  stageAhead(rest: Candidate[], parallel: number): void {
    for (const c of rest.filter((x) => !x.binary && x.status.script_version >= 4).slice(0, parallel)) {
      this.#staged.set(c, stageNode(c.channel, c.r, { truncateUpload: this.#truncate.has(c.r.node.name) }));
    }
  }

  /** Deploys one node and reports it; true when it ended deployed. */
  async one(c: Candidate): Promise<boolean> {
    const t0 = Date.now();
    // Asked once, and only when something is deployed: a no-change run starts no git.
    this.#commit ??= commitOf(this.ctx);
    const res = await deployNode(c.channel, c.r, {
      commit: this.#commit, now: this.ctx.now, redact: this.redact, truncateUpload: this.#truncate.has(c.r.node.name), binary: this.binary(c),
      // A node script before version 3 would refuse a fourth word and roll back.
      ...(this.ctx.usageCommit && c.status.script_version >= 3 ? { usageCommit: this.ctx.usageCommit } : {}),
    }, this.#staged.get(c));
    const ok = res.outcome === 'deployed';
    if (!ok) this.#failed++;
    this.finish({ ...res, detail: res.outcome === 'deployed' ? `${c.reason}; deployed` : res.detail, ms: Date.now() - t0 });
    return ok;
  }

  /** After the canary (`canaryOk`), the others; `total` counts the canary too. */
  async rest(canary: Candidate, canaryOk: boolean, rest: Candidate[], parallel: number): Promise<void> {
    if (!canaryOk) return this.#skip(rest, `canary ${canary.r.node.name} failed`);
    const total = rest.length + 1;
    // Like Ansible's max_fail_percentage: stop when the share of failures exceeds the budget.
    const over = (): boolean => (this.#failed * 100) / total > this.policy.max_fail_percent;
    const notStarted = await pool(rest, parallel, over, async (c) => void (await this.one(c)));
    this.#skip(notStarted, `failures exceeded max_fail_percent ${this.policy.max_fail_percent}% (${this.#failed} of ${total})`);
  }

  #skip(list: Candidate[], why: string): void {
    for (const c of list) this.finish({ node: c.r.node.name, outcome: 'skipped', detail: `not touched: ${why}`, ms: 0 });
  }
}
