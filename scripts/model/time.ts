// Durations and dates as the YAML spells them. The clock is always passed in (`--now`),
// so expiry and grace periods are testable and reproducible.

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `30s`, `15m`, `48h`, `7d` → seconds. The schema guarantees the shape. */
export function durationSeconds(text: string): number {
  const m = /^([0-9]+)(s|m|h|d)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * UNIT_SECONDS[m[2]];
}

/** Go-style duration for sing-box (`3m`, `48h`); days become hours. */
export function goDuration(text: string): string {
  return text.endsWith('d') ? `${Number(text.slice(0, -1)) * 24}h` : text;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A real calendar date or an ISO instant with a zone; anything else is undefined. */
export function parseInstant(text: string, endOfDay = false): Date | undefined {
  const d = DATE_ONLY.exec(text);
  if (d) {
    const [y, mo, da] = [Number(d[1]), Number(d[2]), Number(d[3])];
    const date = new Date(Date.UTC(y, mo - 1, da));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== da) return undefined;
    return endOfDay ? new Date(date.getTime() + 86400_000 - 1000) : date;
  }
  if (!INSTANT.test(text)) return undefined;
  const t = new Date(text);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

export function parseNow(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const t = parseInstant(text);
  if (!t) throw new Error(`--now must be an ISO time such as 2026-11-26T12:00:00Z, not "${text}"`);
  return t;
}
