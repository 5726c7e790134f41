// `fleet github shards`: the node lists of the sharded deploy (deploy.yml, input
// `sharded`): a canary alone first, then the other enabled nodes spread over at most N
// matrix jobs. A matrix makes at most 256 jobs per run, so a fleet of thousands of nodes
// is batched several nodes per job rather than one job per node.
import { intOption } from '../core/args.ts';
import { requireFleet } from '../model/require.ts';
import { EXIT, OperationError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import type { Fleet } from '../model/types.ts';
import { setOutput } from './summary.ts';

export const MATRIX_LIMIT = 256;

export function shardNodes(fleet: Fleet, shards: number): { canary: string; shards: string[] } {
  const names = fleet.nodes.filter((n) => n.enabled).map((n) => n.name);
  if (names.length === 0) throw new OperationError('no enabled node to deploy');
  const canary = fleet.settings.deploy.canary && names.includes(fleet.settings.deploy.canary) ? fleet.settings.deploy.canary : names[0];
  const rest = names.filter((n) => n !== canary);
  const count = Math.min(shards, rest.length);
  // Round-robin keeps shards the same size within one node, and a node's shard stable
  // while the fleet does not change.
  const out: string[][] = Array.from({ length: count }, () => []);
  rest.forEach((n, i) => out[i % count].push(n));
  return { canary, shards: out.map((s) => s.join(',')) };
}

export async function runShards(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const n = intOption(args, 'shards', 1, MATRIX_LIMIT) ?? 20;
  const r = shardNodes(requireFleet(ctx, { quiet: true }), n);
  setOutput(ctx, 'canary', r.canary);
  setOutput(ctx, 'matrix', JSON.stringify(r.shards));
  setOutput(ctx, 'has-rest', r.shards.length ? 'true' : 'false');
  ctx.io.out(JSON.stringify(r));
  return EXIT.ok;
}
