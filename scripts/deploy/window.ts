// deploy.window: a change that only adds users (new people, rotated credentials beside the
// old ones) waits on nodes of a region with a window until that window opens, because
// every config change restarts sing-box and cuts every open connection of that node. A
// change that takes anything away (a revocation, an expiry, the end of a grace period) or
// changes anything else never waits, and `--no-window` deploys everything now.
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
  return { text, start: Number(m[1]) * 60 + Number(m[2]), end: Number(m[3]) * 60 + Number(m[4]) };
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

/**
 * 'users-added' when the new config equals the old one except for users added to inbounds
 * (every old user entry is still there, byte for byte); 'other' for anything else.
 */
export function changeKind(oldConfig: string, newConfig: string): 'users-added' | 'other' {
  let before: { inbounds?: InboundJson[] };
  let after: { inbounds?: InboundJson[] };
  try {
    before = JSON.parse(oldConfig) as typeof before;
    after = JSON.parse(newConfig) as typeof after;
  } catch {
    return 'other';
  }
  const withoutUsers = (c: typeof before): string => JSON.stringify({ ...c, inbounds: (c.inbounds ?? []).map(({ users: _users, ...rest }) => rest) });
  if (withoutUsers(before) !== withoutUsers(after)) return 'other';
  const olds = before.inbounds ?? [];
  const news = after.inbounds ?? [];
  for (const [i, inbound] of olds.entries()) {
    const kept = new Set((news[i]!.users ?? []).map((u) => JSON.stringify(u)));
    if ((inbound.users ?? []).some((u) => !kept.has(JSON.stringify(u)))) return 'other';
  }
  return 'users-added';
}

export function describeWait(w: Window, now: Date): string {
  const next = nextOpening(w, now);
  const mins = Math.round((next.getTime() - now.getTime()) / 60_000);
  return `only users were added; waits for the deploy window ${w.text} UTC (opens in ${Math.floor(mins / 60)}h${String(mins % 60).padStart(2, '0')}m; --no-window deploys it now)`;
}
