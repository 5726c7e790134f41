// What `fleet incidents --history` records on the status branch: one event per issue action
// that GitHub carried out (opened, state changed, resolved), so the status page can show
// incident history without ever asking the GitHub API. Pauses for maintenance are not events.
import type { IncidentEvent } from '../status/types.ts';
import type { Outcome } from './github.ts';

const issueNumber = (url: string | undefined): number | undefined => {
  const n = Number(/\/issues\/(\d+)$/.exec(url ?? '')?.[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

export function incidentEvents(outcomes: Outcome[], now: Date): IncidentEvent[] {
  const t = now.toISOString();
  return outcomes.filter((o) => o.ok).flatMap((o): IncidentEvent[] => {
    const a = o.action;
    const node = a.node.name;
    switch (a.kind) {
      case 'open': return [{ t, node, event: 'opened', state: a.state.state, ...blocked(a.state.blocked_in), since: a.state.since, ...issue(issueNumber(o.url)) }];
      case 'change': return [{ t, node, event: 'changed', state: a.state.state, ...blocked(a.state.blocked_in), since: a.incident.state.since, issue: a.incident.number }];
      case 'close': return [{ t, node, event: 'resolved', since: a.incident.state.since, duration_ms: Math.max(0, Math.round(a.outageMs)), issue: a.incident.number }];
      default: return [];
    }
  });
}

const blocked = (regions: string[] | undefined) => (regions?.length ? { blocked_in: [...regions].sort() } : {});
const issue = (n: number | undefined) => (n === undefined ? {} : { issue: n });
