// The words of incidents: issue titles, bodies and comments (Markdown) and Telegram lines
// (HTML). Node addresses and ports stay out of both unless fleet.yaml alerts.show_addresses
// says otherwise: issues in a public repository and chat messages travel further than the
// fleet's operators, and an address is what a censor needs to block a node.
import type { Node } from '../model/types.ts';
import type { RecoveryEvent, StatusView } from '../status/reader.ts';
import type { Action, NodeFacts } from './decide.ts';
import { humanDuration, markerOf, stateBlock, type IncidentState } from './state.ts';
import { markdownText } from '../text/escape.ts';
import { byText } from '../core/order.ts';

const ICON: Record<IncidentState['state'], string> = { down: '🛑', blocked: '🚧', degraded: '⚠️' };

export function describe(s: IncidentState): string {
  if (s.state === 'blocked') return `blocked in ${(s.blocked_in ?? []).join(', ') || 'a region'}`;
  return s.state === 'down' ? 'down' : 'degraded';
}

export const issueTitle = (n: NodeFacts, s: IncidentState): string => `${ICON[s.state]} ${n.title} (${n.name}) is ${describe(s)}`.slice(0, 250);

/** Everything that names where a node is: address, SSH host, TLS name, CDN/public hosts. */
function locators(node: Node): string[] {
  const all = [node.address, node.ssh.host, node.tls?.server_name, ...node.inbounds.map((i) => i.public_host)];
  // Longest first, so "cdn.tokyo.example.com" is not half-replaced by "tokyo.example.com".
  return [...new Set(all.filter((x): x is string => Boolean(x)))].sort((a, b) => b.length - a.length);
}

/**
 * Removes what could locate a node: its configured names and addresses, its inbound ports
 * (tags are `<type>-<port>`, so they become the bare type), and any IP literal or host:port
 * a socket error may have quoted.
 */
export function scrub(text: string, node: Node | undefined, show: boolean): string {
  if (show) return text;
  let t = text;
  for (const l of node ? locators(node) : []) t = t.split(l).join('<address>');
  for (const i of node?.inbounds ?? []) t = t.split(i.tag).join(i.type);
  t = t
    .replace(/<address>:\d{1,5}\b/g, '<address>')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, '<address>')
    .replace(/\[?[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}\]?(:\d+)?/gi, (m) => (m.includes('::') || m.split(':').length > 3 ? '<address>' : m))
    .replace(/\b([a-z0-9-]+\.)+[a-z]{2,}:\d{1,5}\b/gi, '<address>')
    // The names a presented certificate holds ("it names DNS:…", or its subject "CN=…" when
    // it has no alternative names): the node's other domains.
    .replace(/\b(DNS|URI|email|othername):[^\s,)]+/g, '$1:<name>')
    .replace(/\b(CN|O|OU|emailAddress)=[^,\n)]+/g, '$1=<name>');
  // What is left of the node's own ports ("port 8443", "udp :4443"); other numbers stay.
  const ports = new Set((node?.inbounds ?? []).flatMap((i) => [i.port, i.public_port]).filter((p): p is number => p !== undefined));
  for (const p of ports) t = t.replace(new RegExp(`(:|\\bport )${p}\\b`, 'gi'), '$1<port>');
  return t;
}

/** How an endpoint is named in an issue: its tag, or without addresses its type (the tag holds the port). */
function endpointName(e: { tag: string; type: string; address?: string }, show: boolean): string {
  return show ? `${e.tag}${e.address ? ` ${e.address}` : ''}` : e.type;
}

/** A title in Markdown: GitHub would read `<tag>` as HTML and `*`/`_` as emphasis. */
const md = (s: string): string => s.replace(/[\\`*_[\]<>&]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Markdown table cell of text a node or a probe run gave (certificate names, errors):
 * inert, so `[Re-key now](https://…)`, `@org/team` or `<img>` show as typed.
 */
const cell = (s: string): string => markdownText(s);

/** What each vantage last saw: the facts a responder needs first, without addresses. */
function evidence(view: StatusView, node: Node | undefined, name: string, show: boolean): string {
  const latest = view.latest(name);
  if (!latest) return '_No probe results for this node._';
  const rows = ['| vantage | region | state | endpoint | result |', '|---|---|---|---|---|'];
  for (const [vantage, v] of Object.entries(latest.vantages).sort(([a], [b]) => byText(a, b))) {
    for (const e of v.endpoints) {
      const result = e.ok ? `ok (${e.deepest})` : `${e.error ?? 'error'} after ${e.deepest}${e.detail ? `: ${scrub(e.detail, node, show)}` : ''}`;
      rows.push(`| ${cell(vantage)} | ${cell(v.region)} | ${v.state} | ${cell(endpointName(e, show))} | ${cell(result)} |`);
    }
  }
  return rows.join('\n');
}

export function issueBody(a: Extract<Action, { kind: 'open' }>, view: StatusView, node: Node | undefined, show: boolean): string {
  const n = a.node;
  const recovery = recoveryFor(view, n.name, a.state.since);
  return [
    markerOf(n.name), stateBlock(a.state), '',
    `**${md(n.title)}** (\`${n.name}\`, region ${md(n.region)}) is **${describe(a.state)}** since ${a.state.since} (${a.runs} probe runs).`,
    ...(show && node?.address ? [`Address: \`${node.address}\``] : []), '',
    evidence(view, node, n.name, show), '',
    ...(recovery.length ? ['**Recovery** (fleet.yaml `recovery`):', ...recovery.map((r) => `- ${md(r)}`), ''] : []),
    'This issue is kept by `fleet incidents`: state changes arrive as comments and it closes itself once the node has been up long enough. '
    + 'Keep the first two hidden lines of this description; they are how the next run finds this issue.',
  ].join('\n').slice(0, 60_000);
}

export function changeComment(a: Extract<Action, { kind: 'change' }>): string {
  return `State change: now **${describe(a.state)}** (was ${describe(a.from)}) since ${a.state.last_change}.`;
}

export function closeComment(a: Extract<Action, { kind: 'close' }>, closeAfter: string): string {
  return `Resolved after ${humanDuration(a.outageMs)}: up since ${a.upSince} (healthy for at least ${closeAfter}).`;
}

export function pauseComment(a: Extract<Action, { kind: 'pause' }>): string {
  return a.state.paused === 'maintenance'
    ? 'The node is under maintenance (nodes/*.yaml `maintenance: true`): this incident stays open and is not updated until maintenance ends.'
    : 'The node is disabled or no longer in nodes/: this incident stays open for a person to close.';
}

export const resumeComment = (): string => 'Maintenance is over: this incident is tracked again.';

/** Telegram HTML: the three characters Telegram wants escaped, plus quotes for attributes. */
export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Long user text is cut before escaping, so a line never needs splitting inside an entity. */
const short = (s: string, max = 200): string => esc(s.length > max ? `${s.slice(0, max - 1)}…` : s);

export function telegramLine(a: Action, url: string | undefined): string | undefined {
  const who = `<b>${short(a.node.title)}</b> (${short(a.node.name)})`;
  const link = url ? ` <a href="${esc(url)}">#${esc(url.replace(/^.*\//, ''))}</a>` : '';
  switch (a.kind) {
    case 'open': return `${ICON[a.state.state]} ${who} is ${short(describe(a.state))} since ${short(a.state.since)}${link}`;
    case 'change': return `🔁 ${who} now ${short(describe(a.state))} (was ${short(describe(a.from))})${link}`;
    case 'close': return `✅ ${who} resolved after ${short(humanDuration(a.outageMs))}${link}`;
    default: return undefined; // maintenance notes stay in the issue
  }
}

const KIND: Record<NonNullable<RecoveryEvent['kind']>, string> = {
  address: 'the whole address', port: 'one port', 'server-name': 'one server name', inbound: 'this inbound only',
};

/** One recovery decision in a sentence (issues, Telegram, `fleet recovery`). */
export function describeRecovery(e: RecoveryEvent): string {
  const kind = KIND[e.kind ?? 'inbound'];
  switch (e.action) {
    case 'withdraw':
      return `${e.node} ${e.inbound} withdrawn for users in ${e.region} (blocked there: ${kind}; failing since ${e.evidence.since}, ${e.evidence.runs} runs)`
        + (e.standby ? `; standby ${e.standby} promoted in its place` : '; the node\'s other inbounds carry on');
    case 'restore':
      return `${e.node} ${e.inbound} restored for users in ${e.region} (passing since ${e.evidence.since})${e.standby ? `; ${e.standby} back to standby` : ''}`;
    default:
      return `${e.node} blocked in ${e.region} (${kind}): nothing changed — ${e.reason === 'max-per-day' ? 'recovery.max_per_day promotions were already made there in 24 h' : 'no standby left that passes from there'}`;
  }
}

/** The recovery decisions about a node since its trouble began, newest last. */
export function recoveryFor(view: StatusView, node: string, since: string): string[] {
  return view.recovery().filter((e) => e.node === node && e.t >= since).map(describeRecovery);
}

/** What recovery did about a node that opened or changed, under its Telegram line (at most three). */
export function telegramRecovery(a: Action, view: StatusView): string[] {
  if (a.kind !== 'open' && a.kind !== 'change') return [];
  return recoveryFor(view, a.node.name, a.state.since).slice(-3).map((r) => `  ↳ ${short(r, 300)}`);
}
