// `fleet github plan-comment`: one plan comment per pull request, updated in place on every
// push, so a busy PR shows the current plan instead of a stack of stale ones.
import { readFileSync } from 'node:fs';
import { intOption } from '../core/args.ts';
import { rootPath, EXIT, OperationError, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { apiFailure, githubClient } from './client.ts';
import { addSummary } from './summary.ts';

/** The first line of every plan `fleet plan --format md` writes, and of the comment. */
export const PLAN_MARKER = '<!-- boxfleet-plan -->';
/**
 * Who writes the plan comment: the workflow's GITHUB_TOKEN posts as this bot. Anyone who can
 * comment can write the marker, so only this account's comment is the one to update.
 */
export const ACTIONS_BOT = 'github-actions[bot]';
/** GitHub refuses comment bodies over 65,536 characters. */
export const MAX_BODY = 65_000;

/**
 * The comment body: the plan from its marker on. Anything before the marker (an npm banner
 * when the plan was written with `npm run` instead of `npm run -s`) is dropped; a file
 * without the marker gets it, so the next run still finds the comment.
 */
export function planBody(text: string, codeCommit?: string): string {
  const at = text.indexOf(PLAN_MARKER);
  const plan = at >= 0 ? text.slice(at) : `${PLAN_MARKER}\n${text}`;
  // Who computed it: a reader can tell a plan made by the repository's own code from one a
  // pull request's code could have written.
  const body = codeCommit ? `${plan.replace(/\n*$/, '\n')}\n_Computed by boxfleet at \`${codeCommit}\` (this repository's code; the pull request's fleet files read as data)._\n` : plan;
  if (body.length <= MAX_BODY) return body;
  return `${body.slice(0, MAX_BODY)}\n\n_The plan is longer than a comment can hold; the full plan is in the validate run's job summary._\n`;
}

export async function runPlanComment(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const pr = intOption(args, 'pr', 1, 1_000_000_000);
  if (pr === undefined) throw new UsageError('--pr N is required');
  const file = args.options.file as string | undefined;
  if (!file) throw new UsageError('--file FILE is required');
  let text: string;
  try { text = readFileSync(rootPath(ctx, file), 'utf8'); } catch { throw new OperationError(`cannot read ${file}`); }
  const headSha = args.options['head-sha'] as string | undefined;
  if (headSha !== undefined && !/^[0-9a-f]{40}$/.test(headSha)) throw new UsageError('--head-sha must be a full 40-hex commit SHA');
  const codeCommit = args.options['code-commit'] as string | undefined;
  if (codeCommit !== undefined && !/^[0-9a-f]{40}$/.test(codeCommit)) throw new UsageError('--code-commit must be a full 40-hex commit SHA');
  const body = planBody(text, codeCommit);
  const gh = githubClient(ctx);
  const where = { owner: gh.owner, repo: gh.repo, issue_number: pr };

  if (headSha) {
    // The PR number came from an artifact a fork wrote: post only when that PR's head is
    // the commit the validate run checked, so a fork cannot aim its plan at another PR.
    let actual: string;
    try { actual = (await gh.octokit.rest.pulls.get({ owner: gh.owner, repo: gh.repo, pull_number: pr })).data.head.sha; } catch (e) { throw apiFailure(`reading pull request #${pr}`, e); }
    if (actual !== headSha) throw new OperationError(`pull request #${pr} is at ${actual.slice(0, 12)}, not ${headSha.slice(0, 12)}: not posting this plan there`);
  }

  let existing: { id: number; html_url: string } | undefined;
  try {
    const comments = await gh.octokit.paginate(gh.octokit.rest.issues.listComments, { ...where, per_page: 100 });
    existing = comments.find((c) => c.user?.login === ACTIONS_BOT && c.user.type === 'Bot' && (c.body ?? '').startsWith(PLAN_MARKER));
  } catch (e) { throw apiFailure(`listing the comments of #${pr}`, e); }

  let url: string;
  let verb: string;
  try {
    if (existing) {
      url = (await gh.octokit.rest.issues.updateComment({ owner: gh.owner, repo: gh.repo, comment_id: existing.id, body })).data.html_url;
      verb = 'updated';
    } else {
      url = (await gh.octokit.rest.issues.createComment({ ...where, body })).data.html_url;
      verb = 'posted';
    }
  } catch (e) { throw apiFailure(`writing the plan comment on #${pr}`, e); }
  ctx.io.out(`plan comment ${verb}: ${url}`);
  addSummary(ctx, `### Plan\n\nPlan comment ${verb} on #${pr}: ${url}\n\n${body}`);
  return EXIT.ok;
}
