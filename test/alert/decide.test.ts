// The incident rules without servers: status store in memory (the status module's own fold),
// the demo fleet, our open incidents and a pinned clock in, a plan out.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decide } from '../../scripts/alert/decide.ts';
import type { IncidentState, OpenIncident } from '../../scripts/alert/state.ts';
import { loadFleet } from '../../scripts/model/load.ts';
import type { Fleet } from '../../scripts/model/types.ts';
import { foldRuns, runFileName } from '../../scripts/status/derive.ts';
import { viewOf, type StatusView } from '../../scripts/status/reader.ts';
import type { NodeState, ProbeRun } from '../../scripts/status/types.ts';
import { at, probeRun } from './helpers.ts';

const fleet: Fleet = loadFleet(resolve(import.meta.dirname, '../..'), new Date(at(0))).fleet!;

function view(runs: ProbeRun[]): StatusView {
  const entries = runs.map((run) => ({ path: runFileName(run), run }));
  return viewOf({ runs: new Map(entries.map((e) => [e.path, e.run])), history: new Map(), incidents: new Map(), recovery: new Map(), usage: new Map(), latest: foldRuns(undefined, entries, new Date(runs.at(-1)!.time)) });
}
const us = (m: number, s: NodeState) => probeRun('github', 'us', m, { 'tokyo-1': s });
const cn = (m: number, s: NodeState) => probeRun('home-cn', 'cn', m, { 'tokyo-1': s });
const incident = (state: IncidentState): OpenIncident => ({ number: 7, url: 'https://github.com/acme/fleet/issues/7', node: 'tokyo-1', state, body: '' });

describe('decide', () => {
  it('counts down → degraded → down as one stretch of trouble (latest since alone would restart the clock)', () => {
    // degraded = one vantage down, one up, same region: here two "us" vantages.
    const runs = [us(0, 'down'), us(15, 'degraded'), us(30, 'down')];
    const plan = decide(fleet, view(runs), new Map(), new Date(at(30)));
    expect(plan.actions).toMatchObject([{ kind: 'open', node: { name: 'tokyo-1' }, state: { state: 'down', since: at(0), last_change: at(30) }, runs: 3 }]);
  });

  it('opens "blocked in cn" when the vantages report minutes apart', () => {
    const runs = [us(0, 'up'), cn(3, 'down'), us(15, 'up'), cn(18, 'down'), us(30, 'up'), cn(33, 'down')];
    const plan = decide(fleet, view(runs), new Map(), new Date(at(33)));
    expect(plan.actions).toMatchObject([{ kind: 'open', state: { state: 'blocked', blocked_in: ['cn'], since: at(3) }, runs: 5 }]);
  });

  it('needs both open_after and two runs: one late run spanning open_after is not enough', () => {
    expect(decide(fleet, view([us(0, 'up'), us(45, 'down')]), new Map(), new Date(at(90))).pending)
      .toEqual([{ node: 'tokyo-1', state: 'down', since: at(45), runs: 1 }]);
    expect(decide(fleet, view([us(0, 'down'), us(1, 'down'), us(2, 'down')]), new Map(), new Date(at(2))).actions).toEqual([]);
  });

  it('flapping for 20 runs: never opens; inside an open incident never closes, comments or changes', () => {
    const runs: ProbeRun[] = [];
    for (let i = 0; i < 20; i++) {
      runs.push(us(i * 15, i % 2 ? 'up' : 'down'));
      expect(decide(fleet, view(runs), new Map(), new Date(at(i * 15))).actions).toEqual([]);
    }
    const open = new Map([['tokyo-1', incident({ state: 'down', since: at(0), last_change: at(0) })]]);
    for (let n = 1; n <= 20; n++) {
      expect(decide(fleet, view(runs.slice(0, n)), open, new Date(at((n - 1) * 15))).actions).toEqual([]);
    }
  });

  it('closes only after close_after of "up", with the outage from incident start to recovery', () => {
    const open = () => new Map([['tokyo-1', incident({ state: 'down', since: at(0), last_change: at(0) })]]);
    const runs = [us(0, 'down'), us(15, 'down'), us(30, 'up'), us(45, 'up')];
    expect(decide(fleet, view(runs), open(), new Date(at(45))).actions).toEqual([]);
    const plan = decide(fleet, view([...runs, us(60, 'up')]), open(), new Date(at(60)));
    expect(plan.actions).toMatchObject([{ kind: 'close', upSince: at(30), outageMs: 30 * 60_000 }]);
  });

  it('a state change inside an incident keeps the incident start and records when it changed', () => {
    const open = new Map([['tokyo-1', incident({ state: 'down', since: at(0), last_change: at(0) })]]);
    const plan = decide(fleet, view([us(0, 'down'), cn(0, 'down'), us(15, 'up'), cn(15, 'down')]), open, new Date(at(15)));
    expect(plan.actions).toMatchObject([{ kind: 'change', from: { state: 'down' }, state: { state: 'blocked', blocked_in: ['cn'], since: at(0), last_change: at(15) } }]);
  });

  it('caps new issues per run, longest-failing first', () => {
    const capped = { ...fleet, settings: { ...fleet.settings, probe: { ...fleet.settings.probe, incident: { ...fleet.settings.probe.incident, max_new_issues_per_run: 2 } } } };
    const all = (m: number, tokyo: NodeState) => probeRun('github', 'us', m, { 'tokyo-1': tokyo, 'singapore-1': 'down', 'frankfurt-1': 'down' });
    const plan = decide(capped, view([all(0, 'up'), all(15, 'down'), all(30, 'down'), all(45, 'down')]), new Map(), new Date(at(45)));
    expect(plan.actions.map((a) => a.node.name)).toEqual(['frankfurt-1', 'singapore-1']);
    expect(plan.waiting).toEqual([{ node: 'tokyo-1', since: at(15) }]);
  });
});
