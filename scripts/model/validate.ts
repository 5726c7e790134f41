// `fleet validate`: the whole model checked, reported in the format the caller needs.
import * as core from '@actions/core';
import { resolve } from 'node:path';
import type { CommandContext, ParsedArgs } from '../cli/types.ts';
import { EXIT } from '../cli/types.ts';
import { activeUsers } from './access.ts';
import { errorsOf, formatDiagnostic, warningsOf, type Diagnostic } from './diagnostics.ts';
import { loadFleet } from './load.ts';

/** GitHub shows at most 10 annotations of a kind per step; the summary lists all. */
const MAX_ANNOTATIONS = 10;

export async function runValidate(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const result = loadFleet(resolve(ctx.root), ctx.now);
  const errors = errorsOf(result.diagnostics);
  const warnings = warningsOf(result.diagnostics);
  const fleet = result.fleet;
  const summary = fleet
    ? `fleet ${fleet.settings.name}: ${fleet.nodes.length} nodes, ${fleet.users.length} users (${activeUsers(fleet, ctx.now).length} active), ${errors.length} errors, ${warnings.length} warnings`
    : `fleet: ${errors.length} errors, ${warnings.length} warnings — nothing can be rendered until they are fixed`;
  switch (args.options.format) {
    case 'json':
      ctx.io.out(JSON.stringify({ ok: errors.length === 0, summary, diagnostics: result.diagnostics }, null, 2));
      break;
    case 'github':
      await reportToGitHub(result.diagnostics, summary);
      for (const d of result.diagnostics) ctx.io.err(formatDiagnostic(d));
      ctx.io.out(summary);
      break;
    default:
      for (const d of result.diagnostics) ctx.io.err(formatDiagnostic(d));
      ctx.io.out(summary);
  }
  return errors.length > 0 ? EXIT.failed : EXIT.ok;
}

async function reportToGitHub(list: Diagnostic[], summary: string): Promise<void> {
  for (const d of list.slice(0, MAX_ANNOTATIONS)) {
    const props = { file: d.file, startLine: d.line, startColumn: d.col, title: 'fleet validate' };
    const text = `${d.message}${d.hint ? ` — ${d.hint}` : ''}`;
    if (d.severity === 'error') core.error(text, props); else core.warning(text, props);
  }
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  core.summary.addHeading('fleet validate', 3).addRaw(summary, true);
  if (list.length > 0) {
    core.summary.addTable([
      [{ data: 'where', header: true }, { data: 'severity', header: true }, { data: 'problem', header: true }],
      ...list.map((d) => [`${d.file}:${d.line}:${d.col}`, d.severity, `${d.message}${d.hint ? ` — ${d.hint}` : ''}`]),
    ]);
  }
  await core.summary.write();
}
