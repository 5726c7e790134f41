// Per-node results of deploy and drift as text, JSON, Markdown or GitHub (annotations on
// stdout plus a job summary table). Every detail string is redacted before it gets here.
import { markdownText, terminalText } from '../text/escape.ts';
import { annotationLine } from '../text/workflow-command.ts';
import { appendFileSync } from 'node:fs';
import type { CommandContext } from '../core/command.ts';

export interface Row {
  node: string;
  outcome: string;
  detail: string;
  ms: number;
}

const GOOD = new Set(['deployed', 'unchanged', 'deferred', 'in sync', 'would deploy']);
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;

export function progressLine(r: Row): string {
  return `${GOOD.has(r.outcome) ? '  ok ' : ' !!  '} ${r.node}: ${r.outcome} (${secs(r.ms)}) — ${terminalText(r.detail)}`;
}

function counts(rows: Row[]): string {
  const c = new Map<string, number>();
  for (const r of rows) c.set(r.outcome, (c.get(r.outcome) ?? 0) + 1);
  return [...c].map(([k, n]) => `${n} ${k}`).join(', ') || 'no nodes';
}

function textTable(rows: Row[]): string[] {
  const w = Math.max(4, ...rows.map((r) => r.node.length));
  const o = Math.max(7, ...rows.map((r) => r.outcome.length));
  return [`${'node'.padEnd(w)}  ${'result'.padEnd(o)}  ${'time'.padStart(7)}  detail`, ...rows.map((r) => `${r.node.padEnd(w)}  ${r.outcome.padEnd(o)}  ${secs(r.ms).padStart(7)}  ${terminalText(r.detail)}`)];
}

// Details quote what a node said (sing-box's stderr, a certificate's names): hostile text,
// shown as typed in every sink, never as a mention, a link, an image or an escape sequence.
const cell = (s: string): string => markdownText(s);

export function markdownTable(rows: Row[]): string[] {
  return ['| node | result | time | detail |', '|---|---|---:|---|', ...rows.map((r) => `| ${cell(r.node)} | ${cell(r.outcome)} | ${secs(r.ms)} | ${cell(r.detail)} |`)];
}


export function printReport(ctx: CommandContext, rows: Row[], opts: { format: string; title: string; ms: number }): void {
  const summary = `${opts.title}: ${counts(rows)} in ${secs(opts.ms)}`;
  switch (opts.format) {
    case 'json':
      ctx.io.out(JSON.stringify({ title: opts.title, ok: rows.every((r) => GOOD.has(r.outcome)), ms: opts.ms, nodes: rows }, null, 2));
      return;
    case 'md':
      ctx.io.out([`### ${opts.title}`, '', summary, '', ...markdownTable(rows)].join('\n'));
      return;
    case 'github': {
      for (const r of rows.filter((x) => !GOOD.has(x.outcome))) {
        const level = r.outcome === 'skipped' ? 'warning' : 'error';
        ctx.io.out(annotationLine(level, r.detail, { title: `${r.node}: ${r.outcome}` }));
      }
      const path = ctx.env.GITHUB_STEP_SUMMARY;
      if (path) appendFileSync(path, [`### ${opts.title}`, '', summary, '', ...markdownTable(rows), ''].join('\n') + '\n');
      ctx.io.out(summary);
      return;
    }
    default:
      ctx.io.out([...textTable(rows), '', summary].join('\n'));
  }
}
