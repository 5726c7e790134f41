// `fleet drift`: compares, per node, the live config file's hash, the marker written by
// the last healthy deploy, the config rendered from HEAD and the sing-box version. Reads
// only; exit 3 when a node drifted or could not be checked. A node deployed with quotas is
// compared with HEAD rendered under the quota state its marker names (as-deployed.ts). A
// node whose only difference is an addition waiting for its deploy window (deploy.window)
// is "deferred", not drifted: the next deploy in that window sends it.
import { listOption } from '../core/args.ts';
import { EXIT, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { quotaSources, type QuotaSource } from './as-deployed.ts';
import { deferrals } from './deferral.ts';
import { loadInputs, probeNode, selectTargets, sessionOptions, sha256, type DeployInputs, type NodeStatus, type RenderAll, type Rendered } from './inputs.ts';
import { printReport, progressLine, type Row } from './report.ts';

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
  const rows: Row[] = await Promise.all(
    targets.map(async (r) => {
      const t0 = Date.now();
      const p = await probeNode(r, opts, inputs.redact);
      await p.session?.close();
      if (!p.status) return report({ node: r.node.name, outcome: 'unreachable', detail: p.error ?? 'unreachable', ms: Date.now() - t0 });
      const { rendered, notes } = await asDeployed(r, p.status);
      const reasons = [...driftReasons(rendered, p.status, version), ...notes.problems];
      // deferrals() vouches for the rest: running, live = marker, only users added since.
      const waits = reasons.length > 0 && notes.problems.length === 0 && p.status.singbox_version === version ? await deferrals(ctx.root, ctx.now, inputs, inputs.render, [{ r: rendered, status: p.status, binary: false }]) : undefined;
      const wait = waits?.get(r.node.name);
      if (wait) return report({ node: r.node.name, outcome: 'deferred', detail: inputs.redact(`not deployed yet: ${wait}`), ms: Date.now() - t0 });
      const detail = reasons.join('; ') || ['live = marker = rendered', ...notes.context].join(', ');
      return report({ node: r.node.name, outcome: reasons.length ? 'drifted' : 'in sync', detail: inputs.redact(detail), ms: Date.now() - t0 });
    }),
  );
  function report(row: Row): Row {
    if (args.options.format === 'text') ctx.io.err(progressLine(row));
    return row;
  }
  printReport(ctx, rows, { format: String(args.options.format ?? 'text'), title: 'fleet drift', ms: Date.now() - started });
  return rows.every((r) => r.outcome === 'in sync' || r.outcome === 'deferred') ? EXIT.ok : EXIT.found;
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
