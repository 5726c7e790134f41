// Where incident state lives: in the incident issues themselves. Each issue we open carries
// a hidden marker naming its node and a hidden JSON block with the state we last reported,
// so the next run can tell "already open", "state changed" and "already commented" apart
// with no database, state file or commit. An issue without the marker is a human's.
export type TroubleState = 'down' | 'blocked' | 'degraded';

/** What the issue last told its readers; the one source of truth between runs. */
export interface IncidentState {
  state: TroubleState;
  /** When the incident began (the node's failing-since when it was opened). */
  since: string;
  /** When the reported state last changed (open, or the latest state-change comment). */
  last_change: string;
  /** Regions the node is blocked in, for state === 'blocked'. */
  blocked_in?: string[];
  /** Set while the node is under maintenance or disabled, so that is said once. */
  paused?: 'maintenance' | 'disabled';
}

export interface OpenIncident { number: number; url: string; node: string; state: IncidentState; body: string }

export const INCIDENT_LABEL = 'incident';
export const nodeLabel = (node: string): string => `node:${node}`;
export const markerOf = (node: string): string => `<!-- boxfleet-incident node=${node} -->`;

const MARKER_RE = /<!-- boxfleet-incident node=([a-z0-9][a-z0-9-]{0,62}) -->/;
const STATE_RE = /<!-- boxfleet-state (\{.*?\}) -->/;
const TROUBLE = new Set<string>(['down', 'blocked', 'degraded']);

export function stateBlock(s: IncidentState): string {
  // JSON.stringify never emits "-->" from our values (node names and ISO times), but a
  // region could in theory; escaping '>' keeps the comment closed where we say so.
  return `<!-- boxfleet-state ${JSON.stringify(s).replace(/>/g, '\\u003e')} -->`;
}

type IssueLabel = string | { name?: string };

/**
 * The node and state of one of our issues, or undefined for anyone else's issue. Ours needs
 * both the marker and the matching node label: labels alone are what a person copies onto
 * their own report (Upptime closed such issues, upptime#1084), and a marker alone could be
 * pasted into any issue.
 */
export function parseIncident(issue: { number: number; html_url: string; body?: string | null; labels?: IssueLabel[] }): OpenIncident | undefined {
  const body = issue.body ?? '';
  const m = MARKER_RE.exec(body);
  if (!m) return undefined;
  const labels = (issue.labels ?? []).map((l) => (typeof l === 'string' ? l : l.name ?? ''));
  if (!labels.includes(nodeLabel(m[1]!))) return undefined;
  let state: IncidentState | undefined;
  try {
    const raw = JSON.parse(STATE_RE.exec(body)?.[1] ?? 'null') as Partial<IncidentState> | null;
    if (raw && TROUBLE.has(String(raw.state)) && typeof raw.since === 'string') {
      state = {
        state: raw.state as TroubleState, since: raw.since, last_change: typeof raw.last_change === 'string' ? raw.last_change : raw.since,
        ...(Array.isArray(raw.blocked_in) ? { blocked_in: raw.blocked_in.map(String) } : {}),
        ...(raw.paused === 'maintenance' || raw.paused === 'disabled' ? { paused: raw.paused } : {}),
      };
    }
  } catch { /* an edited, broken block: fall through to the fallback below */ }
  // A person who broke the block still has an incident open for the node; treat it as
  // "down since unknown" rather than open a second issue next to it.
  return { number: issue.number, url: issue.html_url, node: m[1]!, body, state: state ?? { state: 'down', since: '', last_change: '' } };
}

/** Replaces the state block (or adds one after the marker) in an issue body. */
export function withState(body: string, s: IncidentState): string {
  if (STATE_RE.test(body)) return body.replace(STATE_RE, () => stateBlock(s));
  return body.replace(MARKER_RE, (m) => `${m}\n${stateBlock(s)}`);
}

/** `1h 5m`, `2d 3h`, `45s`: the two largest units, enough for a human. */
export function humanDuration(ms: number): string {
  let s = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size || (unit === 's' && parts.length === 0)) { parts.push(`${Math.floor(s / size)}${unit}`); s %= size; }
  }
  return parts.filter((p) => !/^0/.test(p) || parts.length === 1).slice(0, 2).join(' ');
}
