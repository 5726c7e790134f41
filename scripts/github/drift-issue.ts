// `fleet github drift-issue`: the daily drift check keeps exactly one open issue while the
// fleet differs from Git, updates it in place, and closes it (with a comment saying when)
// once nothing drifts any more. One issue, not one per day, so the inbox stays readable.
import { readFileSync } from 'node:fs';
import { rootPath, EXIT, OperationError, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { apiFailure, githubClient } from './client.ts';
import { MAX_BODY } from './plan-comment.ts';
import { addSummary } from './summary.ts';

export const DRIFT_MARKER = '<!-- boxfleet-drift -->';
export const DRIFT_LABEL = 'drift';
const TITLE = 'Fleet drift: nodes differ from Git';

export async function runDriftIssue(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const file = args.options.file as string | undefined;
  if (!file) throw new UsageError('--file FILE is required (the output of `fleet drift --format md`)');
  let report: string;
  try { report = readFileSync(rootPath(ctx, file), 'utf8').trim(); } catch { throw new OperationError(`cannot read ${file}`); }
  const drifted = args.options.drifted === true;
  const gh = githubClient(ctx);
  const repo = { owner: gh.owner, repo: gh.repo };

  let open: { number: number; html_url: string } | undefined;
  try {
    const issues = await gh.octokit.paginate(gh.octokit.rest.issues.listForRepo, { ...repo, state: 'open', labels: DRIFT_LABEL, per_page: 100 });
    // The marker, not the title, identifies our issue: people rename titles.
    open = issues.filter((i) => !i.pull_request && (i.body ?? '').includes(DRIFT_MARKER)).sort((a, b) => a.number - b.number)[0];
  } catch (e) { throw apiFailure('listing open drift issues', e); }

  const stamp = ctx.now.toISOString();
  let line: string;
  try {
    if (drifted) {
      const body = `${DRIFT_MARKER}\nLast checked ${stamp}. Deploy to bring the nodes back to what Git says, or change Git to match.\n\n${report}`.slice(0, MAX_BODY);
      if (open) {
        await gh.octokit.rest.issues.update({ ...repo, issue_number: open.number, body });
        line = `drift issue #${open.number} updated: ${open.html_url}`;
      } else {
        const made = await gh.octokit.rest.issues.create({ ...repo, title: TITLE, body, labels: [DRIFT_LABEL] });
        line = `drift issue #${made.data.number} opened: ${made.data.html_url}`;
      }
    } else if (open) {
      await gh.octokit.rest.issues.createComment({ ...repo, issue_number: open.number, body: `No drift any more as of ${stamp}: every node runs what Git says.` });
      await gh.octokit.rest.issues.update({ ...repo, issue_number: open.number, state: 'closed', state_reason: 'completed' });
      line = `drift issue #${open.number} closed: no drift any more`;
    } else {
      line = 'no drift, and no open drift issue';
    }
  } catch (e) { throw apiFailure('updating the drift issue', e); }
  ctx.io.out(line);
  addSummary(ctx, `### Drift\n\n${line}\n`);
  return EXIT.ok;
}
