// Health-aware node order for one user: what the page lists first is what the apps pick
// first. Healthy before slow before unknown before blocked before down (blocked only for
// users in a region it is blocked in); within a rank the
// lowest latency seen from a vantage in the user's region, else the model's own order
// (the user's region first — render/client/order.ts), so the result is stable.
import { orderNodes } from '../render/client/order.ts';
import type { Fleet, Node, User } from '../model/types.ts';
import type { NodeState, NodeStatus, StatusView } from './status-adapter.ts';

export type Health = NodeState | 'unknown';
const RANK: Record<Health, number> = { up: 0, degraded: 1, unknown: 2, blocked: 3, down: 4 };

export interface RankedNode { node: Node; health: Health; latency_ms?: number; dropped: boolean }

export function rankNodes(fleet: Fleet, user: User, status?: StatusView): RankedNode[] {
  const base = orderNodes(fleet, user);
  if (!status) return base.map((node) => ({ node, health: 'unknown', dropped: false }));
  const ranked = base.map((node, index) => {
    const s = status.nodes[node.name];
    return { node, index, health: healthFor(s, user.region), latency_ms: latencyFor(s, user.region), dropped: false };
  });
  ranked.sort((a, b) => RANK[a.health] - RANK[b.health]
    || (a.latency_ms ?? Infinity) - (b.latency_ms ?? Infinity)
    || a.index - b.index);
  if (fleet.settings.subscription.down_nodes === 'drop') {
    // Dropping every node would leave the user an empty profile: keep them all instead
    // (demoted), so the app still has something to try when the probe itself was wrong.
    const alive = ranked.filter((r) => r.health !== 'down');
    if (alive.length > 0) for (const r of ranked) r.dropped = r.health === 'down';
  }
  return ranked.map(({ index: _index, ...r }) => r);
}

/**
 * A node blocked in some regions is healthy for users elsewhere (it answered their
 * region's vantages, or at least the others); users there, or of no known region, see it
 * blocked.
 */
function healthFor(s: NodeStatus | undefined, region: string | undefined): Health {
  if (!s) return 'unknown';
  if (s.state === 'blocked' && region !== undefined && s.blocked_in && !s.blocked_in.includes(region)) return 'up';
  return s.state;
}

/** Node names for renderProfiles: the order, without dropped nodes. */
export function profileOrder(ranked: readonly RankedNode[]): string[] {
  return ranked.filter((r) => !r.dropped).map((r) => r.node.name);
}

/** Latency measured from vantages in the user's region, when there are any. */
export function latencyFor(s: NodeStatus | undefined, region: string | undefined): number | undefined {
  return s && region !== undefined ? s.latency[region] : undefined;
}
