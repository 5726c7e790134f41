// `fleet github propose-recovery` (recovery.mode propose): every withdrawal with a standby
// in its place that is in effect on the status branch becomes one pull request that makes
// it permanent in nodes/<node>.yaml (recovery/proposal.ts writes the change). The branch is
// named by node, inbound and standby, and a pull request ever opened from it — open, closed
// or merged — means none is opened again: a flapping block yields at most one. Pull requests
// opened with the workflow's token start no workflow, so validate.yml is dispatched on the
// branch with the pull request's number. The commit is built from HEAD in a private index:
// the checkout's working tree and index are never touched.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, OperationError, rootPath, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { requireFleet } from '../model/require.ts';
import { proposalFor, type Proposal } from '../recovery/proposal.ts';
import { foldRecovery } from '../recovery/state.ts';
import { readStatus } from '../status/reader.ts';
import { requireStatusDir } from '../status/store.ts';
import type { RecoveryEvent } from '../status/types.ts';
import { clipText } from '../text/escape.ts';
import { apiFailure, githubClient, type GitHubClient } from './client.ts';
import { addSummary, cell } from './summary.ts';
import { childEnv } from '../core/child-env.ts';
import { byText } from '../core/order.ts';

const BOT = { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' };

export async function runProposeRecovery(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const dir = rootPath(ctx, (args.options.status as string | undefined) ?? 'build/status');
  requireStatusDir(dir, ctx.root);
  const fleet = requireFleet(ctx, { quiet: true });
  if (fleet.settings.recovery.mode !== 'propose') {
    ctx.io.out(`recovery.mode is ${fleet.settings.recovery.mode}: nothing is proposed`);
    return EXIT.ok;
  }
  const proposals = new Map<string, Proposal>();
  for (const e of inEffect(readStatus(dir).recovery())) {
    const file = join(ctx.root, 'nodes', `${e.node}.yaml`);
    const p = existsSync(file) ? proposalFor(fleet, e, readFileSync(file, 'utf8')) : undefined;
    if (p && !proposals.has(p.branch)) proposals.set(p.branch, p);
  }
  if (proposals.size === 0) { ctx.io.out('no withdrawal to propose'); return EXIT.ok; }

  const gh = githubClient(ctx);
  const base = (args.options.base as string | undefined) ?? ctx.env.GITHUB_REF_NAME ?? 'main';
  const lines: string[] = [];
  let failed = 0;
  for (const p of proposals.values()) {
    try {
      lines.push(await propose(ctx, gh, p, base));
    } catch (e) {
      failed++;
      lines.push(`${p.node}: not proposed: ${clipText((e as Error).message.split('\n')[0] ?? '', 300)}`);
    }
  }
  for (const l of lines) ctx.io.out(l);
  addSummary(ctx, ['### Recovery proposals', '', ...lines.map((l) => `- ${cell(l)}`), ''].join('\n'));
  return failed ? EXIT.failed : EXIT.ok;
}

/** The latest withdraw event of each withdrawal still in effect that put a standby in its place. */
function inEffect(events: readonly RecoveryEvent[]): RecoveryEvent[] {
  const state = foldRecovery(events);
  const out: RecoveryEvent[] = [];
  for (const [region, withdrawn] of state.withdrawn) {
    for (const [key, w] of withdrawn) {
      if (!w.standby) continue;
      const e = events.find((x) => x.action === 'withdraw' && x.region === region && `${x.node}/${x.inbound}` === key && x.t === w.since);
      if (e) out.push(e);
    }
  }
  return out.sort((a, b) => byText(a.t, b.t));
}

async function propose(ctx: CommandContext, gh: GitHubClient, p: Proposal, base: string): Promise<string> {
  let existing: { number: number; state: string }[];
  try {
    existing = (await gh.octokit.rest.pulls.list({ owner: gh.owner, repo: gh.repo, head: `${gh.owner}:${p.branch}`, state: 'all', per_page: 10 })).data;
  } catch (e) { throw apiFailure(`listing pull requests from ${p.branch}`, e); }
  if (existing.length > 0) return `${p.node}: already proposed in #${existing[0]!.number} (${existing[0]!.state}): ${p.title}`;

  const baseSha = pushProposal(ctx.root, p);
  let number: number;
  try {
    number = (await gh.octokit.rest.pulls.create({ owner: gh.owner, repo: gh.repo, head: p.branch, base, title: p.title, body: p.body })).data.number;
  } catch (e) {
    const refused = (e as { status?: number }).status === 403;
    const hint = refused ? ' — allow it under Settings → Actions → General → Workflow permissions → "Allow GitHub Actions to create and approve pull requests"' : '';
    throw new OperationError(`${apiFailure(`opening the pull request from ${p.branch}`, e).message}${hint}`);
  }
  try {
    await gh.octokit.rest.actions.createWorkflowDispatch({ owner: gh.owner, repo: gh.repo, workflow_id: 'validate.yml', ref: p.branch, inputs: { pr: String(number), base: baseSha } });
  } catch (e) { throw apiFailure(`opened #${number}, but dispatching validate.yml on ${p.branch}`, e); }
  return `${p.node}: proposed in #${number}, validation dispatched: ${p.title}`;
}

/** Commits the change on top of HEAD in a private index and pushes it to the branch; returns HEAD. */
function pushProposal(root: string, p: Proposal): string {
  const tmp = mkdtempSync(join(tmpdir(), 'boxfleet-proposal-'));
  const env = childEnv({ GIT_INDEX_FILE: join(tmp, 'index'), GIT_AUTHOR_NAME: BOT.name, GIT_AUTHOR_EMAIL: BOT.email, GIT_COMMITTER_NAME: BOT.name, GIT_COMMITTER_EMAIL: BOT.email });
  const git = (argv: string[], input?: string): string =>
    execFileSync('git', ['-C', root, ...argv], { env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 }).trim();
  try {
    const head = git(['rev-parse', 'HEAD']);
    // The fleet may live in a sub-folder of the repository.
    const path = `${git(['rev-parse', '--show-prefix'])}${p.file}`;
    git(['read-tree', head]);
    const blob = git(['hash-object', '-w', '--stdin'], p.text);
    git(['update-index', '--cacheinfo', `100644,${blob},${path}`]);
    const commit = git(['commit-tree', git(['write-tree']), '-p', head, '-F', '-'], `${p.title}\n\n${p.body}\n`);
    // The branch is ours alone (boxfleet/recovery/…) and has no pull request: replace it.
    git(['push', '--force', '--quiet', 'origin', `${commit}:refs/heads/${p.branch}`]);
    return head;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
