// `fleet github rollout-commit`: the commit pages.yml builds the site from. A profile may only
// name credentials, ports and keys the nodes already accept, so the site is built from the
// last rollout that reached every node (deploy.yml's rolled-out job succeeded), not from the tip
// of the branch: a push whose rollout failed, was rolled back or is still running stays off
// the site, even when a probe run republishes it in the meantime (new health order).
import { simpleGit } from 'simple-git';
import { expectPositionals } from '../core/args.ts';
import { childEnv } from '../core/child-env.ts';
import { EXIT, OperationError, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { apiFailure, githubClient } from './client.ts';
import { addSummary, setOutput } from './summary.ts';

/**
 * The workflow that rolls the fleet out, and its job that succeeds exactly when every node
 * took the run's commit (needs the rollout jobs, no steps that could fail after them).
 */
export const DEPLOY_WORKFLOW = 'deploy.yml';
export const ROLLOUT_JOB = 'rolled-out';
/**
 * Deploy runs looked at, newest first (a daily schedule makes one a day at least); a
 * re-run of an older one than these is not seen.
 */
export const MAX_RUNS = 20;

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

/**
 * The head commit of the deploy run whose rolled-out job finished last. Not simply the
 * newest run: a re-run of an older run keeps its place in the list, and it succeeds only
 * when no node runs a later commit of the branch (deploy/newer.ts), so its nodes do run
 * its commit. Runs of any status count (the publish job after the
 * rollout may still run, or have failed: the nodes run the commit either way).
 */
async function lastRollout(ctx: CommandContext, branch: string): Promise<Rollout> {
  const gh = githubClient(ctx);
  const base = { owner: gh.owner, repo: gh.repo };
  let runs;
  try {
    runs = (await gh.octokit.rest.actions.listWorkflowRuns({ ...base, workflow_id: DEPLOY_WORKFLOW, branch, per_page: MAX_RUNS })).data.workflow_runs;
  } catch (e) { throw apiFailure(`listing ${DEPLOY_WORKFLOW} runs on ${branch}`, e); }
  let best: { run: (typeof runs)[number]; at: string } | undefined;
  for (const run of runs) {
    let jobs;
    try {
      // A sharded deploy has a job per shard besides (`github shards` allows 256): read every page.
      jobs = await gh.octokit.paginate(gh.octokit.rest.actions.listJobsForWorkflowRun, { ...base, run_id: run.id, filter: 'latest', per_page: 100 });
    } catch (e) { throw apiFailure(`listing the jobs of ${DEPLOY_WORKFLOW} run ${run.id}`, e); }
    // A run by hand for some nodes skips it: the other nodes may not run its commit.
    const done = jobs.find((j) => j.name === ROLLOUT_JOB && j.conclusion === 'success' && j.completed_at);
    if (!done || !COMMIT_ID.test(run.head_sha)) continue;
    const at = done.completed_at!;
    if (!best || at > best.at) best = { run, at };
  }
  if (best) {
    const { run, at } = best;
    return { sha: run.head_sha, source: `the last rollout to every node: ${DEPLOY_WORKFLOW} run ${run.run_number}${(run.run_attempt ?? 1) > 1 ? ` attempt ${run.run_attempt}` : ''}, ${run.event}, done ${at}` };
  }
  throw new OperationError(
    `no rollout to every node on ${branch} among the last ${runs.length} ${DEPLOY_WORKFLOW} runs (none whose ${ROLLOUT_JOB} job succeeded), so no commit is known whose profiles the nodes accept — `
    + `run the deploy workflow (it starts this one when every node took its commit), or start pages.yml with the input commit set to a full SHA every node runs`,
  );
}

/**
 * Only a commit of the branch itself is built: one the branch pointed at (first-parent
 * history), not one from another branch, from inside a merged pull request (never deployed
 * as a whole), or one a force-push took off it. These would publish users and code that
 * were never reviewed or rolled out as they are.
 */
async function requireOnBranch(root: string, sha: string, branch: string): Promise<void> {
  const git = simpleGit({ baseDir: root }).env(childEnv());
  let history: string;
  try {
    history = await git.raw(['rev-list', '--first-parent', 'HEAD']);
  } catch {
    throw new OperationError(`the branch's history cannot be read here — check out ${branch} with its history (actions/checkout with fetch-depth: 0)`);
  }
  if (!history.split('\n').includes(sha)) {
    throw new OperationError(`commit ${sha} is not one ${branch} pointed at (its first-parent history, checked out at HEAD; a shallow checkout sees only its last commits: fetch-depth: 0): the site is only built from the branch's own commits`);
  }
}
