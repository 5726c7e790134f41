// #12 item 10: a fork's pull request cannot write its own plan comment. Its validate run
// runs its code, which could print "no changes"; plan-comment.yml must compute the plan
// with the default branch's code, reading the fork's fleet files as data. This test runs
// plan-comment.yml's own `run:` steps, in order, in a checkout of a local "GitHub"
// repository whose pull request changes both the fleet and the planning code, against the
// GitHub stand-in.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../stand-ins/github/index.ts';
import { cleanTemps, NOW, REPO, tempDir, workflow } from './helpers.ts';

const PLAN_MARKER = '<!-- boxfleet-plan -->';
const FORGED = 'No changes: this pull request changes nothing.';
const CERT_PATH = '/etc/ssl/x.crt[Approved_by_security](https://evil.example/)@acme/admins<!--';

/** Runs a step's script as the runner does (bash -eo pipefail), without blocking this process: the stand-in answers from it. */
function runStep(script: string, cwd: string, env: Record<string, string | undefined>): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, output }); });
  });
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8', timeout: 30_000 }).trim();
}

describe('plan-comment.yml for a fork\'s pull request', () => {
  let gh: GitHubStandIn;
  let dir: string;
  let checkout: string;
  let main: string;
  let head: string;

  beforeAll(async () => {
    gh = await startGitHubStandIn({ clock: () => new Date(NOW) });
    dir = tempDir('boxfleet-fork-plan-');
    // The repository's default branch: this project's code and demo fleet.
    const upstream = join(dir, 'upstream');
    mkdirSync(upstream);
    for (const p of ['package.json', 'tsconfig.json', 'scripts', 'fleet.yaml', 'nodes', 'users']) cpSync(join(REPO, p), join(upstream, p), { recursive: true });
    writeFileSync(join(upstream, '.gitignore'), 'node_modules\n');
    git(upstream, 'init', '-q');
    git(upstream, 'add', '-A');
    git(upstream, 'commit', '-qm', 'main');
    main = git(upstream, 'rev-parse', 'HEAD');
    // The fork's pull request: a new user, a node on a new port, and planning code that
    // claims nothing changes.
    git(upstream, 'checkout', '-qb', 'fork');
    writeFileSync(join(upstream, 'users', 'mallory-friend.yaml'), 'name: mallory-friend\nenabled: true\nrev: 1\n');
    const node = join(upstream, 'nodes', 'singapore-1.yaml');
    // Values the plan prints, written to add a link and a mention to the bot's comment and
    // hide the change after them in an HTML comment.
    writeFileSync(node, readFileSync(node, 'utf8').replace(/port: 443\b/, 'port: 8443')
      .replace(/certificate_path: \S+/, `certificate_path: "${CERT_PATH}"`).replace(/key_path: \S+/, 'key_path: "/etc/ssl/y.key-->"'));
    writeFileSync(join(upstream, 'scripts', 'fleet.ts'), `console.log(${JSON.stringify(`${PLAN_MARKER}\n${FORGED}`)});\n`);
    git(upstream, 'add', '-A');
    git(upstream, 'commit', '-qm', 'fork');
    head = git(upstream, 'rev-parse', 'HEAD');
    git(upstream, 'checkout', '-q', 'main');
    // GitHub keeps a fork's pull request head under refs/pull/N/head of the base repository.
    const bare = join(dir, 'origin.git');
    git(dir, 'clone', '-q', '--bare', upstream, bare);
    git(bare, 'update-ref', 'refs/pull/7/head', head);
    git(bare, 'update-ref', '-d', 'refs/heads/fork');
    // actions/checkout of the default branch.
    checkout = join(dir, 'checkout');
    git(dir, 'clone', '-q', `file://${bare}`, checkout);
    symlinkSync(join(REPO, 'node_modules'), join(checkout, 'node_modules'));
    gh.addPullRequest(7, 'add a friend', { sha: head, repo: 'mallory/fleet' });
    // The fork's author comments first, with the plan's marker: the bot must not take it for its own.
    gh.addComment(7, `${PLAN_MARKER}\n## boxfleet plan\n\n${FORGED}`, 'mallory');
  }, 120_000);

  afterAll(async () => { await gh?.stop(); cleanTemps(); if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('posts the plan its default branch computes from the fork\'s files, naming that code\'s commit', async () => {
    const temp = join(dir, 'runner-temp');
    mkdirSync(temp);
    const expressions: Record<string, string> = {
      '${{ github.event.workflow_run.head_sha }}': head,
      '${{ github.token }}': 'test-token',
    };
    const base = {
      PATH: process.env.PATH, HOME: process.env.HOME, RUNNER_TEMP: temp, GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'acme/fleet', GITHUB_API_URL: gh.url, GITHUB_STEP_SUMMARY: join(temp, 'summary.md'),
    };
    for (const step of workflow('plan-comment.yml').jobs.comment!.steps) {
      if (step.uses?.startsWith('actions/download-artifact@')) {
        // The artifact is whatever the fork's own validate run chose to upload: here the
        // PR number and a plan its code made up.
        const path = String(step.with?.path).replace('${{ runner.temp }}', temp);
        expect(path.startsWith(temp)).toBe(true);
        mkdirSync(path, { recursive: true });
        writeFileSync(join(path, 'pr.txt'), '7\n');
        writeFileSync(join(path, 'plan.md'), `${PLAN_MARKER}\n${FORGED}\n`);
        continue;
      }
      if (!step.run || step.run.startsWith('npm ci')) continue;
      const env: Record<string, string | undefined> = { ...base };
      for (const [k, v] of Object.entries(step.env ?? {})) {
        expect(expressions, `${step.name}: ${v}`).toHaveProperty([v]);
        env[k] = expressions[v];
      }
      const r = await runStep(step.run, checkout, env);
      expect(r.status, `${step.name}\n${r.output}`).toBe(0);
    }

    const comments = gh.issues.find((i) => i.number === 7)!.comments;
    expect(comments).toHaveLength(2);
    expect(comments[0]).toMatchObject({ author: 'mallory', body: expect.stringContaining(FORGED) });
    const body = comments[1]!.body;
    expect(comments[1]!.author).toBeUndefined(); // written through the API: the workflow's bot
    expect(body.startsWith(PLAN_MARKER)).toBe(true);
    expect(body).not.toContain(FORGED);
    expect(body).toContain('mallory-friend');
    expect(body).toContain('singapore-1');
    expect(body).toContain(`Computed by boxfleet at \`${main}\``);
    expect(body).toContain(head.slice(0, 12));
    // The values are shown, as text: no link, no mention, nothing hidden.
    expect(body).toContain('x.crt\\[Approved\\_by\\_security\\]');
    expect(body).toContain('y.key--&gt;');
    expect(body).not.toContain('](https://');
    expect(body).not.toContain('@acme');
    expect(body.split('<!--')).toHaveLength(2); // the marker's own, and no other
    // Nothing of the pull request was checked out.
    expect(git(checkout, 'rev-parse', 'HEAD')).toBe(main);
    expect(git(checkout, 'status', '--porcelain')).toBe('');
    expect(gh.violations).toEqual([]);
  }, 180_000);
});
