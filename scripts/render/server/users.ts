// Who a node accepts: the one place that turns access rules (model/access.ts) into the
// identities written into inbound `users` lists.
import { graceRev, usersOfNode } from '../../model/access.ts';
import type { Fleet, Node } from '../../model/types.ts';
import { PROBE_USER, type CredentialStore } from '../../secrets/index.ts';
import { probeIdentity, userIdentity, type Identity } from '../endpoint.ts';

/**
 * Suffix for a user's previous credentials during a routine rotation's grace period.
 * User names are `[a-z0-9-]`, so `~` can never collide with a real user name, and stats
 * (which key on `name`) keep the two sets apart.
 */
export const PREVIOUS_SUFFIX = '~prev';

/**
 * Active users selected for the node, sorted by name (usersOfNode keeps the model's name
 * order), each followed by their previous credentials while the grace period runs; the
 * probe user last. A revoked user never gets the previous set (graceRev says so).
 */
export function identitiesOfNode(fleet: Fleet, node: Node, store: CredentialStore, now: Date): Identity[] {
  const out: Identity[] = [];
  for (const user of usersOfNode(fleet, node, now)) {
    out.push(userIdentity(store, user.name, user.rev));
    const prev = graceRev(user, fleet, now);
    if (prev !== undefined) out.push({ ...userIdentity(store, user.name, prev), name: `${user.name}${PREVIOUS_SUFFIX}` });
  }
  out.push(probeIdentity(store, fleet.settings.probe.rev, PROBE_USER));
  return out;
}

/** The user a config entry belongs to: `frank~prev` → `frank`. */
export function userOfEntry(name: string): string {
  return name.endsWith(PREVIOUS_SUFFIX) ? name.slice(0, -PREVIOUS_SUFFIX.length) : name;
}
