// Telegram Bot API sendMessage with parse_mode HTML: one summary per run, split at line
// boundaries below the 4,096-character limit, 429 answered by waiting the retry_after
// Telegram names (bounded: a wait longer than maxWaitSeconds fails the channel instead of
// holding the runner). The token only ever appears in the request URL, never in output.

/** Telegram counts characters after entity parsing; raw HTML is longer, so this is safe. */
export const MAX_MESSAGE = 4000;
const ATTEMPTS = 3;

export interface TelegramOptions {
  token: string;
  chatId: string;
  baseUrl: string;
  maxWaitSeconds: number;
  log: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Splits at line boundaries into chunks of at most `max` characters (lines are kept whole). */
export function splitMessage(lines: string[], max = MAX_MESSAGE): string[] {
  const out: string[] = [];
  let cur = '';
  for (const line of lines) {
    const l = line.length > max ? line.slice(0, max) : line; // callers keep lines short; this is a backstop
    if (cur && cur.length + 1 + l.length > max) { out.push(cur); cur = ''; }
    cur = cur ? `${cur}\n${l}` : l;
  }
  if (cur) out.push(cur);
  return out;
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function sendOne(o: TelegramOptions, text: string): Promise<void> {
  const sleep = o.sleep ?? wait;
  const url = `${o.baseUrl.replace(/\/+$/, '')}/bot${o.token}/sendMessage`;
  let last = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    let status = 0;
    let body: { ok?: boolean; description?: string; parameters?: { retry_after?: number } } = {};
    try {
      const res = await fetch(url, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: o.chatId, text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } }),
        signal: AbortSignal.timeout(30_000),
      });
      status = res.status;
      body = await res.json().catch(() => ({})) as typeof body;
      if (res.ok && body.ok !== false) return;
    } catch (e) {
      // Network errors carry no token (fetch reports the host, not the path), but be sure.
      body = { description: String((e as Error).message).split(o.token).join('<token>') };
    }
    last = `HTTP ${status || 'error'}${body.description ? `: ${body.description}` : ''}`;
    // Client errors other than 429 (bad chat id, bad HTML) will not get better by retrying.
    if (status >= 400 && status < 500 && status !== 429) break;
    if (attempt === ATTEMPTS) break;
    const after = status === 429 ? Number(body.parameters?.retry_after ?? 1) : attempt;
    if (!(after <= o.maxWaitSeconds)) { last += `; retry_after ${after}s exceeds the ${o.maxWaitSeconds}s limit`; break; }
    o.log(`telegram: ${last}; retrying in ${after}s`);
    await sleep(after * 1000);
  }
  throw new Error(`telegram sendMessage failed: ${last}`);
}

/** Sends the lines as few messages as the limit allows; returns how many were sent. */
export async function sendTelegram(o: TelegramOptions, lines: string[]): Promise<number> {
  const parts = splitMessage(lines);
  for (const p of parts) await sendOne(o, p);
  return parts.length;
}
