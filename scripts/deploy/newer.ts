// A deploy never takes a node back in history by accident. "Re-run jobs" on an old deploy
// run (GitHub re-runs it at its own commit), a shard of a sharded run re-run after a newer
// deploy, or a deploy from a stale local checkout would otherwise put old configs back on
// the nodes a newer deploy reached: a fleet split between two commits, users revoked
// since back in, and (the run succeeding) an old commit named as the last rollout, so the
// site built from it. A node whose marker names a commit of the deployed branch that came
// after this run's is left alone. Deploying the branch's tip is never refused, so rolling
// back on purpose is a revert on the branch, deployed like any change.
import { execFile } from 'node:child_process';
import { childEnv } from '../core/child-env.ts';

/** A full commit id: what deploy writes into a marker (the node's answer is hostile: nothing else reaches git). */
const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** A branch name as Git allows it, the characters that could start an option or a revision expression excluded. */
const BRANCH = /^(?!-)[A-Za-z0-9._/-]{1,200}$/;

/**
 * The exit status of `git -C root args…` (null: it could not run, or ran past its time).
 * Not simple-git: `merge-base --is-ancestor` answers by exit status (1 "no", 128 "unknown
 * commit"), which simple-git folds into one error.
 */
function gitStatus(root: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    execFile('git', ['-C', root, ...args], { env: childEnv(), timeout: 30_000 }, (e) => {
      resolve(e ? (typeof e.code === 'number' ? e.code : null) : 0);
    });
  });
}

function gitOut(root: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['-C', root, ...args], { env: childEnv(), timeout: 30_000 }, (e, out) => resolve(e ? undefined : String(out).trim()));
  });
}

/**
 * The branch this run deploys, as a ref of the local repository: in Actions the branch the
 * run started on (`origin/<name>` as fetched, else the local branch); elsewhere the
 * checked-out branch's upstream, else the branch. Undefined on
 * a detached HEAD outside Actions: no branch to compare with, no check.
 */
async function deployedBranch(root: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const pushed = env.GITHUB_REF?.startsWith('refs/heads/') ? env.GITHUB_REF.slice('refs/heads/'.length) : undefined;
  if (pushed !== undefined && !BRANCH.test(pushed)) return undefined;
  const candidates = pushed !== undefined
    ? [`refs/remotes/origin/${pushed}`, `refs/heads/${pushed}`]
    : [await gitOut(root, ['rev-parse', '--symbolic-full-name', '@{upstream}']), await gitOut(root, ['symbolic-ref', '-q', 'HEAD'])];
  for (const ref of candidates) {
    if (ref && /^refs\/(heads|remotes)\//.test(ref) && (await gitStatus(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])) === 0) return ref;
  }
  return undefined;
}

/** How many of a branch's past positions are looked at (its reflog, newest first). */
const MAX_TIPS = 100;

/**
 * Where the branch pointed in this clone: now, and before (its reflog). A re-run of an old
 * run needs the second: actions/checkout fetches every branch (the branch at its tip), then,
 * the branch having moved past the run's commit, fetches that commit again into the same
 * ref, so the ref itself names the old commit and only its reflog the tip.
 */
async function tipsOf(root: string, ref: string): Promise<string[]> {
  const now = await gitOut(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  const logged = (await gitOut(root, ['log', '--walk-reflogs', '--format=%H', '-n', String(MAX_TIPS), ref, '--'])) ?? '';
  return [...new Set([now, ...logged.split('\n')])].filter((c): c is string => !!c && COMMIT.test(c));
}

export class NewerDeploys {
  readonly #known = new Map<string, Promise<boolean>>();
  #branch: Promise<string | undefined> | undefined;
  #warned = false;

  /**
   * `ours`: the commit this run deploys (GITHUB_SHA or HEAD); `root`: the repository;
   * `warn`: told once when git could not answer (the deploy then goes ahead, as before).
   */
  constructor(
    private readonly root: string, private readonly ours: () => string, private readonly env: NodeJS.ProcessEnv,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  /**
   * Whether `theirs` (a node's marker commit) is a commit of the deployed branch (the branch
   * pointed at it or past it, now or earlier in this clone) that came after this run's:
   * this run's commit is its ancestor and not itself. A commit of another branch (a test
   * node deployed from a feature branch), one this clone lacks (a shallow clone) or no
   * branch to compare with counts as not newer: the node is deployed, as before this check.
   */
  isNewer(theirs: string | undefined): Promise<boolean> {
    const ours = this.ours();
    if (!theirs || theirs === ours || !COMMIT.test(theirs) || !COMMIT.test(ours)) return Promise.resolve(false);
    let known = this.#known.get(theirs);
    if (!known) this.#known.set(theirs, (known = this.#ask(ours, theirs)));
    return known;
  }

  async #ask(ours: string, theirs: string): Promise<boolean> {
    const after = await gitStatus(this.root, ['merge-base', '--is-ancestor', ours, theirs]);
    if (after !== 0) {
      // 1: not an ancestor. Anything else (128: a commit this clone lacks; no git; timeout): say so.
      if (after !== 1 && !this.#warned) {
        this.#warned = true;
        this.warn(`warning: could not tell whether a node runs a later commit than ${ours.slice(0, 12)} (git merge-base exited ${after ?? 'abnormally'}: a commit this clone lacks, a shallow clone): such nodes are deployed as before — from your own clone, run git fetch first`);
      }
      return false;
    }
    const branch = await (this.#branch ??= deployedBranch(this.root, this.env));
    if (!branch) return false;
    for (const tip of await tipsOf(this.root, branch)) {
      if ((await gitStatus(this.root, ['merge-base', '--is-ancestor', theirs, tip])) === 0) return true;
    }
    return false;
  }
}

/** Why a node with a newer deploy is left as it is, and what to do instead. */
export function newerDetail(theirs: string, ours: string, unchanged: boolean): string {
  return `not touched: it runs commit ${theirs.slice(0, 12)}, deployed after this run's ${ours.slice(0, 12)} on the same branch`
    + `${unchanged ? ' (its config would not change, but this run must not count as the latest rollout)' : ''}; `
    + 'this looks like a re-run of an older deploy or a stale checkout, which would roll it back — deploy the branch\'s tip instead '
    + '(to roll back on purpose: git revert, then deploy)';
}
