// `fleet usage`: one month's per-user table from a pulled status store (usage/<YYYY-MM>.json),
// beside each user's quota. Users without a row moved nothing this month, or their nodes
// count nothing (the official build); the table says which.
import { EXIT, rootPath, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { requireFleet } from '../model/require.ts';
import { readUsageFiles, requireStatusDir } from '../status/store.ts';
import type { Bytes } from '../status/types.ts';
import { BYTES_PER_GB as GB, usagePeriod } from '../model/quota.ts';


export interface UsageRow { user: string; up: number; down: number; total: number; quota_gb?: number; quota_used?: number }

export async function runUsage(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const given = args.options.month as string | undefined;
  if (given !== undefined && !/^[0-9]{4}-(0[1-9]|1[0-2])$/.test(given)) throw new UsageError(`--month "${given}" is not YYYY-MM`);
  const dir = rootPath(ctx, (args.options.status as string | undefined) ?? 'build/status');
  requireStatusDir(dir, ctx.root);
  const fleet = requireFleet(ctx, { quiet: true });
  // A period is named by the month it starts in (usage.reset_day): the current one by default.
  const month = given ?? usagePeriod(ctx.now, fleet.settings.usage.reset_day).label;
  const file = readUsageFiles(dir).get(month);
  const rows = fleet.users.map((u) => row(u.name, file?.users[u.name], u.quota_gb));
  if (args.options.format === 'json') {
    ctx.io.out(JSON.stringify({ month, build: fleet.settings.singbox.build, collected: Boolean(file), users: rows }, null, 2));
    return EXIT.ok;
  }
  if (fleet.settings.singbox.build !== 'stats') ctx.io.err('note: singbox.build is official: nodes count nothing, so usage is unknown');
  if (!file) ctx.io.err(`note: nothing collected for ${month} (\`npm run fleet -- usage collect\` writes it; \`status pull\` brings it here)`);
  const table = [['user', 'up', 'down', 'total', 'quota'], ...rows.map((r) => [r.user, gb(r.up), gb(r.down), gb(r.total), r.quota_gb === undefined ? '-' : `${r.quota_gb} GB (${Math.round(r.quota_used! * 100)}%)`])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((l) => l[i]!.length)));
  ctx.io.out(`usage ${month}`);
  for (const l of table) ctx.io.out(l.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  return EXIT.ok;
}

function row(user: string, b: Bytes | undefined, quota: number | undefined): UsageRow {
  const up = b?.up ?? 0;
  const down = b?.down ?? 0;
  return { user, up, down, total: up + down, ...(quota === undefined ? {} : { quota_gb: quota, quota_used: (up + down) / (quota * GB) }) };
}

const gb = (n: number): string => `${(n / GB).toFixed(3)} GB`;
