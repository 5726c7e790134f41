// A local stand-in for the Telegram Bot API: `sendMessage` (and `getMe`, which some
// clients call first) on 127.0.0.1, checking what the real API checks before it accepts
// a message — text length, a chat id, and for parse_mode HTML the allowed tags and
// escaped <, > and &. Tests read what arrived from `messages`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TelegramMessage {
  token: string;
  chat_id: string;
  text: string;
  parse_mode?: string;
  /** The request body as parsed. */
  body: Record<string, unknown>;
}

export interface TelegramStandIn {
  /** Base URL to use instead of https://api.telegram.org. */
  url: string;
  messages: TelegramMessage[];
  /** Answers the next sendMessage with this HTTP status (429 carries retry_after). */
  failNext(status: number, retryAfter?: number): void;
  /** Resolves with the first message (already received or future) that matches, or rejects at the deadline. */
  waitFor(match: (m: TelegramMessage) => boolean, timeoutMs: number, what?: string): Promise<TelegramMessage>;
  stop(): Promise<void>;
}

const TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'tg-emoji', 'code', 'pre', 'blockquote']);

/** Telegram's HTML rules; returns the error description the real API would give, or undefined. */
export function checkHtml(text: string): string | undefined {
  const open: string[] = [];
  const re = /<(\/?)([a-z-]+)([^<>]*)>|&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<>&]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[2]) {
      if (!TAGS.has(m[2])) return `Bad Request: can't parse entities: Unsupported start tag "${m[2]}" at byte offset ${m.index}`;
      if (m[1]) {
        if (open.pop() !== m[2]) return `Bad Request: can't parse entities: Unmatched end tag at byte offset ${m.index}, expected "</${open.at(-1) ?? ''}>", found "</${m[2]}>"`;
      } else open.push(m[2]);
    } else if (!m[4]) {
      return `Bad Request: can't parse entities: Unexpected "${m[0]}" at byte offset ${m.index}`;
    }
  }
  return open.length ? `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${open.at(-1)}"` : undefined;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) return JSON.parse(raw || '{}') as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(raw));
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, status: number, description: string, retryAfter?: number): void {
  reply(res, status, { ok: false, error_code: status, description, ...(retryAfter !== undefined ? { parameters: { retry_after: retryAfter } } : {}) });
}

export async function startTelegramStandIn(opts: { port?: number } = {}): Promise<TelegramStandIn> {
  const messages: TelegramMessage[] = [];
  const waiters = new Set<() => void>();
  let pending: { status: number; retryAfter?: number } | undefined;
  let nextId = 1;

  const server = createServer((req, res) => {
    void (async () => {
      const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
      if (!m) return fail(res, 404, 'Not Found');
      const [, token, method] = m;
      let body: Record<string, unknown>;
      try { body = await readBody(req); } catch { return fail(res, 400, 'Bad Request: invalid JSON'); }
      if (method === 'getMe') return reply(res, 200, { ok: true, result: { id: 1, is_bot: true, first_name: 'boxfleet stand-in', username: 'boxfleet_standin_bot' } });
      if (method !== 'sendMessage') return fail(res, 404, 'Not Found: method not found');
      if (pending) {
        const p = pending;
        pending = undefined;
        return fail(res, p.status, p.status === 429 ? `Too Many Requests: retry after ${p.retryAfter ?? 1}` : 'Internal Server Error', p.status === 429 ? (p.retryAfter ?? 1) : p.retryAfter);
      }
      const chat = body.chat_id === undefined ? '' : String(body.chat_id);
      const text = body.text === undefined ? '' : String(body.text);
      const parseMode = body.parse_mode === undefined || body.parse_mode === '' ? undefined : String(body.parse_mode);
      if (!chat) return fail(res, 400, 'Bad Request: chat_id is empty');
      if (!text.trim()) return fail(res, 400, 'Bad Request: message text is empty');
      if ([...text].length > 4096) return fail(res, 400, 'Bad Request: message is too long');
      if (parseMode === 'HTML') {
        const problem = checkHtml(text);
        if (problem) return fail(res, 400, problem);
      }
      messages.push({ token: token!, chat_id: chat, text, parse_mode: parseMode, body });
      for (const w of waiters) w();
      reply(res, 200, { ok: true, result: { message_id: nextId++, date: Math.floor(Date.now() / 1000), chat: { id: Number(chat) || chat, type: 'supergroup' }, text } });
    })().catch((e: unknown) => fail(res, 500, String(e)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    failNext(status, retryAfter) { pending = { status, retryAfter }; },
    waitFor(match, timeoutMs, what = 'a matching message') {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = messages.find(match);
          if (found) { cleanup(); resolve(found); }
          return Boolean(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`telegram stand-in: no ${what} within ${timeoutMs} ms; received ${messages.length}: ${JSON.stringify(messages.map((x) => x.text))}`));
        }, timeoutMs);
        const cleanup = (): void => { clearTimeout(timer); waiters.delete(onMessage); };
        const onMessage = (): void => { check(); };
        if (!check()) waiters.add(onMessage);
      });
    },
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
