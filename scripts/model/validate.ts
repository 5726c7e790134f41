// `fleet validate`: the whole model checked, reported in the format the caller needs.
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandContext, ParsedArgs } from '../core/command.ts';
import { EXIT } from '../core/command.ts';
import { activeUsers } from './access.ts';
import { errorsOf, formatDiagnostic, warningsOf, type Diagnostic } from './diagnostics.ts';
import { loadFleet } from './load.ts';
import { checkLimits, estimateSiteFiles, hostLimits } from './site-limits.ts';
import { FIXED_HEADER_RULES, HEADER_RULE_LIMIT } from './site-host.ts';
import type { Fleet } from './types.ts';
import { markdownText } from '../text/escape.ts';
import { annotationLine } from '../text/workflow-command.ts';

/** GitHub shows at most 10 annotations of a kind per step; the summary lists all. */
export const MAX_ANNOTATIONS = 10;

export async function runValidate(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const result = loadFleet(resolve(ctx.root), ctx.now);
  if (result.fleet) result.diagnostics.push(...siteLimitDiagnostics(result.fleet, ctx.now), ...usageDiagnostics(result.fleet), ...usageHeaderDiagnostics(result.fleet, ctx.now));
  const errors = errorsOf(result.diagnostics);
  const warnings = warningsOf(result.diagnostics);
  const fleet = result.fleet;
  const summary = fleet
    ? `fleet ${fleet.settings.name}: ${count(fleet.nodes.length, 'node')}, ${count(fleet.users.length, 'user')} (${activeUsers(fleet, ctx.now).length} active), ${count(errors.length, 'error')}, ${count(warnings.length, 'warning')}`
    : `fleet: ${count(errors.length, 'error')}, ${count(warnings.length, 'warning')} — nothing can be rendered until they are fixed`;
  switch (args.options.format) {
    case 'json':
      ctx.io.out(JSON.stringify({ ok: errors.length === 0, summary, diagnostics: result.diagnostics }, null, 2));
      break;
    case 'github':
      // Workflow commands go to stdout (the runner reads them there); the plain lines
      // stay on stderr so the log reads like a local run.
      for (const line of annotations(result.diagnostics)) ctx.io.out(line);
      writeStepSummary(ctx.env.GITHUB_STEP_SUMMARY, result.diagnostics, summary);
      for (const d of result.diagnostics) ctx.io.err(formatDiagnostic(d));
      ctx.io.out(summary);
      break;
    default:
      for (const d of result.diagnostics) ctx.io.err(formatDiagnostic(d));
      ctx.io.out(summary);
  }
  return errors.length > 0 ? EXIT.failed : EXIT.ok;
}


/**
 * The site's size against its host's limits, from the model (files only: bytes are known
 * when `fleet site` builds). Here and not in loadFleet: a site too big to publish must not
 * stop a deploy.
 */
function siteLimitDiagnostics(fleet: Fleet, now: Date): Diagnostic[] {
  const at = fleet.where('fleet.yaml', ['site', 'host']);
  return checkLimits(hostLimits(fleet.settings.site), { files: estimateSiteFiles(fleet, now) }, true)
    .map((c) => ({ severity: c.level, ...at, message: c.message, hint: c.hint }));
}

/**
 * quota_gb with the official build: nothing on a node counts a user's bytes (#18). Said by
 * validate alone, like the site's limits: the quota is still shown, and every other
 * command works as before.
 */
function usageDiagnostics(fleet: Fleet): Diagnostic[] {
  const withQuota = fleet.users.filter((u) => u.quota_gb !== undefined);
  if (fleet.settings.singbox.build !== 'official' || withQuota.length === 0) return [];
  return [{
    severity: 'warning', ...fleet.where(`users/${withQuota[0]!.name}.yaml`, ['quota_gb']),
    message: `\`quota_gb\` is shown, but usage is unknown: the official sing-box build keeps no per-user traffic counters, so nothing is counted or enforced (${count(withQuota.length, 'user')} with a quota)`,
    hint: 'set `singbox: { build: stats }` in fleet.yaml and point `download_url` and `sha256` at the stats build',
  }];
}

/**
 * Which users' apps will get no counted usage (#18): apps read it from the per-user
 * `subscription-userinfo` header, which only hosts that read `_headers` send, and Cloudflare
 * only up to its rule limit. (An object store is warned about in checkSiteHost.)
 */
function usageHeaderDiagnostics(fleet: Fleet, now: Date): Diagnostic[] {
  const host = fleet.settings.site.host;
  if (fleet.settings.singbox.build !== 'stats' || host === 's3') return [];
  const n = activeUsers(fleet, now).length;
  const at = fleet.where('fleet.yaml', ['site', 'host']);
  if (host === 'cloudflare' || host === 'netlify') {
    const room = HEADER_RULE_LIMIT[host] - FIXED_HEADER_RULES;
    if (n <= room) return [];
    return [{ severity: 'warning', ...at, message: `${count(n, 'active user')} need a subscription-userinfo rule each, but ${host} applies at most ${HEADER_RULE_LIMIT[host]} rules in _headers: no user's app gets usage, quota or expiry`, hint: `their pages still show them; netlify has no such limit, cloudflare fits ${room} users` }];
  }
  return [{ severity: 'warning', ...at, message: `no user's app gets counted usage: ${host} sends no per-user subscription-userinfo header (${count(n, 'active user')})`, hint: 'their pages still show it; a host that reads `_headers` (netlify, or cloudflare up to 96 users) sends it to apps' }];
}

/** "1 error", "2 errors". */
const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** `::error file=…,line=…,col=…::message` lines, errors first, at most MAX_ANNOTATIONS. */
export function annotations(list: Diagnostic[]): string[] {
  const ordered = [...errorsOf(list), ...warningsOf(list)];
  const lines = ordered.slice(0, MAX_ANNOTATIONS).map((d) =>
    annotationLine(d.severity, `${d.message}${d.hint ? ` — ${d.hint}` : ''}`, { title: 'fleet validate', file: d.file, line: d.line, col: d.col }));
  if (ordered.length > MAX_ANNOTATIONS) lines.push(annotationLine('notice', `${ordered.length - MAX_ANNOTATIONS} more problem(s) are listed in the job summary`));
  return lines;
}

/** Appends a Markdown table of every problem to the job summary file, when there is one. */
function writeStepSummary(path: string | undefined, list: Diagnostic[], summary: string): void {
  if (!path) return;
  const rows = list.map((d) => `| \`${d.file}:${d.line}:${d.col}\` | ${d.severity} | ${markdownText(d.message)}${d.hint ? ` — ${markdownText(d.hint)}` : ''} |`);
  const table = rows.length ? ['', '| where | severity | problem |', '| --- | --- | --- |', ...rows] : [];
  appendFileSync(path, ['### fleet validate', '', summary, ...table, ''].join('\n') + '\n');
}
