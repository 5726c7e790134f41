// `fleet github rollout-commit`: the commit pages.yml builds the site from. A profile may only
// name credentials, ports and keys the nodes already accept, so the site is built from the
// last rollout that reached every node (deploy.yml's publish job succeeded), not from the tip
// of the branch: a push whose rollout failed, was rolled back or is still running stays off
// the site, even when a probe run republishes it in the meantime (new health order).
import { simpleGit } from 'simple-git';
import { expectPositionals } from '../core/args.ts';
import { childEnv } from '../core/child-env.ts';
import { EXIT, OperationError, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { apiFailure, githubClient } from './client.ts';
import { addSummary, setOutput } from './summary.ts';

/** The workflow that rolls the fleet out, and its job that runs only after every node took it. */
export const DEPLOY_WORKFLOW = 'deploy.yml';
export const PUBLISH_JOB = 'publish';
/** Successful deploy runs looked at, newest first (a daily schedule makes one a day at least). */
export const MAX_RUNS = 30;

const COMMIT_ID = /^[0-9a-f]{40}$/;

export interface Rollout { sha: string; source: string }

export async function runRolloutCommit(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  expectPositionals(args, 0, 'no arguments');
  const given = (args.options.commit as string | undefined)?.trim();
  const branch = (args.options.branch as string | undefined) ?? ctx.env.GITHUB_REF_NAME ?? 'main';
  if (given && !COMMIT_ID.test(given)) {
    throw new UsageError(`--commit takes a full commit SHA (40 lowercase hex digits), not "${given.replace(/[^\x20-\x7e]/g, '?').slice(0, 80)}"`);
  }
  const rollout = given ? { sha: given, source: 'given with --commit' } : await lastRollout(ctx, branch);
  await requireOnBranch(ctx.root, rollout.sha, branch);
  setOutput(ctx, 'sha', rollout.sha);
  const line = `site commit: ${rollout.sha} (${rollout.source})`;
  ctx.io.out(line);
  addSummary(ctx, `### Site commit\n\n${line}\n`);
  return EXIT.ok;
}

/** The head commit of the newest successful deploy run whose publish job succeeded. */
async function lastRollout(ctx: CommandContext, branch: string): Promise<Rollout> {
  const gh = githubClient(ctx);
  const base = { owner: gh.owner, repo: gh.repo };
  let runs;
  try {
    runs = (await gh.octokit.rest.actions.listWorkflowRuns({ ...base, workflow_id: DEPLOY_WORKFLOW, branch, status: 'success', per_page: MAX_RUNS })).data.workflow_runs;
  } catch (e) { throw apiFailure(`listing ${DEPLOY_WORKFLOW} runs on ${branch}`, e); }
  for (const run of runs) {
    let jobs;
    try {
      jobs = (await gh.octokit.rest.actions.listJobsForWorkflowRun({ ...base, run_id: run.id, filter: 'latest', per_page: 100 })).data.jobs;
    } catch (e) { throw apiFailure(`listing the jobs of ${DEPLOY_WORKFLOW} run ${run.id}`, e); }
    // A run by hand for some nodes skips publish: the other nodes may not run its commit.
    if (!jobs.some((j) => j.name === PUBLISH_JOB && j.conclusion === 'success')) continue;
    if (!COMMIT_ID.test(run.head_sha)) throw new OperationError(`${DEPLOY_WORKFLOW} run ${run.id} names no commit SHA`);
    return { sha: run.head_sha, source: `the last rollout to every node: ${DEPLOY_WORKFLOW} run ${run.run_number ?? run.id}, ${run.event}, ${run.created_at}` };
  }
  throw new OperationError(
    `no rollout to every node on ${branch} among the last ${runs.length} successful ${DEPLOY_WORKFLOW} runs, so no commit is known whose profiles the nodes accept — `
    + `run the deploy workflow (its publish job starts this one), or start pages.yml with the input commit set to a full SHA every node runs`,
  );
}

/**
 * Only a commit of the branch is built: a SHA from another branch (or one a force-push took
 * off it) would publish users and workflow code that were never reviewed into it.
 */
async function requireOnBranch(root: string, sha: string, branch: string): Promise<void> {
  const git = simpleGit({ baseDir: root }).env(childEnv());
  let base: string;
  try {
    // (simple-git reports a failed command only when it wrote to stderr: `merge-base
    // --is-ancestor` exits 1 silently, so compare the merge base instead.)
    base = (await git.raw(['merge-base', sha, 'HEAD'])).trim();
  } catch {
    throw new OperationError(`commit ${sha} is not in this checkout — check out ${branch} with its history (actions/checkout with fetch-depth: 0)`);
  }
  if (base !== sha) throw new OperationError(`commit ${sha} is not on ${branch} (checked out at HEAD): the site is only built from the branch's own history`);
}
