// `fleet recovery`: the status store → which inbounds are blocked where → the decisions
// fleet.yaml `recovery.mode` allows → recorded on the status branch (`--record`), where the
// next `fleet site` applies them. Beside the incidents because it acts on the same
// evidence; the decisions themselves are made in scripts/recovery/ (pure).
import { EXIT, rootPath, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { addSummary, cell, setOutput } from '../github/summary.ts';
import { requireFleet } from '../model/require.ts';
import { decide } from '../recovery/decide.ts';
import { findBlocks } from '../recovery/detect.ts';
import { recordRecovery } from '../status/ops.ts';
import { readStatus } from '../status/reader.ts';
import { requireStatusDir } from '../status/store.ts';
import { branchRef } from '../status/ref.ts';
import { describeRecovery } from './text.ts';

/** Runs older than this cannot decide anything (restore_after is at most what the store keeps in full). */
const WINDOW_MS = 48 * 3600_000;

export async function runRecovery(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const dir = rootPath(ctx, (args.options.status as string | undefined) ?? 'build/status');
  requireStatusDir(dir, ctx.root);
  const fleet = requireFleet(ctx, { quiet: true });
  const mode = fleet.settings.recovery.mode;
  const view = readStatus(dir);
  const findings = findBlocks(fleet, view.runsSince(new Date(ctx.now.getTime() - WINDOW_MS)), ctx.now);
  const { events, notes } = decide(fleet, findings, view.recovery(), ctx.now);
  const blocked = findings.filter((f) => f.blocked);
  const record = args.options.record === true && mode !== 'off' && events.length > 0;
  let recorded = 0;
  if (record) recorded = (await recordRecovery(branchRef(ctx, args), events)).added;
  setOutput(ctx, 'changed', String(recorded > 0));

  if (args.options.format === 'json') {
    ctx.io.out(JSON.stringify({ mode, blocked, decisions: events, notes, recorded }, null, 2));
    return EXIT.ok;
  }
  const lines: string[] = [];
  for (const f of blocked) lines.push(`blocked: ${f.node} ${f.inbound} in ${f.region} (${f.kind}) since ${f.failing!.since}, ${f.failing!.runs} runs from ${f.failing!.vantages.join(', ')}`);
  for (const f of findings.filter((x) => x.failing && !x.blocked)) lines.push(`failing, not blocked: ${f.node} ${f.inbound} in ${f.region}: ${f.reason}`);
  const verb = mode === 'off' ? 'would be (recovery.mode is off: nothing is recorded)' : record ? 'recorded' : 'decided (not recorded: pass --record)';
  for (const e of events) lines.push(`${verb}: ${describeRecovery(e)}`);
  if (mode === 'propose') for (const e of events.filter((x) => x.action === 'withdraw' && x.standby)) lines.push(`to make it permanent: in nodes/${e.node}.yaml set \`standby: true\` on ${e.inbound} and remove it from ${e.standby}`);
  for (const n of notes) lines.push(`note: ${n}`);
  if (lines.length === 0) lines.push(`recovery (${mode}): no inbound is blocked anywhere`);
  for (const l of lines) ctx.io.out(l);
  if (events.length > 0 || blocked.length > 0) {
    addSummary(ctx, ['### Recovery', '', `mode: ${mode}`, '', ...lines.map((l) => `- ${cell(l)}`), ''].join('\n'));
  }
  return EXIT.ok;
}
