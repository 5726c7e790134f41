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

/** The exit status of `git -C root args…` (null: it could not run, or ran past its time). */
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
 * The branch this run deploys, as a ref of the local repository: in Actions the pushed
 * branch (`origin/<GITHUB_REF_NAME>` as fetched, so a re-run sees where it is now, else the
 * local branch); elsewhere the checked-out branch's upstream, else the branch. Undefined on
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

export class NewerDeploys {
  readonly #known = new Map<string, Promise<boolean>>();
  #branch: Promise<string | undefined> | undefined;

  /** `ours`: the commit this run deploys (GITHUB_SHA or HEAD); `root`: the repository. */
  constructor(private readonly root: string, private readonly ours: () => string, private readonly env: NodeJS.ProcessEnv) {}

  /**
   * Whether `theirs` (a node's marker commit) is a commit of the deployed branch that came
   * after this run's: this run's commit is its ancestor and not itself. A commit of another
   * branch (a test node deployed from a feature branch), one this clone lacks (a shallow
   * clone) or no branch to compare with counts as not newer: the node is deployed, as before
   * this check.
   */
  isNewer(theirs: string | undefined): Promise<boolean> {
    const ours = this.ours();
    if (!theirs || theirs === ours || !COMMIT.test(theirs) || !COMMIT.test(ours)) return Promise.resolve(false);
    let known = this.#known.get(theirs);
    if (!known) this.#known.set(theirs, (known = this.#ask(ours, theirs)));
    return known;
  }

  async #ask(ours: string, theirs: string): Promise<boolean> {
    const branch = await (this.#branch ??= deployedBranch(this.root, this.env));
    if (!branch) return false;
    const after = await gitStatus(this.root, ['merge-base', '--is-ancestor', ours, theirs]);
    return after === 0 && (await gitStatus(this.root, ['merge-base', '--is-ancestor', theirs, branch])) === 0;
  }
}

/** Why a node with a newer deploy is left as it is, and what to do instead. */
export function newerDetail(theirs: string, ours: string, unchanged: boolean): string {
  return `not touched: it runs commit ${theirs.slice(0, 12)}, deployed after this run's ${ours.slice(0, 12)} on the same branch`
    + `${unchanged ? ' (its config would not change, but this run must not count as the latest rollout)' : ''}; `
    + 'this looks like a re-run of an older deploy or a stale checkout, which would roll it back — deploy the branch\'s tip instead '
    + '(to roll back on purpose: git revert, then deploy)';
}
