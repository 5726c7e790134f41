// Quotas (#18): a user's quota_gb is per period, from fleet.yaml usage.reset_day to the same
// day of the next month (UTC). What users moved comes from the status branch (usage/, written
// by `fleet usage collect`), handed in as plain data by whoever read it; from it follow who
// is over quota now, which every stage then treats alike: off every node until the period ends.
import type { Fleet, FleetSettings, User } from './types.ts';

/** quota_gb in bytes, as apps are told it (subscription-userinfo `total`): GiB. */
export const BYTES_PER_GB = 1024 ** 3;

export interface Bytes { up: number; down: number }

/** Per period label (YYYY-MM of the period's first day): bytes per user. */
export type UsageMonths = ReadonlyMap<string, Readonly<Record<string, Bytes>>>;

export interface UsagePeriod { label: string; start: Date; end: Date }

/** The period `t` falls in: from reset_day of its month (or the month before) to the next. */
export function usagePeriod(t: Date, resetDay: number): UsagePeriod {
  let y = t.getUTCFullYear();
  let m = t.getUTCMonth();
  if (t.getUTCDate() < resetDay) m -= 1;
  if (m < 0) { m += 12; y -= 1; }
  const start = new Date(Date.UTC(y, m, resetDay));
  const end = new Date(Date.UTC(y, m + 1, resetDay));
  return { label: start.toISOString().slice(0, 7), start, end };
}

export interface QuotaState {
  period: UsagePeriod;
  /** This period's bytes per user (users who moved nothing are absent). */
  used: Readonly<Record<string, Bytes>>;
  /** Users whose quota this period is used up. */
  over: ReadonlySet<string>;
}

export function quotaState(settings: Pick<FleetSettings, 'usage'>, users: readonly User[], months: UsageMonths, now: Date): QuotaState {
  const period = usagePeriod(now, settings.usage.reset_day);
  const used = months.get(period.label) ?? {};
  const over = new Set(users.filter((u) => isOver(u, used[u.name])).map((u) => u.name));
  return { period, used, over };
}

function isOver(user: User, b: Bytes | undefined): boolean {
  return user.quota_gb !== undefined && b !== undefined && b.up + b.down >= user.quota_gb * BYTES_PER_GB;
}

/** The fleet with its quota state (from `--usage DIR`): every stage reads `fleet.quota`. */
export function withQuota(fleet: Fleet, months: UsageMonths | undefined, now: Date): Fleet {
  return months ? { ...fleet, quota: quotaState(fleet.settings, fleet.users, months, now) } : fleet;
}

/** Share of the quota used this period, or undefined when there is no quota or no count. */
export function quotaShare(fleet: Pick<Fleet, 'quota'>, user: User): number | undefined {
  const b = fleet.quota?.used[user.name];
  if (user.quota_gb === undefined || !fleet.quota) return undefined;
  const total = (b?.up ?? 0) + (b?.down ?? 0);
  return user.quota_gb === 0 ? 1 : total / (user.quota_gb * BYTES_PER_GB);
}
