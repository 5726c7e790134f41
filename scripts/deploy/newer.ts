// A deploy never takes a node back in history by accident. "Re-run jobs" on an old deploy
// run (GitHub re-runs it at its own commit), or a shard of a sharded run re-run after a
// newer deploy, would otherwise put the old configs back on the nodes the newer deploy
// reached: a fleet split between two commits, users revoked since back in. A node whose
// marker names a commit that this run's commit is an ancestor of is left alone; rolling
// back on purpose is a revert on main, deployed like any change.
import { spawnSync } from 'node:child_process';
import { childEnv } from '../core/child-env.ts';

/** A full commit id: what deploy writes into a marker (the node's answer is hostile: nothing else reaches git). */
const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export class NewerDeploys {
  readonly #known = new Map<string, boolean>();

  /** `ours`: the commit this run deploys (GITHUB_SHA or HEAD); `root`: the repository. */
  constructor(private readonly root: string, private readonly ours: () => string) {}

  /**
   * Whether `theirs` (a node's marker commit) came after this run's commit in the
   * repository's history: this run's commit is its ancestor and not itself. Unknown
   * commits (a marker from a branch this clone lacks, a shallow clone) count as not newer:
   * as before this check, the node is deployed.
   */
  isNewer(theirs: string | undefined): boolean {
    const ours = this.ours();
    if (!theirs || theirs === ours || !COMMIT.test(theirs) || !COMMIT.test(ours)) return false;
    let known = this.#known.get(theirs);
    if (known === undefined) {
      const r = spawnSync('git', ['-C', this.root, 'merge-base', '--is-ancestor', ours, theirs], { env: childEnv(), stdio: 'ignore', timeout: 30_000 });
      known = r.status === 0;
      this.#known.set(theirs, known);
    }
    return known;
  }
}

/** Why a node with a newer deploy is left as it is, and what to do instead. */
export function newerDetail(theirs: string, ours: string): string {
  return `not touched: it runs commit ${theirs.slice(0, 12)}, deployed after this run's ${ours.slice(0, 12)} (its ancestor); `
    + 'this looks like a re-run of an older deploy, which would roll it back — start a new deploy from main instead '
    + '(to roll back on purpose: git revert on main, then deploy)';
}
