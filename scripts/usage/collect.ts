// `fleet usage collect`: every node's ledger read over SSH (in parallel, like deploy), the
// growth past each node's stored cursor written to usage/<YYYY-MM>.json on the status branch
// in one commit, and only then each read acknowledged on its node. One node that cannot be
// reached, or answers something malformed, is reported and skipped; the others are stored.
import { listOption } from '../core/args.ts';
import { EXIT, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { pool } from '../core/pool.ts';
import { requireFleet } from '../model/require.ts';
import { sessionOptions, sshTarget, unreachableReason } from '../deploy/inputs.ts';
import { COLLECTOR_USER } from '../deploy/privileges.ts';
import { openSession, type Session } from '../deploy/ssh.ts';
import { updateBranch } from '../status/git.ts';
import { branchRef } from '../status/ref.ts';
import { clipText, terminalText } from '../text/escape.ts';
import { setOutput } from '../github/summary.ts';
import { quotaState, usagePeriod } from '../model/quota.ts';
import { addRead, ImplausibleRead, type ReadLimits } from './ledger.ts';
import { selectNodes } from '../model/semantic.ts';
import type { Fleet, Node } from '../model/types.ts';
import { usageMonths } from '../status/store.ts';
import { parseLedgerRead, type LedgerRead } from './read.ts';

interface NodeRead { node: string; session?: Session; read?: LedgerRead; error?: string; refused?: string; added?: number; acked?: boolean }

/** A node without bandwidth_mbps: a 10 Gbit/s link, more than any VPS plan this fleet runs on. */
export const DEFAULT_LINK_MBPS = 10_000;

/** What `node` may be charged: the fleet's users, growth only for those it serves, within its link. */
function readLimits(fleet: Fleet, node: Node, periodStart: Date): ReadLimits {
  const known = new Set(fleet.users.map((u) => u.name));
  const serves = new Set(fleet.users.filter((u) => selectNodes(u, [node]).length === 1).map((u) => u.name));
  return { known: (u) => known.has(u), serves: (u) => serves.has(u), linkBytesPerSec: ((node.bandwidth_mbps ?? DEFAULT_LINK_MBPS) * 1e6) / 8, periodStart: periodStart.toISOString() };
}

export async function runUsageCollect(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const fleet = requireFleet(ctx, { quiet: true });
  if (fleet.settings.singbox.build !== 'stats') {
    ctx.io.err('fleet.yaml singbox.build is official: nodes keep no per-user counters, so there is nothing to collect (set `singbox: { build: stats }`)');
    return EXIT.failed;
  }
  const names = listOption(args, 'nodes');
  const unknown = names?.filter((n) => !fleet.nodes.some((x) => x.name === n)) ?? [];
  if (unknown.length) throw new UsageError(`unknown node(s): ${unknown.join(', ')}`);
  const nodes = fleet.nodes.filter((n) => n.enabled && (!names || names.includes(n.name)));
  const opts = sessionOptions(ctx, args.options.identity as string | undefined);
  const t = ctx.now.toISOString();
  const reads: NodeRead[] = nodes.map((n) => ({ node: n.name }));

  await pool(reads, fleet.settings.deploy.parallel, () => false, async (r) => {
    const node = nodes.find((n) => n.name === r.node)!;
    try {
      // The collector's own user when the fleet has one: its sudo allows the ledger only.
      const target = { ...sshTarget(node), ...(fleet.settings.usage.collector_key ? { user: COLLECTOR_USER } : {}) };
      r.session = await openSession(target, opts);
      const out = await r.session.node(['usage-read'], { timeoutMs: 60_000 });
      if (out.code !== 0) throw new Error(`usage-read failed (exit ${out.code}): ${clipText(out.stderr.trim().split('\n').pop() ?? '', 200)}`);
      r.read = parseLedgerRead(out.stdout.trim());
    } catch (e) {
      r.error = unreachableReason(e, (x) => x);
    }
  });

  const good = reads.filter((r) => r.read);
  let newlyOver: string[] = [];
  try {
    if (good.length) {
      const ref = branchRef(ctx, args);
      const { label: period, start } = usagePeriod(ctx.now, fleet.settings.usage.reset_day);
      await updateBranch(ref, (tree) => {
        const before = quotaState(fleet.settings, fleet.users, usageMonths(tree.usage), ctx.now).over;
        let bytes = 0;
        let changed = false;
        for (const r of good) {
          try {
            const a = addRead(tree.usage, r.node, r.read!, t, period, readLimits(fleet, nodes.find((n) => n.name === r.node)!, start));
            bytes += r.added = a.bytes;
            changed ||= a.changed;
            r.refused = undefined;
          } catch (e) {
            if (!(e instanceof ImplausibleRead)) throw e;
            r.refused = e.message;
          }
        }
        const after = quotaState(fleet.settings, fleet.users, usageMonths(tree.usage), ctx.now).over;
        newlyOver = [...after].filter((u) => !before.has(u)).sort();
        return { message: `usage: ${good.length} node(s), ${bytes} byte(s) [skip ci]`, changed };
      });
      // Stored: now the nodes may know it. A failed acknowledgement costs nothing: the next
      // collection's growth is counted from the stored cursor, never from the node's ack.
      await Promise.all(good.filter((r) => !r.refused).map(async (r) => {
        const ack = await r.session!.node(['usage-ack', String(r.read!.seq)], { timeoutMs: 30_000 }).catch(() => undefined);
        r.acked = ack?.code === 0;
      }));
    }
  } finally {
    await Promise.all(reads.map((r) => r.session?.close()));
  }
  report(ctx, args, reads, newlyOver);
  // A user who just went over quota is cut off by the next deploy (which renders with
  // --usage): in Actions the usage workflow dispatches it on this output.
  setOutput(ctx, 'over_quota_changed', String(newlyOver.length > 0));
  return reads.every((r) => r.read && !r.refused) ? EXIT.ok : EXIT.failed;
}

function report(ctx: CommandContext, args: ParsedArgs, reads: NodeRead[], newlyOver: string[]): void {
  if (args.options.format === 'json') {
    ctx.io.out(JSON.stringify(reads.map((r) => ({ node: r.node, ok: Boolean(r.read && !r.refused), ...(r.read && !r.refused ? { seq: r.read.seq, added_bytes: r.added ?? 0, acknowledged: r.acked ?? false } : { error: r.refused ?? r.error }) })), null, 2));
    return;
  }
  if (newlyOver.length) ctx.io.out(`over quota now: ${newlyOver.join(', ')} (the next deploy with --usage takes them off every node)`);
  for (const r of reads) {
    ctx.io.out(r.read && !r.refused
      ? `ok    ${r.node}: read ${r.read.seq}, ${r.added ?? 0} new byte(s)${r.acked ? '' : ' (not acknowledged: counted once all the same)'}`
      : `fail  ${r.node}: ${terminalText(r.refused ?? r.error ?? 'failed')}`);
  }
}
