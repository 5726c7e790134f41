// Runs every check with bounded concurrency and one reachability verdict per port: the
// first TCP endpoint on each port of a host goes first ("scout", all of a host's scouts at
// once); if a scout's connect times out, the other endpoints on that port are marked
// without a new attempt, and when every port of the host timed out, so are its UDP ones.
// Per port, not per host: a censor blocks one port and leaves the others open, and a
// standby on another port must be judged on its own (#17). A black-holed host still costs
// one timeout of wall time, its ports tried side by side.
import { transportOf } from '../model/inbound-facts.ts';
import { checkEndpoint, type CheckOptions } from './check.ts';
import type { EndpointResult, NodeResult, NodeState, ProbeTarget } from './types.ts';
import { byText } from '../core/order.ts';

interface HostVerdict { scouts: number; reached: boolean; udp: number[] }

export async function probeAll(targets: ProbeTarget[], o: CheckOptions, concurrency: number): Promise<EndpointResult[]> {
  const results: EndpointResult[] = new Array(targets.length);
  const byHost = new Map<string, number[]>();
  targets.forEach((t, i) => byHost.set(t.server, [...(byHost.get(t.server) ?? []), i]));
  const queue: number[] = [];
  const waiting = new Map<number, { samePort: number[]; host: HostVerdict }>(); // scout → who waits on it
  for (const idx of byHost.values()) {
    const tcp = idx.filter((i) => transportOf(targets[i]!.type) === 'tcp');
    if (tcp.length === 0) { queue.push(...idx); continue; }
    const byPort = new Map<number, number[]>();
    for (const i of tcp) byPort.set(targets[i]!.port, [...(byPort.get(targets[i]!.port) ?? []), i]);
    const host: HostVerdict = { scouts: byPort.size, reached: false, udp: idx.filter((i) => !tcp.includes(i)) };
    for (const [scout, ...samePort] of byPort.values()) {
      queue.push(scout!);
      waiting.set(scout!, { samePort, host });
    }
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
          const w = waiting.get(i);
          if (w) {
            const silent = r.deepest === 'none' && r.error === 'timeout';
            if (silent) for (const j of w.samePort) results[j] = unreachable(targets[j]!, o, 'port');
            else { queue.push(...w.samePort); w.host.reached = true; }
            if (--w.host.scouts === 0) {
              if (w.host.reached) queue.push(...w.host.udp);
              else for (const j of w.host.udp) results[j] = unreachable(targets[j]!, o, 'host');
            }
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

function unreachable(t: ProbeTarget, o: CheckOptions, what: 'host' | 'port'): EndpointResult {
  const r: EndpointResult = { node: t.node, tag: t.tag, type: t.type, deepest: 'none', ok: false, error: 'timeout', detail: `timeout (${what} unreachable)`, latency_ms: {} };
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
  return [...nodes.values()].sort((a, b) => byText(a.node, b.node));
}
