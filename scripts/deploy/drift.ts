// `fleet drift`: compares, per node, the live config file's hash, the marker written by
// the last healthy deploy, the config rendered from HEAD and the sing-box version. Reads
// only; exit 3 when a node drifted or could not be checked. A node deployed with quotas is
// compared with HEAD rendered under the quota state its marker names (as-deployed.ts). A
// node whose only difference is an addition waiting for its deploy window (deploy.window)
// is "deferred", not drifted: the next deploy in that window sends it (until a window has
// opened and passed since the addition was committed: then it is drifted again).
import { listOption } from '../core/args.ts';
import { EXIT, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { quotaSources, type QuotaSource } from './as-deployed.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { deferrals } from './deferral.ts';
import { missedOpening, parseWindow } from './window.ts';
import { loadInputs, probeNode, selectTargets, sessionOptions, sha256, type DeployInputs, type NodeStatus, type RenderAll, type Rendered } from './inputs.ts';
import { printReport, progressLine, type Row } from './report.ts';
import { childEnv } from '../core/child-env.ts';

const run = promisify(execFile);

const short = (h: string | null | undefined): string => (h ? `${h.slice(0, 12)}…` : 'none');

/** Every way a node differs from what Git says, in words (empty = in sync). */
export function driftReasons(r: Rendered, s: NodeStatus, version: string): string[] {
  const out: string[] = [];
  if (!s.marker) out.push('no deploy marker (never deployed by boxfleet)');
  else if (s.config_sha256 !== s.marker.config_sha256) out.push(`live config ${short(s.config_sha256)} ≠ marker ${short(s.marker.config_sha256)} (edited on the node)`);
  if (s.marker && s.marker.config_sha256 !== r.sha256) out.push(`marker ${short(s.marker.config_sha256)} ≠ rendered ${short(r.sha256)} (not deployed yet)`);
  else if (!s.marker && s.config_sha256 !== r.sha256) out.push(`live config ${short(s.config_sha256)} ≠ rendered ${short(r.sha256)}`);
  if (s.singbox_version !== version) out.push(`sing-box ${s.singbox_version ?? 'missing'} ≠ pinned ${version}`);
  if (!s.active) out.push('sing-box is not running');
  return out;
}

export async function runDrift(ctx: CommandContext, args: ParsedArgs, render?: RenderAll): Promise<number> {
  const inputs = await loadInputs(ctx, render);
  const targets = selectTargets(inputs, listOption(args, 'nodes'));
  const opts = sessionOptions(ctx, args.options.identity as string | undefined);
  const version = inputs.fleet.settings.singbox.version;
  const asDeployed = renderAsDeployed(ctx, inputs);
  const started = Date.now();
  const report = (row: Row): Row => {
    if (args.options.format === 'text') ctx.io.err(progressLine(row));
    return row;
  };
  /** Nodes that differ only by what Git added since their deploy: maybe waiting for a window. */
  const pending: Pending[] = [];
  const rows: (Row | Pending)[] = await Promise.all(
    targets.map(async (r): Promise<Row | Pending> => {
      const t0 = Date.now();
      const p = await probeNode(r, opts, inputs.redact);
      await p.session?.close();
      if (!p.status) return report({ node: r.node.name, outcome: 'unreachable', detail: p.error ?? 'unreachable', ms: Date.now() - t0 });
      const { rendered, notes } = await asDeployed(r, p.status);
      const reasons = [...driftReasons(rendered, p.status, version), ...notes.problems];
      const detail = reasons.join('; ') || ['live = marker = rendered', ...notes.context].join(', ');
      const row: Row = { node: r.node.name, outcome: reasons.length ? 'drifted' : 'in sync', detail: inputs.redact(detail), ms: Date.now() - t0 };
      // Only what a deploy would send now can wait: the render it would send is this one.
      if (reasons.length === 0 || notes.problems.length > 0 || p.status.singbox_version !== version || rendered.sha256 !== r.sha256) return report(row);
      const waiting: Pending = { r, status: p.status, row };
      pending.push(waiting);
      return waiting;
    }),
  );
  // One rebuild of the old configs for all of them, as deploy does.
  const waits = await waitingForWindow(ctx, inputs, pending);
  const final = rows.map((x) => ('row' in x ? report(waits.get(x.r.node.name) ?? x.row) : x));
  printReport(ctx, final, { format: String(args.options.format ?? 'text'), title: 'fleet drift', ms: Date.now() - started });
  return final.every((r) => r.outcome === 'in sync' || r.outcome === 'deferred') ? EXIT.ok : EXIT.found;
}

interface Pending { r: Rendered; status: NodeStatus; row: Row }

/**
 * The pending nodes whose difference is an addition waiting for a window that has not opened
 * since it was committed ("deferred"), or that did open and passed without a deploy
 * ("drifted": the deploy workflow's schedule missed it).
 */
async function waitingForWindow(ctx: CommandContext, inputs: DeployInputs, pending: Pending[]): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  if (pending.length === 0) return out;
  // deferrals() vouches for the rest: running, live = marker, only users added since.
  const waits = await deferrals(ctx.root, ctx.now, inputs, inputs.render, pending.map((p) => ({ r: p.r, status: p.status, binary: false })));
  const since = new Map<string, Promise<Date | undefined>>();
  for (const p of pending) {
    const wait = waits.get(p.r.node.name);
    if (!wait) continue;
    const commit = p.status.marker!.commit;
    if (!since.has(commit)) since.set(commit, firstCommitAfter(ctx.root, commit));
    const window = parseWindow(inputs.fleet.settings.deploy.window[p.r.node.region]!);
    const missed = missedOpening(window, await since.get(commit), ctx.now);
    out.set(p.r.node.name, missed
      ? { ...p.row, detail: inputs.redact(`${p.row.detail}; its deploy window ${window.text} UTC opened at ${missed.toISOString()}, after the fleet changed since this node's deploy, and passed without a deploy (is the deploy workflow scheduled inside it?)`) }
      : { ...p.row, outcome: 'deferred', detail: inputs.redact(`not deployed yet: ${wait}`) });
  }
  return out;
}

/** When the first commit after `commit` on the way to HEAD that changed the fleet was made, or undefined. */
async function firstCommitAfter(root: string, commit: string): Promise<Date | undefined> {
  try {
    const { stdout } = await run('git', ['-C', root, 'log', '--reverse', '--ancestry-path', '--format=%cI', `${commit}..HEAD`, '--', 'fleet.yaml', 'nodes', 'users'], { env: childEnv(), timeout: 30_000, maxBuffer: 16 << 20 });
    const first = new Date(stdout.split('\n')[0] ?? '');
    return Number.isNaN(first.getTime()) ? undefined : first;
  } catch {
    return undefined;
  }
}

interface AsDeployed { rendered: Rendered; notes: { problems: string[]; context: string[] } }

/** Each node's render under the quota state its marker names (rendered once per status commit). */
function renderAsDeployed(ctx: CommandContext, inputs: DeployInputs): (r: Rendered, s: NodeStatus) => Promise<AsDeployed> {
  const sourceOf = quotaSources(ctx.root, ctx.now, ctx.usageCommit);
  const renders = new Map<string, Map<string, string>>();
  const branch = inputs.fleet.settings.probe.status_branch;
  return async (r, s) => {
    const src: QuotaSource = await sourceOf(inputs.fleet, s.marker);
    if (src.kind === 'as given') return { rendered: r, notes: { problems: [], context: ctx.usageCommit ? [`quotas as of status ${short(ctx.usageCommit)}`] : [] } };
    if (src.kind === 'missing') {
      // Compacting the status branch can squash that commit away: only a difference needs it.
      const problems = s.marker?.config_sha256 === r.sha256 ? []
        : [`its quotas came from status commit ${short(src.commit)}, which this checkout lacks (git fetch origin ${branch}, then run drift again)`];
      return { rendered: r, notes: { problems, context: [] } };
    }
    if (!renders.has(src.commit)) renders.set(src.commit, inputs.render(src.fleet, inputs.store, ctx.now));
    const config = renders.get(src.commit)!.get(r.node.name) ?? r.config;
    const rendered = { ...r, config, sha256: sha256(config) };
    // Given a newer quota state too (--usage): say when it would change this node.
    const problems = ctx.usage && rendered.sha256 !== r.sha256 && s.marker?.config_sha256 === rendered.sha256
      ? [`quotas changed since its deploy (status ${short(src.commit)} → ${short(ctx.usageCommit)}): not deployed yet`] : [];
    return { rendered, notes: { problems, context: [`quotas as deployed (status ${short(src.commit)})`] } };
  };
}
