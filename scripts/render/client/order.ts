// Which nodes a user's profile lists, and in which order. Apps show proxies in profile
// order and pick the first as a default, so the order is part of the user experience.
import { nodesOfUser } from '../../model/access.ts';
import { preferredRegions } from '../../model/regions.ts';
import type { Fleet, Node, User } from '../../model/types.ts';

/**
 * Enabled nodes the user may use. With `order` (node names ranked by health from the site
 * stage) exactly the listed nodes come out in that order: a stage that dropped a down node
 * from the list wants it gone from the profile too. Without it, nodes in the user's
 * preferred regions come first (`prefer_regions`, else the region the user is in), then
 * the rest, each in model (name) order.
 */
export function orderNodes(fleet: Fleet, user: User, order?: readonly string[]): Node[] {
  const allowed = nodesOfUser(fleet, user);
  if (order) {
    const byName = new Map(allowed.map((n) => [n.name, n]));
    const seen = new Set<string>();
    const out: Node[] = [];
    for (const name of order) {
      const node = byName.get(name);
      if (node && !seen.has(name)) { seen.add(name); out.push(node); }
    }
    return out;
  }
  // Preferred regions first, in the user's order; then the rest. The sort is stable, so
  // within a region the model's (name) order stays.
  const preferred = preferredRegions(user);
  const rank = (n: Node): number => { const i = preferred.indexOf(n.region); return i < 0 ? preferred.length : i; };
  return [...allowed].sort((a, b) => rank(a) - rank(b));
}

/** Regions in first-appearance order of the (already ordered) nodes: the user's region leads. */
export function regionsInOrder(nodes: readonly Pick<Node, 'region'>[]): string[] {
  return [...new Set(nodes.map((n) => n.region))];
}
