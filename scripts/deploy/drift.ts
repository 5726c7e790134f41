// `fleet drift`: compares, per node, the live config file's hash, the marker written by
// the last healthy deploy, the config rendered from HEAD and the sing-box version. Reads
// only; exit 3 when a node drifted or could not be checked.
import { listOption } from '../core/args.ts';
import { EXIT, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { loadInputs, probeNode, selectTargets, sessionOptions, type NodeStatus, type RenderAll, type Rendered } from './inputs.ts';
import { printReport, progressLine, type Row } from './report.ts';

/** Every way a node differs from what Git says, in words (empty = in sync). */
export function driftReasons(r: Rendered, s: NodeStatus, version: string): string[] {
  const out: string[] = [];
  const short = (h: string | null | undefined): string => (h ? `${h.slice(0, 12)}…` : 'none');
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
  const started = Date.now();
  const rows: Row[] = await Promise.all(
    targets.map(async (r) => {
      const t0 = Date.now();
      const p = await probeNode(r, opts, inputs.redact);
      await p.session?.close();
      const row: Row = p.status
        ? (() => {
            const reasons = driftReasons(r, p.status, version);
            return { node: r.node.name, outcome: reasons.length ? 'drifted' : 'in sync', detail: inputs.redact(reasons.join('; ') || 'live = marker = rendered'), ms: Date.now() - t0 };
          })()
        : { node: r.node.name, outcome: 'unreachable', detail: p.error ?? 'unreachable', ms: Date.now() - t0 };
      if (args.options.format === 'text') ctx.io.err(progressLine(row));
      return row;
    }),
  );
  printReport(ctx, rows, { format: String(args.options.format ?? 'text'), title: 'fleet drift', ms: Date.now() - started });
  return rows.every((r) => r.outcome === 'in sync') ? EXIT.ok : EXIT.found;
}
