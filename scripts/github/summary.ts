// Job summaries and step outputs, written to the files Actions names in the environment.
// Commands take the environment from their context (not process.env) so tests can point
// these at temp files; outside Actions (no variable set) both are no-ops.
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { CommandContext } from '../core/command.ts';

/** GitHub refuses a step summary over 1 MiB; stay well below it. */
const MAX_SUMMARY = 512 * 1024;

export function addSummary(ctx: CommandContext, markdown: string): void {
  const path = ctx.env.GITHUB_STEP_SUMMARY;
  if (!path) return;
  const text = markdown.length > MAX_SUMMARY ? `${markdown.slice(0, MAX_SUMMARY)}\n\n_(summary truncated)_` : markdown;
  appendFileSync(path, text.endsWith('\n') ? text : `${text}\n`);
}

export function setOutput(ctx: CommandContext, name: string, value: string): void {
  const path = ctx.env.GITHUB_OUTPUT;
  if (!path) return;
  // The heredoc form is safe for any value; the delimiter is random so a value cannot end it.
  const eof = `EOF_${randomBytes(8).toString('hex')}`;
  appendFileSync(path, `${name}<<${eof}\n${value}\n${eof}\n`);
}

/** A Markdown table cell: pipes and newlines would break the row. */
export const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
