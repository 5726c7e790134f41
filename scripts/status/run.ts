// `fleet status push|merge|compact|pull`: argument handling around ops.ts.
import { intOption } from '../core/args.ts';
import { requireFleet } from '../model/require.ts';
import { rootPath, EXIT, OperationError, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { loadMasterSecret, openCredentialStore } from '../secrets/index.ts';
import { clipText, terminalText } from '../text/escape.ts';
import { admissionProblem } from '../probe/signature.ts';
import type { ProbeRun } from './types.ts';
import { compactBranch, pullBranch, pushRuns } from './ops.ts';
import { readArrivingRun } from './store.ts';
import { branchRef } from './ref.ts';
import { checkOutputDir } from '../files/output-dir.ts';
import { present } from '../files/plain-file.ts';

export async function runPush(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const given = (args.options.run as string | undefined) ?? 'build/probe-run.json';
  const file = rootPath(ctx, given);
  if (!present(file)) throw new UsageError(`no run file ${given} (write one with \`npm run fleet -- probe --out ${given}\`)`);
  const admitted = admitRuns(ctx, [file]);
  if (admitted.refused.length) throw new OperationError(refusalText(admitted.refused[0]!));
  const r = await pushRuns(branchRef(ctx, args), admitted.runs);
  if (r.refused.length) throw new OperationError(refusalText({ file, reason: r.refused[0]!.reason }));
  ctx.io.out(r.added.length ? `pushed ${r.added.join(', ')} (attempts: ${r.attempts})` : `already on the branch: ${r.skipped.join(', ')}`);
  return EXIT.ok;
}

/** Merges every admissible run; the others are named with the reason, and the exit is 1. */
export async function runMerge(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  if (args.positionals.length === 0) throw new UsageError('give at least one run file');
  const admitted = admitRuns(ctx, args.positionals);
  const r = admitted.runs.length ? await pushRuns(branchRef(ctx, args), admitted.runs) : { added: [], skipped: [], refused: [], attempts: 0 };
  const refused = [...admitted.refused, ...r.refused.map((x) => ({ file: x.path, reason: x.reason }))];
  for (const x of refused) ctx.io.err(refusalText(x));
  ctx.io.out(`merged ${r.added.length} run(s)${r.skipped.length ? `, ${r.skipped.length} already present` : ''}${refused.length ? `, ${refused.length} refused` : ''} (attempts: ${r.attempts})`);
  return refused.length ? EXIT.failed : EXIT.ok;
}

function refusalText(x: { file: string; reason: string }): string {
  return `refused ${terminalText(x.file)}: ${terminalText(x.reason)}`;
}

/**
 * Runs are admitted one by one, so a bad upload never stops the others: the file must be
 * a valid run of a vantage fleet.yaml declares (with its region), signed with that
 * vantage's key, and dated within the window signature.ts allows by this job's clock.
 */
function admitRuns(ctx: CommandContext, files: string[]): { runs: ProbeRun[]; refused: { file: string; reason: string }[] } {
  const fleet = requireFleet(ctx, { quiet: true });
  const store = openCredentialStore(loadMasterSecret(ctx.env, { purpose: 'publish' }), fleet.settings.epoch);
  const runs: ProbeRun[] = [];
  const refused: { file: string; reason: string }[] = [];
  for (const file of files) {
    let run: ProbeRun;
    let signed: unknown;
    try { ({ run, signed } = readArrivingRun(file)); } catch (e) { refused.push({ file, reason: clipText((e as Error).message, 300) }); continue; }
    const v = fleet.settings.probe.vantages.find((x) => x.name === run.vantage.name);
    const problem = !v ? `vantage "${run.vantage.name}" is not in fleet.yaml probe.vantages`
      : v.region !== run.vantage.region ? `vantage "${v.name}" is in region ${v.region}, the run says ${run.vantage.region}`
      : admissionProblem(run, signed, store.vantageKey(v.name), ctx.now);
    if (problem) refused.push({ file, reason: problem });
    else runs.push(run);
  }
  return { runs, refused };
}

export async function runCompact(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const max = intOption(args, 'max-bytes', 10_000, 1_000_000_000) ?? 20_000_000;
  const r = await compactBranch(branchRef(ctx, args), max);
  ctx.io.out(`compacted: ${r.foldedRuns} run(s) folded, ${r.droppedPoints} old point(s) dropped, files ${r.bytes} bytes${r.squashed ? ', branch history squashed' : ''}`);
  return EXIT.ok;
}

export async function runPull(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const out = args.options.out as string | undefined;
  if (!out) throw new UsageError('--out DIR is required');
  const r = await pullBranch(branchRef(ctx, args), checkOutputDir(rootPath(ctx, out), ctx.root));
  ctx.io.out(`pulled ${r.runs} run(s), ${r.nodes} node(s) into ${out}`);
  return EXIT.ok;
}
