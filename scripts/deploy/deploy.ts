// `fleet deploy`: render every node, ask each node what it runs, deploy only the nodes
// whose rendered config differs — canary first (as soon as it is known, while the other
// nodes' answers still arrive), then the rest with bounded parallelism (rollout.ts).
// Unreachable nodes are reported, never guessed about.
import { intOption, listOption } from '../core/args.ts';
import { EXIT, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { DeployChannel } from './channel.ts';
import { deferrals } from './deferral.ts';
import { SshError } from './ssh.ts';
import {
  loadFleetInputs, renderInputs, selectNodes, selectTargets, sessionOptions, sshTarget, unreachableReason,
  type DeployInputs, type NodeStatus, type RenderAll, type Rendered,
} from './inputs.ts';
import type { Node } from '../model/types.ts';
import type { SessionOptions } from './ssh.ts';
import { pool } from '../core/pool.ts';
import type { BinaryChange, NodeResult } from './node-deploy.ts';
import { pinnedRelease, signedPin, type Arch } from './release.ts';
import { printReport, progressLine } from './report.ts';
import { chooseCanary, commitOf, Rollout, type Candidate } from './rollout.ts';
import { NewerDeploys, newerDetail } from './newer.ts';
import { byText } from '../core/order.ts';

/** Why a node needs a deploy, or undefined when it runs exactly the rendered config. */
export function changeReason(r: Rendered, s: NodeStatus, version?: string): string | undefined {
  const binary = version !== undefined && s.singbox_version !== version ? `sing-box ${s.singbox_version ?? 'none'} → ${version}` : undefined;
  const config = s.config_sha256 !== r.sha256 ? (s.config_sha256 ? 'config differs' : 'no config yet')
    : s.marker?.config_sha256 !== r.sha256 ? 'no marker for this config'
    : !s.active ? 'sing-box is not running' : undefined;
  return binary && config ? `${binary}; ${config}` : binary ?? config;
}

/** What sudo or an old node script says when asked for a `session` it does not know. */
const outdated = (e: unknown): boolean => /a password is required|not allowed to execute|usage: boxfleet-node/.test((e as Error).message);

export async function runDeploy(ctx: CommandContext, args: ParsedArgs, render?: RenderAll): Promise<number> {
  const parallelOpt = intOption(args, 'parallel', 1, 64);
  const names = listOption(args, 'nodes');
  const dryRun = args.options['dry-run'] === true;
  const format = String(args.options.format ?? 'text');
  const base = loadFleetInputs(ctx);
  const { fleet, redact } = base;
  const parallel = parallelOpt ?? fleet.settings.deploy.parallel;
  const opts = sessionOptions(ctx, args.options.identity as string | undefined, fleet.settings.deploy.ssh_persist);
  // The first nodes are asked what they run while the configs render.
  const early = new Map(selectNodes(fleet, names).slice(0, planParallel(parallel)).map((n) => [n.name, openChannel(n, opts)]));
  let inputs: DeployInputs;
  try {
    inputs = await renderInputs(base, ctx, render);
  } catch (e) {
    // Nothing is deployed: the nodes already asked unlock, and their connections end.
    await Promise.all([...early.values()].map(async (p) => (await p).session?.channel.bye()));
    throw e;
  }
  const targets = selectTargets(inputs, names);
  // A node the renderer gave no config is not deployed: its session ends here.
  for (const [name, p] of early) if (!inputs.rendered.has(name)) void p.then((o) => o.session?.channel.bye());
  const results = new Map<string, NodeResult>();
  const started = Date.now();
  const finish = (res: NodeResult): void => {
    results.set(res.node, res);
    ctx.io.err(progressLine(res));
  };

  const rollout = new Rollout(ctx, fleet.settings.deploy, redact, finish, binaryChange(inputs, ctx.env));
  const windowed = args.options['no-window'] !== true;
  const targetNames = targets.map((t) => t.node.name);
  /** Nodes whose status is in (or that did not answer). */
  const planned = new Set<string>();
  /** Changed nodes still to deploy (not deferred), by name; `opened` keeps every session to close. */
  const changed = new Map<string, Candidate>();
  const opened: Candidate[] = [];
  let canary: { c: Candidate; ok: Promise<boolean> } | undefined;

  // Changes that only add users wait for their region's window (deploy.window).
  const defer = async (list: Candidate[]): Promise<void> => {
    if (!windowed || list.length === 0) return;
    const waits = await deferrals(ctx.root, ctx.now, inputs, inputs.render, list);
    for (const c of list.filter((x) => waits.has(x.r.node.name))) {
      changed.delete(c.r.node.name);
      await c.channel.bye();
      finish({ node: c.r.node.name, outcome: 'deferred', detail: waits.get(c.r.node.name)!, ms: 0 });
    }
  };
  // The canary starts once it is known: no need to wait for the slowest node's answer.
  let choosing = Promise.resolve();
  const startCanary = (): Promise<void> => (choosing = choosing.then(async () => {
    while (!dryRun && !canary) {
      const c = chooseCanary(targetNames, planned, changed, fleet.settings.deploy.canary);
      if (!c) return;
      await defer([c]);
      if (changed.has(c.r.node.name)) canary = { c, ok: rollout.one(c) };
    }
  }));

  // A node a newer deploy reached is not rolled back (a re-run of an older run).
  let ours: string | undefined;
  const ourCommit = (): string => (ours ??= commitOf(ctx));
  const newer = new NewerDeploys(ctx.root, ourCommit, ctx.env, (m) => ctx.io.err(m));

  // Plan: what does every node run now? One held session each; the changed ones stay open
  // (and locked) for the rollout, the others end at once.
  await pool(targets, planParallel(parallel), () => false, async (r) => {
    const t0 = Date.now();
    const name = r.node.name;
    try {
      const { session, error: e } = await (early.get(name) ?? openChannel(r.node, opts));
      if (!session) {
        // Reached, but the session refused (another deploy's lock, a node script without it).
        const outcome = e instanceof SshError ? 'unreachable' : 'failed';
        const detail = e instanceof SshError ? unreachableReason(e, redact) : `not deployed: ${redact((e as Error).message)}${outdated(e) ? ` — this node's script or sudoers predates held sessions: npm run fleet -- bootstrap ${name} --as-root` : ''}`;
        return finish({ node: name, outcome, detail, ms: Date.now() - t0 });
      }
      const { channel, status } = session;
      const reason = changeReason(r, status, fleet.settings.singbox.version);
      // Also when nothing would change: the run must fail, or it would count as the last rollout.
      if (await newer.isNewer(status.marker?.commit)) {
        await channel.bye();
        return finish({ node: name, outcome: 'skipped', detail: newerDetail(status.marker!.commit, ourCommit(), !reason), ms: Date.now() - t0 });
      }
      if (!reason) {
        await channel.bye();
        return finish({ node: name, outcome: 'unchanged', detail: 'runs the rendered config', ms: Date.now() - t0 });
      }
      const c: Candidate = { r, channel, reason, status, binary: status.singbox_version !== fleet.settings.singbox.version };
      opened.push(c);
      changed.set(name, c);
    } finally {
      planned.add(name);
      await startCanary();
    }
  });
  await startCanary();

  try {
    const byName = (a: Candidate, b: Candidate): number => byText(a.r.node.name, b.r.node.name);
    const rest = [...changed.values()].filter((c) => c !== canary?.c).sort(byName);
    // The others' windows are asked while the canary runs.
    await defer(rest);
    const todo = rest.filter((c) => changed.has(c.r.node.name));
    if (dryRun) {
      for (const c of todo) finish({ node: c.r.node.name, outcome: 'would deploy', detail: `${c.reason} (dry run: nothing written)`, ms: 0 });
    } else if (canary) {
      rollout.stageAhead(todo, parallel);
      await rollout.rest(canary.c, await canary.ok, todo, parallel);
    }
  } finally {
    for (const c of opened) c.channel.close();
  }

  const ordered = targets.map((t) => results.get(t.node.name)!).filter(Boolean);
  printReport(ctx, ordered, { format, title: dryRun ? 'fleet deploy --dry-run' : 'fleet deploy', ms: Date.now() - started });
  const ok = ordered.every((r) => r.outcome === 'deployed' || r.outcome === 'unchanged' || r.outcome === 'would deploy' || r.outcome === 'deferred');
  return ok ? EXIT.ok : EXIT.failed;
}

/** How many nodes are asked at once what they run (more than deploy.parallel: asking is cheap). */
const planParallel = (parallel: number): number => Math.max(parallel, 16);

/** A held session and the node's status, or why there is none; never rejects. */
async function openChannel(node: Node, opts: SessionOptions): Promise<{ session?: { channel: DeployChannel; status: NodeStatus }; error?: unknown }> {
  try {
    return { session: await DeployChannel.open(sshTarget(node), opts) };
  } catch (error) {
    return { error };
  }
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
