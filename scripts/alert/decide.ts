// The incident decisions, pure: fleet nodes + status view + our open issues + the clock →
// a list of actions. No I/O here, so every rule (thresholds, hysteresis, caps, maintenance)
// is tested without a server, and --dry-run prints exactly what a real run would do.
import { durationSeconds } from '../model/time.ts';
import type { Fleet } from '../model/types.ts';
import type { StatusView } from '../status/reader.ts';
import type { IncidentState, OpenIncident, TroubleState } from './state.ts';
import { currentTrouble } from './trouble.ts';
import { byText } from '../core/order.ts';

export interface NodeFacts { name: string; title: string; region: string }

export type Action =
  | { kind: 'open'; node: NodeFacts; state: IncidentState; runs: number }
  | { kind: 'change'; node: NodeFacts; incident: OpenIncident; from: IncidentState; state: IncidentState }
  | { kind: 'close'; node: NodeFacts; incident: OpenIncident; upSince: string; outageMs: number }
  | { kind: 'pause'; node: NodeFacts; incident: OpenIncident; state: IncidentState }
  | { kind: 'resume'; node: NodeFacts; incident: OpenIncident; state: IncidentState };

export interface Plan {
  actions: Action[];
  /** Nodes in trouble past the thresholds that wait for a later run (max_new_issues_per_run). */
  waiting: { node: string; since: string }[];
  /** Nodes in trouble not (yet) past open_after / two runs: reported, not acted on. */
  pending: { node: string; state: TroubleState; since: string; runs: number }[];
  /** Nodes under maintenance or disabled that would otherwise be in trouble. */
  quiet: { node: string; why: 'maintenance' | 'disabled' }[];
}

const TROUBLE = new Set(['down', 'blocked', 'degraded']);
const sameState = (a: IncidentState, b: IncidentState): boolean =>
  a.state === b.state && (a.blocked_in ?? []).join() === (b.blocked_in ?? []).join();

export function decide(fleet: Fleet, view: StatusView, open: Map<string, OpenIncident>, now: Date): Plan {
  const cfg = fleet.settings.probe.incident;
  const openAfter = durationSeconds(cfg.open_after) * 1000;
  const closeAfter = durationSeconds(cfg.close_after) * 1000;
  const plan: Plan = { actions: [], waiting: [], pending: [], quiet: [] };
  const byName = new Map(fleet.nodes.map((n) => [n.name, n]));
  const names = [...new Set([...fleet.nodes.map((n) => n.name), ...open.keys()])].sort();
  const candidates: Extract<Action, { kind: 'open' }>[] = [];

  for (const name of names) {
    const node = byName.get(name);
    const facts: NodeFacts = { name, title: node?.title ?? name, region: node?.region ?? '' };
    const incident = open.get(name);
    const state = view.stateOf(name);
    const since = view.since(name);
    // A node removed from nodes/ counts as disabled: its open incident waits for a human.
    const paused = !node || !node.enabled ? 'disabled' as const : node.maintenance ? 'maintenance' as const : undefined;
    const current: IncidentState | undefined = TROUBLE.has(state) && since
      ? { state: state as TroubleState, since: since.toISOString(), last_change: since.toISOString(), ...(state === 'blocked' ? { blocked_in: view.blockedIn(name) } : {}) }
      : undefined;

    if (paused) {
      if (current) plan.quiet.push({ node: name, why: paused });
      // Said once (the state block remembers), then the issue stays open untouched.
      if (incident && incident.state.paused !== paused) plan.actions.push({ kind: 'pause', node: facts, incident, state: { ...incident.state, paused } });
      continue;
    }
    if (incident) {
      if (incident.state.paused) {
        plan.actions.push({ kind: 'resume', node: facts, incident, state: { ...incident.state, paused: undefined } });
        incident.state = { ...incident.state, paused: undefined };
      }
      if (current && !sameState(current, incident.state)) {
        plan.actions.push({ kind: 'change', node: facts, incident, from: incident.state, state: { ...current, since: incident.state.since || current.since } });
      } else if (state === 'up' && since && now.getTime() - since.getTime() >= closeAfter) {
        // Hysteresis: up for close_after, not just one good run, before we call it over.
        const began = Date.parse(incident.state.since);
        plan.actions.push({ kind: 'close', node: facts, incident, upSince: since.toISOString(), outageMs: Number.isNaN(began) ? 0 : since.getTime() - began });
      }
      // 'unknown' (no fresh results) and short recoveries leave the incident as it is.
      continue;
    }
    const trouble = current && currentTrouble(view, name);
    if (!current || !trouble) continue;
    // Time and runs together: one late run can span open_after alone, and a run every
    // minute can pile up runs within seconds; neither alone is evidence of an outage.
    const opening: IncidentState = { ...current, since: trouble.since.toISOString() };
    if (now.getTime() - trouble.since.getTime() >= openAfter && trouble.runs >= 2) candidates.push({ kind: 'open', node: facts, state: opening, runs: trouble.runs });
    else plan.pending.push({ node: name, state: current.state, since: opening.since, runs: trouble.runs });
  }

  // The longest-failing nodes first; the rest wait, so one bad run cannot flood the repo.
  candidates.sort((a, b) => byText(a.state.since, b.state.since) || byText(a.node.name, b.node.name));
  const cap = cfg.max_new_issues_per_run;
  plan.actions.push(...candidates.slice(0, cap));
  plan.waiting.push(...candidates.slice(cap).map((c) => ({ node: c.node.name, since: c.state.since })));
  return plan;
}
