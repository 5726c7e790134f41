// `fleet deploy`: render every node, ask each node what it runs, deploy only the nodes
// whose rendered config differs — canary first, then the rest with bounded parallelism,
// stopping when failures exceed the fleet's budget. Unreachable nodes are reported, never
// guessed about.
import { execFileSync } from 'node:child_process';
import { intOption, listOption } from '../core/args.ts';
import { EXIT, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { DeployChannel } from './channel.ts';
import { deferrals } from './deferral.ts';
import { SshError } from './ssh.ts';
import { loadInputs, selectTargets, sessionOptions, sshTarget, unreachableReason, type DeployInputs, type NodeStatus, type RenderAll, type Rendered } from './inputs.ts';
import { pool } from '../core/pool.ts';
import { deployNode, type BinaryChange, type NodeResult } from './node-deploy.ts';
import { pinnedRelease, signedPin, type Arch } from './release.ts';
import { printReport, progressLine } from './report.ts';

interface Candidate {
  r: Rendered;
  /** The node's held session: its lock stays taken from the plan to the verdict. */
  channel: DeployChannel;
  reason: string;
  status: NodeStatus;
  /** The node runs another sing-box than fleet.yaml pins. */
  binary: boolean;
}

/** Why a node needs a deploy, or undefined when it runs exactly the rendered config. */
export function changeReason(r: Rendered, s: NodeStatus, version?: string): string | undefined {
  const binary = version !== undefined && s.singbox_version !== version ? `sing-box ${s.singbox_version ?? 'none'} → ${version}` : undefined;
  const config = s.config_sha256 !== r.sha256 ? (s.config_sha256 ? 'config differs' : 'no config yet')
    : s.marker?.config_sha256 !== r.sha256 ? 'no marker for this config'
    : !s.active ? 'sing-box is not running' : undefined;
  return binary && config ? `${binary}; ${config}` : binary ?? config;
}

function commitOf(ctx: CommandContext): string {
  if (ctx.env.GITHUB_SHA) return ctx.env.GITHUB_SHA;
  try {
    return execFileSync('git', ['-C', ctx.root, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** What sudo or an old node script says when asked for a `session` it does not know. */
const outdated = (e: unknown): boolean => /a password is required|not allowed to execute|usage: boxfleet-node/.test((e as Error).message);

export async function runDeploy(ctx: CommandContext, args: ParsedArgs, render?: RenderAll): Promise<number> {
  const parallelOpt = intOption(args, 'parallel', 1, 64);
  const names = listOption(args, 'nodes');
  const dryRun = args.options['dry-run'] === true;
  const format = String(args.options.format ?? 'text');
  const inputs = await loadInputs(ctx, render);
  const { fleet, redact } = inputs;
  const targets = selectTargets(inputs, names);
  const parallel = parallelOpt ?? fleet.settings.deploy.parallel;
  const opts = sessionOptions(ctx, args.options.identity as string | undefined, fleet.settings.deploy.ssh_persist);
  const results = new Map<string, NodeResult>();
  const started = Date.now();
  const finish = (res: NodeResult): void => {
    results.set(res.node, res);
    ctx.io.err(progressLine(res));
  };

  // Plan: what does every node run now? One held session each; the changed ones stay open
  // (and locked) for the rollout, the others end at once.
  const candidates: Candidate[] = [];
  await pool(targets, Math.max(parallel, 16), () => false, async (r) => {
    const t0 = Date.now();
    let opened: { channel: DeployChannel; status: NodeStatus };
    try {
      opened = await DeployChannel.open(sshTarget(r.node), opts);
    } catch (e) {
      // Reached, but the session refused (another deploy's lock, a node script without it).
      const outcome = e instanceof SshError ? 'unreachable' : 'failed';
      const detail = e instanceof SshError ? unreachableReason(e, redact) : `not deployed: ${redact((e as Error).message)}${outdated(e) ? ` — this node's script or sudoers predates held sessions: npm run fleet -- bootstrap ${r.node.name} --as-root` : ''}`;
      return finish({ node: r.node.name, outcome, detail, ms: Date.now() - t0 });
    }
    const { channel, status } = opened;
    const reason = changeReason(r, status, fleet.settings.singbox.version);
    if (!reason) {
      await channel.bye();
      return finish({ node: r.node.name, outcome: 'unchanged', detail: 'runs the rendered config', ms: Date.now() - t0 });
    }
    candidates.push({ r, channel, reason, status, binary: status.singbox_version !== fleet.settings.singbox.version });
  });
  candidates.sort((a, b) => a.r.node.name.localeCompare(b.r.node.name));
  // Changes that only add users wait for their region's window (deploy.window).
  if (args.options['no-window'] !== true) {
    const waits = await deferrals(ctx.root, ctx.now, inputs, inputs.render, candidates);
    for (const c of candidates.filter((x) => waits.has(x.r.node.name))) {
      await c.channel.bye();
      finish({ node: c.r.node.name, outcome: 'deferred', detail: waits.get(c.r.node.name)!, ms: 0 });
    }
    candidates.splice(0, candidates.length, ...candidates.filter((x) => !waits.has(x.r.node.name)));
  }

  try {
    if (dryRun) {
      for (const c of candidates) finish({ node: c.r.node.name, outcome: 'would deploy', detail: `${c.reason} (dry run: nothing written)`, ms: 0 });
    } else {
      await rollout(ctx, candidates, parallel, fleet.settings.deploy, redact, finish, binaryChange(inputs, ctx.env));
    }
  } finally {
    for (const c of candidates) c.channel.close();
  }

  const ordered = targets.map((t) => results.get(t.node.name)!).filter(Boolean);
  printReport(ctx, ordered, { format, title: dryRun ? 'fleet deploy --dry-run' : 'fleet deploy', ms: Date.now() - started });
  const ok = ordered.every((r) => r.outcome === 'deployed' || r.outcome === 'unchanged' || r.outcome === 'would deploy' || r.outcome === 'deferred');
  return ok ? EXIT.ok : EXIT.failed;
}

/**
 * The pinned release per architecture, downloaded (and checked against its pin) once per
 * run and only when a node needs it, with the pin signed for install-singbox.
 */
function binaryChange(inputs: DeployInputs, env: NodeJS.ProcessEnv): (c: Candidate) => BinaryChange | undefined {
  const { fleet, store } = inputs;
  const tarballs = new Map<Arch, Promise<Buffer>>();
  return (c) => {
    if (!c.binary) return undefined;
    const arch = c.r.node.arch;
    return {
      version: fleet.settings.singbox.version,
      pin: signedPin(fleet, c.r.node, store),
      tarball: () => {
        let p = tarballs.get(arch);
        if (!p) tarballs.set(arch, (p = pinnedRelease(fleet.settings, arch, undefined, env)));
        return p;
      },
    };
  };
}

async function rollout(
  ctx: CommandContext,
  candidates: Candidate[],
  parallel: number,
  policy: { canary?: string; max_fail_percent: number },
  redact: (t: string) => string,
  finish: (r: NodeResult) => void,
  binary: (c: Candidate) => BinaryChange | undefined,
): Promise<void> {
  if (candidates.length === 0) return;
  const commit = commitOf(ctx);
  const truncate = new Set((ctx.env.BOXFLEET_FAULT_TRUNCATE_UPLOAD ?? '').split(',').filter(Boolean));
  let failed = 0;
  const one = async (c: Candidate): Promise<boolean> => {
    const t0 = Date.now();
    const res = await deployNode(c.channel, c.r, {
      commit, now: ctx.now, redact, truncateUpload: truncate.has(c.r.node.name), binary: binary(c),
      // A node script before version 3 would refuse a fourth word and roll back.
      ...(ctx.usageCommit && c.status.script_version >= 3 ? { usageCommit: ctx.usageCommit } : {}),
    });
    const ok = res.outcome === 'deployed';
    if (!ok) failed++;
    finish({ ...res, detail: res.outcome === 'deployed' ? `${c.reason}; deployed` : res.detail, ms: Date.now() - t0 });
    return ok;
  };
  const skip = (list: Candidate[], why: string): void => {
    for (const c of list) finish({ node: c.r.node.name, outcome: 'skipped', detail: `not touched: ${why}`, ms: 0 });
  };
  // The canary goes first and alone; if it fails, nothing else is touched.
  const canary = candidates.find((c) => c.r.node.name === policy.canary) ?? candidates[0]!;
  const rest = candidates.filter((c) => c !== canary);
  if (!(await one(canary))) return skip(rest, `canary ${canary.r.node.name} failed`);
  // Like Ansible's max_fail_percentage: stop when the share of failures exceeds the budget.
  const over = (): boolean => (failed * 100) / candidates.length > policy.max_fail_percent;
  const notStarted = await pool(rest, parallel, over, async (c) => void (await one(c)));
  skip(notStarted, `failures exceeded max_fail_percent ${policy.max_fail_percent}% (${failed} of ${candidates.length})`);
}
