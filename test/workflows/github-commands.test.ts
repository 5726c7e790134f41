// The `fleet github …` commands run the way the workflows run them (GITHUB_ACTIONS,
// GITHUB_REPOSITORY, GITHUB_API_URL, RUNNER_TEMP, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT) against
// the GitHub stand-in, which refuses every request the real API would refuse.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Octokit } from 'octokit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../stand-ins/github/index.ts';
import { cleanTemps, fleet, NOW, tempDir } from './helpers.ts';

const PLAN_MARKER = '<!-- boxfleet-plan -->';
let gh: GitHubStandIn;
let dir: string;

function actionsEnv(): NodeJS.ProcessEnv {
  dir = tempDir();
  writeFileSync(join(dir, 'summary.md'), '');
  writeFileSync(join(dir, 'output'), '');
  return {
    GITHUB_ACTIONS: 'true', GITHUB_TOKEN: 'test-token', GITHUB_REPOSITORY: 'acme/fleet', GITHUB_API_URL: gh.url,
    GITHUB_REF_NAME: 'main', RUNNER_TEMP: dir, GITHUB_STEP_SUMMARY: join(dir, 'summary.md'), GITHUB_OUTPUT: join(dir, 'output'),
  };
}
const summary = () => readFileSync(join(dir, 'summary.md'), 'utf8');

beforeAll(async () => { gh = await startGitHubStandIn({ clock: () => new Date(NOW) }); });
afterAll(async () => { await gh.stop(); cleanTemps(); });
afterEach(() => { expect(gh.violations).toEqual([]); });

describe('fleet github plan-comment', () => {
  it('posts the plan `fleet plan --format md` wrote, then updates that one comment in place', async () => {
    gh.addPullRequest(7);
    const env = actionsEnv();
    // A human comment on the PR must stay untouched.
    const human = new Octokit({ auth: 'human', baseUrl: gh.url, retry: { enabled: false }, throttle: { enabled: false } });
    await human.rest.issues.createComment({ owner: 'acme', repo: 'fleet', issue_number: 7, body: 'LGTM once the plan is green' });

    const plan = await fleet(['plan', '--base', 'HEAD', '--format', 'md'], {});
    expect(plan.code).toBe(0);
    expect(plan.out.startsWith(PLAN_MARKER)).toBe(true);
    writeFileSync(join(dir, 'plan.md'), plan.out);

    const first = await fleet(['github', 'plan-comment', '--pr', '7', '--file', join(dir, 'plan.md')], env);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/plan comment posted: https:\/\/github\.com\/acme\/fleet\/issues\/7#issuecomment-\d+/);
    const pr = () => gh.issues.find((i) => i.number === 7)!;
    expect(pr().comments).toHaveLength(2);
    const id = pr().comments[1].id;

    // The next push: a new plan, written with `npm run` (banner first) by mistake.
    writeFileSync(join(dir, 'plan.md'), `\n> boxfleet@0.1.0 fleet\n> tsx scripts/fleet.ts plan\n\n${PLAN_MARKER}\n## Plan\n\nsecond version\n`);
    const second = await fleet(['github', 'plan-comment', '--pr', '7', '--file', join(dir, 'plan.md')], env);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/plan comment updated/);
    expect(pr().comments).toHaveLength(2);
    expect(pr().comments[1].id).toBe(id);
    expect(pr().comments[1].body).toBe(`${PLAN_MARKER}\n## Plan\n\nsecond version\n`);
    expect(pr().comments[0].body).toBe('LGTM once the plan is green');
    expect(summary()).toMatch(/Plan comment posted on #7[\s\S]*Plan comment updated on #7/);
    expect(gh.requests.filter((r) => r.operationId === 'issues/update-comment')).toHaveLength(1);
  });

  it('a plan longer than a comment can hold is cut with a note', async () => {
    gh.addPullRequest(8);
    const env = actionsEnv();
    writeFileSync(join(dir, 'plan.md'), `${PLAN_MARKER}\n${'x'.repeat(80_000)}`);
    expect((await fleet(['github', 'plan-comment', '--pr', '8', '--file', join(dir, 'plan.md')], env)).code).toBe(0);
    const body = gh.issues.find((i) => i.number === 8)!.comments[0].body;
    expect(body.length).toBeLessThan(65_536);
    expect(body).toMatch(/longer than a comment can hold/);
  });

  it('with --head-sha it posts nothing unless the pull request\'s head can be confirmed', async () => {
    // A pull request that has moved on (or another one the artifact names) gets nothing;
    // one the API does not know fails closed.
    gh.addPullRequest(9, 'moved on', { sha: 'b'.repeat(40), repo: 'mallory/fleet' });
    const env = actionsEnv();
    writeFileSync(join(dir, 'plan.md'), `${PLAN_MARKER}\nplan`);
    const r = await fleet(['github', 'plan-comment', '--pr', '9', '--head-sha', 'a'.repeat(40), '--file', join(dir, 'plan.md')], env);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`pull request #9 is at ${'b'.repeat(12)}, not ${'a'.repeat(12)}`);
    expect(gh.issues.find((i) => i.number === 9)!.comments).toHaveLength(0);
    const gone = await fleet(['github', 'plan-comment', '--pr', '99', '--head-sha', 'a'.repeat(40), '--file', join(dir, 'plan.md')], env);
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/reading pull request #99 failed \(HTTP 404\)/);
  });

  it('refuses without a token, and never prints the token', async () => {
    const env = { ...actionsEnv(), GITHUB_TOKEN: '' };
    writeFileSync(join(dir, 'plan.md'), 'p');
    const r = await fleet(['github', 'plan-comment', '--pr', '7', '--file', join(dir, 'plan.md')], env);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/GITHUB_TOKEN is not set/);
    const bad = await fleet(['github', 'plan-comment', '--pr', 'seven', '--file', 'x'], actionsEnv());
    expect(bad.code).toBe(2);
    expect(`${bad.out}${bad.err}`).not.toMatch(/test-token/);
    // The PR number comes from a file a fork's run wrote: what it echoes starts no workflow command.
    const forged = await fleet(['github', 'plan-comment', '--pr', '1\n::error::X', '--file', 'x'], actionsEnv());
    expect(forged.code).toBe(2);
    expect(forged.err).toContain('not "1\\n::error::X"');
    expect(forged.err.split('\n').some((l) => l.startsWith('::'))).toBe(false);
  });
});

describe('fleet github drift-issue', () => {
  it('opens one drift issue, updates it while drift lasts, closes it with a comment after', async () => {
    const env = actionsEnv();
    const report = join(dir, 'drift.md');
    const drift = () => gh.issues.filter((i) => i.labels.includes('drift'));

    writeFileSync(report, '| node | state |\n|---|---|\n| tokyo-1 | live config differs |\n');
    const opened = await fleet(['github', 'drift-issue', '--file', report, '--drifted'], env);
    expect(opened.code).toBe(0);
    expect(opened.out).toMatch(/drift issue #\d+ opened/);
    expect(drift()).toHaveLength(1);
    expect(drift()[0].body).toContain('tokyo-1 | live config differs');

    writeFileSync(report, '| node | state |\n|---|---|\n| frankfurt-1 | unreachable |\n');
    const updated = await fleet(['github', 'drift-issue', '--file', report, '--drifted'], env);
    expect(updated.out).toMatch(/updated/);
    expect(drift()).toHaveLength(1);
    expect(drift()[0].body).toContain('frankfurt-1 | unreachable');
    expect(drift()[0].body).not.toContain('tokyo-1');

    writeFileSync(report, 'Every node is in sync.\n');
    const closed = await fleet(['github', 'drift-issue', '--file', report], env);
    expect(closed.out).toMatch(/closed/);
    expect(drift()[0].state).toBe('closed');
    expect(drift()[0].comments.map((c) => c.body)).toEqual([`No drift any more as of ${new Date(NOW).toISOString()}: every node runs what Git says.`]);

    const quiet = await fleet(['github', 'drift-issue', '--file', report], env);
    expect(quiet.out).toBe('no drift, and no open drift issue');
    expect(drift()).toHaveLength(1);
    expect(summary()).toMatch(/### Drift[\s\S]*opened[\s\S]*updated[\s\S]*closed/);
  });
});

describe('fleet github dispatch', () => {
  it('starts pages.yml through workflow_dispatch on the run\'s branch, retrying a transient failure', async () => {
    const env = actionsEnv();
    gh.failNext({ status: 502 });
    const r = await fleet(['github', 'dispatch', 'pages.yml'], env);
    expect(r.code).toBe(0);
    expect(gh.dispatches.at(-1)).toEqual({ workflow_id: 'pages.yml', ref: 'main', inputs: undefined });
    const d = await fleet(['github', 'dispatch', 'deploy.yml', '--ref', 'main', '--input', 'nodes=tokyo-1'], env);
    expect(d.code).toBe(0);
    expect(gh.dispatches.at(-1)).toEqual({ workflow_id: 'deploy.yml', ref: 'main', inputs: { nodes: 'tokyo-1' } });
    expect(summary()).toMatch(/dispatched pages\.yml on main[\s\S]*dispatched deploy\.yml on main with nodes/);
  });

  it('refuses what is not a workflow file or an input', async () => {
    const env = actionsEnv();
    expect((await fleet(['github', 'dispatch', '../x'], env)).code).toBe(2);
    expect((await fleet(['github', 'dispatch', 'pages.yml', '--input', 'novalue'], env)).code).toBe(2);
  });
});

describe('fleet github rollout-commit', () => {
  // A repository whose branch main pointed at `first`, then at the merge of a pull request
  // whose own commit (`inside`) it never pointed at; `side` is on a branch never merged.
  function repo(): { root: string; first: string; second: string; inside: string; side: string } {
    const root = tempDir('boxfleet-rollout-');
    const git = (...a: string[]) => execFileSync('git', a, { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', HOME: root } }).trim();
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'ops@example.com');
    git('config', 'user.name', 'ops');
    const commit = (msg: string) => { git('commit', '-q', '--allow-empty', '-m', msg); return git('rev-parse', 'HEAD'); };
    const first = commit('users: add alice');
    git('checkout', '-q', '-b', 'side');
    const side = commit('users: add mallory');
    git('checkout', '-q', '-b', 'pr', 'main');
    const inside = commit('nodes: tokyo-1 moves to port 8444, half done');
    git('checkout', '-q', 'main');
    git('merge', '-q', '--no-ff', '-m', 'Merge pull request #7', 'pr');
    const second = git('rev-parse', 'HEAD');
    return { root, first, second, inside, side };
  }
  const output = () => readFileSync(join(dir, 'output'), 'utf8');
  const shaOutput = (sha: string) => new RegExp(`^sha<<(EOF_[0-9a-f]+)\\n${sha}\\n\\1\\n$`);
  type Conclusion = 'success' | 'failure' | 'skipped' | null;
  const job = (name: string, conclusion: Conclusion, completed_at?: string) =>
    ({ name, status: conclusion === null ? 'in_progress' as const : 'completed' as const, conclusion, ...(completed_at ? { completed_at } : {}) });
  const deployRun = (head_sha: string, event: string, jobs: ReturnType<typeof job>[], conclusion: 'success' | 'failure' | null = 'success') =>
    gh.addRun({ workflow: 'deploy.yml', branch: 'main', head_sha, event, status: conclusion === null ? 'in_progress' : 'completed', conclusion, jobs });

  it('names the commit of the last rollout to every node, never a tip whose rollout failed, is running, or reached some nodes only', async () => {
    const { root, first, second } = repo();
    deployRun(first, 'push', [job('deploy', 'success'), job('rolled-out', 'success', '2026-11-26T10:00:00Z'), job('publish', 'success')]);
    // The push after it: its rollout failed on a node and was rolled back.
    deployRun(second, 'push', [job('deploy', 'failure'), job('rolled-out', 'skipped'), job('publish', 'skipped')], 'failure');
    // Then a run by hand for one node: it succeeded, but the other nodes still run `first`.
    deployRun(second, 'workflow_dispatch', [job('deploy', 'success'), job('rolled-out', 'skipped'), job('publish', 'skipped')]);
    // And the daily run, still rolling out.
    deployRun(second, 'schedule', [job('deploy', null), job('rolled-out', null), job('publish', null)], null);
    // Another workflow's successful run of the tip counts for nothing.
    gh.addRun({ workflow: 'pages.yml', branch: 'main', head_sha: second, event: 'workflow_dispatch', status: 'completed', conclusion: 'success', jobs: [job('rolled-out', 'success')] });

    const env = actionsEnv();
    const r = await fleet(['github', 'rollout-commit'], env, root);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^site commit: ${first} \\(the last rollout to every node: deploy\\.yml run \\d+, push, done 2026-11-26T10:00:00Z\\)$`));
    expect(output()).toMatch(shaOutput(first));
    expect(summary()).toContain(`### Site commit\n\nsite commit: ${first}`);

    // Every node took the daily run's commit; its publish job failed afterwards (the probe
    // manifest, the dispatch): the nodes run `second` all the same.
    const daily = gh.runs.at(-2)!;
    Object.assign(daily, { status: 'completed', conclusion: 'failure', jobs: [job('deploy', 'success'), job('rolled-out', 'success', '2026-11-26T11:00:00Z'), job('publish', 'failure')] });
    expect((await fleet(['github', 'rollout-commit'], actionsEnv(), root)).code).toBe(0);
    expect(output()).toMatch(shaOutput(second));

    // Someone re-runs the first deploy: the nodes are back on `first`, though its run is older.
    Object.assign(gh.runs[0]!, { run_attempt: 2, jobs: [job('deploy', 'success'), job('rolled-out', 'success', '2026-11-26T11:30:00Z'), job('publish', 'success')] });
    const rerun = await fleet(['github', 'rollout-commit'], actionsEnv(), root);
    expect(rerun.out).toMatch(new RegExp(`^site commit: ${first} \\(.* run \\d+ attempt 2, push, done 2026-11-26T11:30:00Z\\)$`));
    expect(output()).toMatch(shaOutput(first));
    gh.runs.splice(0);
  });

  it('reads every page of a sharded run\'s jobs', async () => {
    const { root, second } = repo();
    const shards = Array.from({ length: 180 }, () => job('shard', 'success'));
    deployRun(second, 'workflow_dispatch', [job('shard-plan', 'success'), job('canary', 'success'), ...shards, job('rolled-out', 'success'), job('publish', 'success')]);
    const r = await fleet(['github', 'rollout-commit'], actionsEnv(), root);
    expect(r.code, r.err).toBe(0);
    expect(output()).toMatch(shaOutput(second));
    expect(gh.requests.filter((q) => q.operationId === 'actions/list-jobs-for-workflow-run').length).toBeGreaterThanOrEqual(2);
    gh.runs.splice(0);
  });

  it('takes a commit given by hand only from the branch\'s own history, and says what to do when no rollout is known', async () => {
    const { root, first, second, inside, side } = repo();
    const env = actionsEnv();
    const given = await fleet(['github', 'rollout-commit', '--commit', first], env, root);
    expect(given.code).toBe(0);
    expect(given.out).toBe(`site commit: ${first} (given with --commit)`);
    expect(output()).toMatch(shaOutput(first));
    expect((await fleet(['github', 'rollout-commit', '--commit', second], actionsEnv(), root)).code).toBe(0);

    // Another branch, the inside of a merged pull request, a commit this checkout lacks.
    for (const sha of [side, inside, 'f'.repeat(40)]) {
      const r = await fleet(['github', 'rollout-commit', '--commit', sha], actionsEnv(), root);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`commit ${sha} is not one main pointed at (its first-parent history`);
      expect(output()).toBe('');
    }
    const short = await fleet(['github', 'rollout-commit', '--commit', first.slice(0, 12)], actionsEnv(), root);
    expect(short.code).toBe(2);
    expect(short.err).toContain('--commit takes a full commit SHA');

    // Never deployed to every node (only by hand for some): nothing is built.
    deployRun(first, 'workflow_dispatch', [job('deploy', 'success'), job('rolled-out', 'skipped'), job('publish', 'skipped')]);
    const none = await fleet(['github', 'rollout-commit'], actionsEnv(), root);
    expect(none.code).toBe(1);
    expect(none.err).toContain('no rollout to every node on main among the last 1 deploy.yml runs (none whose rolled-out job succeeded)');
    expect(none.err).toContain('run the deploy workflow');
    expect(none.err).not.toMatch(/\n\s+at /);
    expect(output()).toBe('');
    gh.runs.splice(0);
  });
});
