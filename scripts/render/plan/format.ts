// The plan as text (terminal), Markdown (a pull-request comment) or JSON (machines).
import { markdownText } from '../../text/escape.ts';
import { stableJson } from '../json.ts';
import type { NodeChange, Plan, UserChange } from './types.ts';

/** First line of the Markdown form: lets a workflow find and update its own comment. */
export const PLAN_MARKER = '<!-- boxfleet-plan -->';

const SIGN = { added: '+', removed: '-', changed: '~' } as const;

function nodeLines(n: NodeChange): string[] {
  const lines: string[] = [];
  const list = (label: string, items: string[]) => { if (items.length) lines.push(`${label}: ${items.join(', ')}`); };
  list('users added', n.usersAdded);
  list('users removed', n.usersRemoved);
  list('credentials changed', n.usersRotated);
  list('previous credentials accepted (grace)', n.graceAdded);
  list('previous credentials dropped', n.graceRemoved);
  for (const i of n.inbounds) {
    const head = `inbound ${i.tag} (${i.type}, port ${i.port}) ${i.change}`;
    lines.push(i.details.length ? `${head}: ${i.details.join('; ')}` : head);
  }
  for (const o of n.other) lines.push(o);
  return lines;
}

function userLine(u: UserChange): string {
  const parts = [...u.changes];
  if (u.gains.length) parts.push(`gains ${u.gains.join(', ')}`);
  if (u.loses.length) parts.push(`loses ${u.loses.join(', ')}`);
  return parts.join('; ');
}

function counts(plan: Plan): string {
  const c = (k: NodeChange['change']) => plan.nodes.filter((n) => n.change === k).length;
  return `${c('added')} to add, ${c('changed')} to change, ${c('removed')} to remove, ${plan.unchangedNodes.length} unchanged`;
}

const baseName = (plan: Plan) => `${plan.base.ref}${plan.base.commit ? ` (${plan.base.commit.slice(0, 12)})` : ''}`;

export function formatText(plan: Plan): string {
  const out = [`Plan: ${baseName(plan)} → ${plan.head}, evaluated at ${plan.now}`];
  if (!plan.base.valid) {
    out.push(`The base does not validate (${plan.base.problems.length} problem(s)); showing the working tree alone:`);
    out.push(...plan.base.problems.map((p) => `  ${p}`));
  }
  out.push(`Nodes: ${counts(plan)}`);
  for (const n of plan.nodes) {
    out.push(`  ${SIGN[n.change]} ${n.node}${n.reason ? ` (${n.reason})` : ''}`);
    out.push(...nodeLines(n).map((l) => `      ${l}`));
  }
  out.push(`Users: ${plan.users.length} changed`);
  for (const u of plan.users) out.push(`  ${u.user}: ${userLine(u)}`);
  if (!plan.nodes.length && !plan.users.length) out.push('No changes.');
  return `${out.join('\n')}\n`;
}

// A cell's lines carry values from the files (paths, providers, e-mail) into a comment the
// bot posts: escaped, so no value adds a link, a mention, a hidden `<!--` or a column.
const cell = (text: string) => text.split('\n').map(markdownText).join('<br>');
/** A fence no line inside can close: longer than any run of backticks the text holds. */
const fence = (lines: string[]) => '`'.repeat(Math.max(3, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((r) => r.length + 1)))));

export function formatMarkdown(plan: Plan): string {
  const out = [PLAN_MARKER, '## boxfleet plan', '', `Base \`${baseName(plan)}\` → ${plan.head}, evaluated at ${plan.now}.`, ''];
  if (!plan.base.valid) {
    out.push(`> **The base does not validate** (${plan.base.problems.length} problem(s)); the working tree is shown alone.`, '');
    const f = fence(plan.base.problems);
    out.push(f, ...plan.base.problems, f, '');
  }
  out.push(`### Nodes: ${counts(plan)}`, '');
  if (plan.nodes.length) {
    out.push('| | node | changes |', '|---|---|---|');
    for (const n of plan.nodes) {
      const lines = [...(n.reason ? [n.reason] : []), ...nodeLines(n)];
      out.push(`| ${SIGN[n.change]} | \`${n.node}\` | ${cell(lines.join('\n')) || ' '} |`);
    }
    out.push('');
  }
  out.push(`### Users: ${plan.users.length} changed`, '');
  if (plan.users.length) {
    out.push('| user | changes | gains access | loses access |', '|---|---|---|---|');
    for (const u of plan.users) {
      out.push(`| \`${u.user}\` | ${cell(u.changes.join('\n')) || ' '} | ${u.gains.join(', ') || ' '} | ${u.loses.join(', ') || ' '} |`);
    }
    out.push('');
  }
  if (!plan.nodes.length && !plan.users.length) out.push('No changes.', '');
  return `${out.join('\n')}`;
}

export function formatPlan(plan: Plan, format: string): string {
  if (format === 'json') return stableJson(plan);
  return format === 'md' ? formatMarkdown(plan) : formatText(plan);
}
