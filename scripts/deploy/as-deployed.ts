// Like with like: a node deployed with quotas (`--usage`) runs the users that the status
// branch's usage/ allowed at that moment, and its marker names that status commit. Drift and
// deploy.window rebuild the quota state from that commit, so a user who went over quota
// since (or came back at a new period) reads as "not deployed yet", never as an edit on the
// node, and a config deployed with quotas is reproduced byte for byte.
import { withQuota } from '../model/quota.ts';
import type { Fleet } from '../model/types.ts';
import { readUsageAt } from '../status/at-commit.ts';
import type { Marker } from './node-status.ts';

export type QuotaSource =
  | { kind: 'as given' }
  | { kind: 'commit'; commit: string; fleet: Fleet }
  | { kind: 'missing'; commit: string };

/**
 * The fleet with the quota state the marker's deploy used, when it differs from the one this
 * run was given (`given`: the status commit of `--usage`, if any). Loads each commit once.
 */
export function quotaSources(root: string, now: Date, given: string | undefined): (fleet: Fleet, marker: Marker | null) => Promise<QuotaSource> {
  const loaded = new Map<string, Promise<QuotaSource>>();
  return (fleet, marker) => {
    const commit = marker?.usage_commit;
    if (!commit || commit === given) return Promise.resolve({ kind: 'as given' });
    let p = loaded.get(commit);
    if (!p) {
      p = readUsageAt(root, commit).then((months): QuotaSource => (months ? { kind: 'commit', commit, fleet: withQuota(fleet, months, now) } : { kind: 'missing', commit }));
      loaded.set(commit, p);
    }
    return p;
  };
}
