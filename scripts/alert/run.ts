// `fleet incidents`: status store → decisions → GitHub issues → one Telegram summary.
// The channels are independent: a GitHub failure still lets Telegram report, a Telegram
// failure never undoes GitHub's work; either makes the exit code 1, after everything else ran.
import { requireFleet } from '../model/require.ts';
import { rootPath, EXIT, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { githubClient } from '../github/client.ts';
import { addSummary, cell } from '../github/summary.ts';
import { readStatus } from '../status/reader.ts';
import { requireStatusDir } from '../status/store.ts';
import { decide, type Action, type Plan } from './decide.ts';
import { applyActions, closeDuplicates, listIncidents, type Outcome } from './github.ts';
import type { OpenIncident } from './state.ts';
import { recordIncidents } from '../status/ops.ts';
import { branchRef } from '../status/ref.ts';
import { incidentEvents } from './history.ts';
import { sendTelegram } from './telegram.ts';
import { describe, esc, telegramLine, telegramRecovery } from './text.ts';

interface Report {
  dry_run: boolean;
  actions: { kind: Action['kind']; node: string; state?: string; issue?: string; ok: boolean; error?: string }[];
  waiting: Plan['waiting']; pending: Plan['pending']; quiet: Plan['quiet'];
  github: { ok: boolean; note?: string };
  telegram: { ok: boolean; sent: number; note?: string };
  history?: { ok: boolean; recorded: number; note?: string };
}

const stateOf = (a: Action): string | undefined => (a.kind === 'open' || a.kind === 'change' ? describe(a.state) : undefined);

export async function runIncidents(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const dir = rootPath(ctx, (args.options.status as string | undefined) ?? 'build/status');
  requireStatusDir(dir, ctx.root);
  const dryRun = args.options['dry-run'] === true;
  const format = args.options.format as 'text' | 'json' | 'github';
  const fleet = requireFleet(ctx);
  const view = readStatus(dir);
  const log = (l: string) => ctx.io.err(l);
  const report: Report = { dry_run: dryRun, actions: [], waiting: [], pending: [], quiet: [], github: { ok: true }, telegram: { ok: true, sent: 0 } };

  // 1. What is open. Without it we cannot tell a new incident from an old one, so a failed
  //    listing means no issue work this run (Telegram still says so, below).
  let open = new Map<string, OpenIncident>();
  let gh: ReturnType<typeof githubClient> | undefined;
  if (dryRun) {
    report.github.note = 'dry run: no GitHub calls, so every node is treated as having no open incident';
  } else {
    try {
      gh = githubClient(ctx);
      const listed = await listIncidents(gh);
      open = listed.open;
      for (const note of await closeDuplicates(gh, listed.duplicates)) log(note);
    } catch (e) {
      gh = undefined;
      report.github = { ok: false, note: `listing open incidents failed: ${(e as { status?: number }).status ? `HTTP ${(e as { status: number }).status}: ` : ''}${(e as Error).message}` };
    }
  }

  // 2. Decide and act.
  const plan = decide(fleet, view, open, ctx.now);
  Object.assign(report, { waiting: plan.waiting, pending: plan.pending, quiet: plan.quiet });
  let outcomes: Outcome[] = plan.actions.map((action) => ({ action, ok: true }));
  if (gh) {
    outcomes = await applyActions(gh, fleet, view, plan.actions);
    if (outcomes.some((o) => !o.ok)) report.github = { ok: false, note: `${outcomes.filter((o) => !o.ok).length} issue action(s) failed` };
  } else if (!dryRun) {
    outcomes = [];
  }
  report.actions = outcomes.map((o) => ({ kind: o.action.kind, node: o.action.node.name, state: stateOf(o.action), ...(o.url ? { issue: o.url } : {}), ok: o.ok, ...(o.error ? { error: o.error } : {}) }));

  // 3. The incident history on the status branch (what GitHub really did), when asked. A
  //    step of an incident that another run recorded first (two runs deciding at once) is
  //    not announced again below.
  const toldElsewhere = new Set<Outcome>();
  if (args.options.history === true && !dryRun) {
    const eventsOf = outcomes.map((o) => incidentEvents([o], ctx.now));
    const events = eventsOf.flat();
    if (events.length) {
      try {
        const r = await recordIncidents(branchRef(ctx, args), events);
        let i = 0;
        eventsOf.forEach((evs, k) => {
          const fresh = r.fresh.slice(i, (i += evs.length));
          if (evs.length && !fresh.some(Boolean)) toldElsewhere.add(outcomes[k]!);
        });
        report.history = { ok: true, recorded: r.added, ...(toldElsewhere.size ? { note: `${toldElsewhere.size} already recorded by another run, not announced again` } : {}) };
      } catch (e) {
        report.history = { ok: false, recorded: 0, note: (e as Error).message };
      }
    }
  }

  // 4. One Telegram summary of what changed (what GitHub really did, so a retry next run
  //    does not announce the same incident twice). When GitHub failed, the nodes that
  //    crossed the threshold are still named, marked as unwritten: the chat must not stay
  //    silent about an outage because the issue tracker is down. They repeat each run until
  //    GitHub works again, which is the honest "state unknown".
  const lines = outcomes.filter((o) => o.ok && !toldElsewhere.has(o)).flatMap((o) => {
    const line = telegramLine(o.action, o.url);
    return line ? [line, ...telegramRecovery(o.action, view)] : [];
  });
  const unwritten = gh ? outcomes.filter((o) => !o.ok).map((o) => o.action) : dryRun ? [] : plan.actions;
  for (const a of unwritten) if (a.kind === 'open') lines.push(`${telegramLine(a, undefined)} (no issue written: GitHub failed)`);
  if (!report.github.ok) lines.push(`❗ GitHub: ${esc(report.github.note ?? 'failed')}; issues may be out of date`);
  if (plan.waiting.length && lines.length) lines.push(`⏳ ${plan.waiting.length} more node(s) in trouble wait for the next run: ${esc(plan.waiting.map((w) => w.node).join(', '))}`);
  if (lines.length) lines.unshift(`<b>${esc(fleet.settings.name)}: incidents</b>`);
  const token = ctx.env.TELEGRAM_BOT_TOKEN;
  const chatId = ctx.env.TELEGRAM_CHAT_ID || fleet.settings.alerts.telegram_chat_id;
  if (lines.length === 0) report.telegram.note = 'nothing to report';
  else if (dryRun) report.telegram.note = `dry run: would send ${lines.length - 1} line(s)`;
  else if (!token) report.telegram.note = 'skipped: TELEGRAM_BOT_TOKEN is not set';
  else if (!chatId) report.telegram.note = 'skipped: no chat id (fleet.yaml alerts.telegram_chat_id or TELEGRAM_CHAT_ID)';
  else {
    const maxWait = Number(ctx.env.TELEGRAM_MAX_WAIT_SECONDS ?? 60);
    try {
      report.telegram.sent = await sendTelegram({ token, chatId, baseUrl: ctx.env.TELEGRAM_API_URL || 'https://api.telegram.org', maxWaitSeconds: Number.isFinite(maxWait) ? maxWait : 60, log }, lines);
    } catch (e) {
      report.telegram = { ok: false, sent: 0, note: (e as Error).message };
    }
  }

  print(ctx, format, report);
  return report.github.ok && report.telegram.ok && (report.history?.ok ?? true) ? EXIT.ok : EXIT.failed;
}

function textLines(r: Report): string[] {
  const out = r.actions.map((a) => `${r.dry_run ? 'would ' : ''}${a.kind} ${a.node}${a.state ? ` (${a.state})` : ''}${a.issue ? ` ${a.issue}` : ''}${a.ok ? '' : ` FAILED: ${a.error}`}`);
  for (const w of r.waiting) out.push(`waiting ${w.node}: in trouble since ${w.since}, over max_new_issues_per_run`);
  for (const p of r.pending) out.push(`pending ${p.node}: ${p.state} since ${p.since} (${p.runs} run(s)), below the open threshold`);
  for (const q of r.quiet) out.push(`quiet ${q.node}: in trouble but ${q.why === 'maintenance' ? 'under maintenance' : 'disabled'}`);
  if (out.length === 0) out.push('no incidents to open, update or close');
  out.push(`github: ${r.github.ok ? 'ok' : 'FAILED'}${r.github.note ? ` (${r.github.note})` : ''}`);
  out.push(`telegram: ${r.telegram.ok ? `${r.telegram.sent} message(s)` : 'FAILED'}${r.telegram.note ? ` (${r.telegram.note})` : ''}`);
  if (r.history) out.push(`history: ${r.history.ok ? `${r.history.recorded} event(s) recorded on the status branch${r.history.note ? ` (${r.history.note})` : ''}` : `FAILED (${r.history.note ?? 'not recorded'})`}`);
  return out;
}

function print(ctx: CommandContext, format: 'text' | 'json' | 'github', r: Report): void {
  if (format === 'json') { ctx.io.out(JSON.stringify(r, null, 2)); return; }
  const lines = textLines(r);
  ctx.io.out(lines.join('\n'));
  if (format === 'github') {
    const rows = r.actions.map((a) => `| ${a.kind} | ${cell(a.node)} | ${cell(a.state ?? '')} | ${a.issue ?? ''} | ${a.ok ? 'ok' : cell(`failed: ${a.error ?? ''}`)} |`);
    addSummary(ctx, ['### Incidents', '', ...(rows.length ? ['| action | node | state | issue | result |', '|---|---|---|---|---|', ...rows, ''] : []),
      ...lines.slice(r.actions.length).map((l) => `- ${cell(l)}`), ''].join('\n'));
  }
}
