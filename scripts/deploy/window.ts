// deploy.window: a change that only adds users (new people) waits on nodes of a region with
// a window until that window opens, because every config change restarts sing-box and cuts
// every open connection of that node. A change that takes anything away (a revocation, an
// expiry, the end of a grace period) or changes anything else never waits, and `--no-window`
// deploys everything now. A rotation never waits either: the old credential is renamed
// (`name~prev`) and the user's refreshed profile already carries the new one, which a
// deferred node would refuse.
//
// What the node runs is known only by its hash; the previous config is rebuilt by
// rendering the fleet as it was at the marker's commit, at the marker's time. Only when
// that render has exactly the live hash is the difference trusted; anything else deploys.

/** Minutes after 00:00 UTC: [start, end), wrapping past midnight when end < start. */
export interface Window { text: string; start: number; end: number }

const WINDOW = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

export function parseWindow(text: string): Window {
  const m = WINDOW.exec(text);
  if (!m) throw new Error(`deploy window "${text}" is not HH:MM-HH:MM`);
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  // The schema refuses it too: an empty window would never open, and additions would wait forever.
  if (start === end) throw new Error(`deploy window "${text}" never opens: its end is its start`);
  return { text, start, end };
}

const minuteOfDay = (t: Date): number => t.getUTCHours() * 60 + t.getUTCMinutes();

export function isOpen(w: Window, now: Date): boolean {
  const m = minuteOfDay(now);
  return w.start <= w.end ? m >= w.start && m < w.end : m >= w.start || m < w.end;
}

/** When the window next opens (now, if it is open). */
export function nextOpening(w: Window, now: Date): Date {
  if (isOpen(w, now)) return now;
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const today = new Date(day + w.start * 60_000);
  return today > now ? today : new Date(today.getTime() + 86_400_000);
}

interface InboundJson { users?: unknown[]; [k: string]: unknown }
interface ConfigJson { inbounds?: InboundJson[]; experimental?: { v2ray_api?: { stats?: { users?: unknown[] } } }; [k: string]: unknown }

/** Every list of users in a config: each inbound's, and the stats build's counter names. */
function userLists(c: ConfigJson): unknown[][] {
  return [...(c.inbounds ?? []).map((i) => i.users ?? []), c.experimental?.v2ray_api?.stats?.users ?? []];
}

/** The config with every user list emptied: what must not change for a change to wait. */
function withoutUsers(c: ConfigJson): string {
  const stats = c.experimental?.v2ray_api?.stats;
  const experimental = stats ? { ...c.experimental, v2ray_api: { ...c.experimental!.v2ray_api, stats: { ...stats, users: [] } } } : c.experimental;
  return JSON.stringify({ ...c, inbounds: (c.inbounds ?? []).map(({ users: _users, ...rest }) => rest), experimental });
}

/**
 * 'users-added' when the new config equals the old one except for users added (to inbounds,
 * and to the stats build's counters), every old entry still there byte for byte and at least
 * one new; 'other' for anything else, the same config included (nothing to wait for).
 */
export function changeKind(oldConfig: string, newConfig: string): 'users-added' | 'other' {
  let before: ConfigJson;
  let after: ConfigJson;
  try {
    before = JSON.parse(oldConfig) as ConfigJson;
    after = JSON.parse(newConfig) as ConfigJson;
  } catch {
    return 'other';
  }
  if (typeof before !== 'object' || typeof after !== 'object' || !before || !after) return 'other';
  if (withoutUsers(before) !== withoutUsers(after)) return 'other';
  const olds = userLists(before);
  const news = userLists(after);
  let added = 0;
  for (const [i, list] of olds.entries()) {
    const kept = new Set(news[i]!.map((u) => JSON.stringify(u)));
    if (list.some((u) => !kept.has(JSON.stringify(u)))) return 'other';
    added += kept.size - new Set(list.map((u) => JSON.stringify(u))).size;
  }
  return added > 0 ? 'users-added' : 'other';
}

/**
 * The first time the window opened after `since`, when that is at or before `now` (a window
 * that opened while the change waited); undefined when it has not yet, or `since` is unknown.
 * A window open at `since` itself does not count: its scheduled deploy may have run already.
 */
export function missedOpening(w: Window, since: Date | undefined, now: Date): Date | undefined {
  if (!since) return undefined;
  const day = Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate());
  let start = new Date(day + w.start * 60_000);
  if (start <= since) start = new Date(start.getTime() + 86_400_000);
  return start <= now ? start : undefined;
}

export function describeWait(w: Window, now: Date): string {
  const next = nextOpening(w, now);
  const mins = Math.round((next.getTime() - now.getTime()) / 60_000);
  return `only users were added; waits for the deploy window ${w.text} UTC (opens in ${Math.floor(mins / 60)}h${String(mins % 60).padStart(2, '0')}m; --no-window deploys it now)`;
}
