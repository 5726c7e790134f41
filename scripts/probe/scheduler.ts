// Runs every check with bounded concurrency and one reachability verdict per host: the
// first TCP endpoint of a host goes first ("scout"); if its connect times out, the host's
// other endpoints are marked without a single new attempt. Waiting for a verdict holds no
// worker slot, so a black-holed host costs one timeout of wall time, not a slot per port.
import { transportOf } from '../model/inbound-facts.ts';
import { checkEndpoint, type CheckOptions } from './check.ts';
import type { EndpointResult, NodeResult, NodeState, ProbeTarget } from './types.ts';

export async function probeAll(targets: ProbeTarget[], o: CheckOptions, concurrency: number): Promise<EndpointResult[]> {
  const results: EndpointResult[] = new Array(targets.length);
  const byHost = new Map<string, number[]>();
  targets.forEach((t, i) => byHost.set(t.server, [...(byHost.get(t.server) ?? []), i]));
  const queue: number[] = [];
  const waiting = new Map<number, number[]>(); // scout index → the host's other indexes
  for (const idx of byHost.values()) {
    const scout = idx.find((i) => transportOf(targets[i]!.type) === 'tcp');
    if (scout === undefined) { queue.push(...idx); continue; }
    queue.push(scout);
    waiting.set(scout, idx.filter((i) => i !== scout));
  }
  let active = 0;
  let next = 0;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (active < concurrency && next < queue.length) {
        const i = queue[next++]!;
        active++;
        checkEndpoint(targets[i]!, o).then((r) => {
          results[i] = r;
          const rest = waiting.get(i);
          if (rest) {
            if (r.deepest === 'none' && r.error === 'timeout') for (const j of rest) results[j] = unreachable(targets[j]!, o);
            else queue.push(...rest);
          }
          active--;
          if (next >= queue.length && active === 0) resolve(); else pump();
        });
      }
      if (queue.length === 0) resolve();
    };
    pump();
  });
  return results;
}

function unreachable(t: ProbeTarget, o: CheckOptions): EndpointResult {
  const r: EndpointResult = { node: t.node, tag: t.tag, type: t.type, deepest: 'none', ok: false, error: 'timeout', detail: 'timeout (host unreachable)', latency_ms: {} };
  if (o.showAddresses) r.address = `${t.server}:${t.port}`;
  return r;
}

/**
 * up: every endpoint that could be checked is healthy; down: none is; degraded: some are.
 * Endpoints nothing could be said about (UDP without sing-box) do not count either way.
 */
export function nodeState(endpoints: EndpointResult[]): NodeState {
  const judged = endpoints.filter((e) => !(e.error === 'not-probed' && e.deepest === 'none'));
  if (judged.length === 0) return 'unknown';
  const healthy = judged.filter((e) => e.ok).length;
  return healthy === judged.length ? 'up' : healthy === 0 ? 'down' : 'degraded';
}

export function groupByNode(targets: ProbeTarget[], results: EndpointResult[]): NodeResult[] {
  const nodes = new Map<string, NodeResult>();
  targets.forEach((t, i) => {
    let n = nodes.get(t.node);
    if (!n) { n = { node: t.node, region: t.region, maintenance: t.maintenance, state: 'unknown', endpoints: [] }; nodes.set(t.node, n); }
    n.endpoints.push(results[i]!);
  });
  for (const n of nodes.values()) n.state = nodeState(n.endpoints);
  return [...nodes.values()].sort((a, b) => a.node.localeCompare(b.node));
}
