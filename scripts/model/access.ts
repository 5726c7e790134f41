// Who may connect, when: the rules every stage shares (render, site, plan).
import { selectNodes } from './semantic.ts';
import { durationSeconds, parseInstant } from './time.ts';
import type { Fleet, Node, User } from './types.ts';

export type UserState = 'active' | 'disabled' | 'expired';

export function userState(user: User, now: Date): UserState {
  if (!user.enabled) return 'disabled';
  const expiry = user.expires ? parseInstant(user.expires, true) : undefined;
  if (expiry && expiry <= now) return 'expired';
  return 'active';
}

/**
 * The previous rev whose credentials still work: only after a routine rotation (never a
 * revocation), and only until the grace period from `rotated_at` ends.
 */
export function graceRev(user: User, fleet: Pick<Fleet, 'settings'>, now: Date): number | undefined {
  if (user.revoked || user.rev <= 1 || !user.rotated_at) return undefined;
  const at = parseInstant(user.rotated_at);
  if (!at) return undefined;
  const ends = at.getTime() + durationSeconds(fleet.settings.users.rotation_grace) * 1000;
  return now.getTime() >= at.getTime() && now.getTime() < ends ? user.rev - 1 : undefined;
}

export function activeUsers(fleet: Fleet, now: Date): User[] {
  return fleet.users.filter((u) => userState(u, now) === 'active');
}

/** Enabled nodes the user may use, in model (name) order. */
export function nodesOfUser(fleet: Fleet, user: User): Node[] {
  return selectNodes(user, fleet.nodes.filter((n) => n.enabled));
}

/** Active users selected for a node and not over quota, sorted by name. */
export function usersOfNode(fleet: Fleet, node: Node, now: Date): User[] {
  // Over quota (#18): off every node until the period ends; the page says so.
  return activeUsers(fleet, now).filter((u) => selectNodes(u, [node]).length === 1 && !fleet.quota?.over.has(u.name));
}
