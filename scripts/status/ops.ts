// The status commands' operations on a branch: push/merge runs, compact, pull, record
// incident events. Each is one updateBranch() change, so the retry-on-refusal logic exists once.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactTree, treeBytes } from './compact.ts';
import { foldRuns, runFileName } from './derive.ts';
import { closeClone, openClone, updateBranch, type BranchRef } from './git.ts';
import { readTree, STATUS_COMMIT_FILE, writeTree } from './store.ts';
import type { IncidentEvent, ProbeRun, RecoveryEvent } from './types.ts';
import { markOutputDir } from '../files/output-dir.ts';
import { isPlainFile, present, readPlainFile } from '../files/plain-file.ts';
import { byText } from '../core/order.ts';

export interface PushResult { added: string[]; skipped: string[]; refused: { path: string; reason: string }[]; attempts: number }

/**
 * Adds run files (written once: an existing path is left alone) and folds them into
 * latest.json. Used by `status push` (this vantage's run) and `status merge` (uploads).
 * A vantage's runs only move forward: one not newer than the newest run already stored
 * for its vantage is refused (a replay of an old run must not bring back its states).
 */
export async function pushRuns(ref: BranchRef, runs: ProbeRun[]): Promise<PushResult> {
  let added: string[] = [];
  let skipped: string[] = [];
  let refused: PushResult['refused'] = [];
  const inOrder = [...runs].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const r = await updateBranch(ref, (tree) => {
    added = []; skipped = []; refused = [];
    const fresh: { path: string; run: ProbeRun }[] = [];
    const newest = newestPerVantage(tree);
    for (const run of inOrder) {
      const path = runFileName(run);
      if (tree.runs.has(path) || compactedAlready(tree, run)) { skipped.push(path); continue; }
      const last = newest.get(run.vantage.name);
      if (last !== undefined && last >= Date.parse(run.time)) {
        refused.push({ path, reason: `it is not newer than the newest run of vantage "${run.vantage.name}" already stored (${new Date(last).toISOString()})` });
        continue;
      }
      newest.set(run.vantage.name, Date.parse(run.time));
      tree.runs.set(path, run);
      fresh.push({ path, run });
      added.push(path);
    }
    tree.latest = foldRuns(tree.latest, fresh, ref.now);
    const names = added.map((p) => p.replace(/^runs\//, '')).join(', ');
    return { changed: added.length > 0, message: `status: add ${added.length} run(s): ${names} [skip ci]` };
  });
  return { added, skipped, refused, attempts: r.attempts };
}

/** Per vantage, the time (ms) of its newest run on the branch, in runs/ or folded into history. */
function newestPerVantage(tree: ReturnType<typeof readTree>): Map<string, number> {
  const newest = new Map<string, number>();
  const see = (vantage: string, time: string): void => {
    const t = Date.parse(time);
    if (!(t <= (newest.get(vantage) ?? -Infinity))) newest.set(vantage, t);
  };
  for (const run of tree.runs.values()) see(run.vantage.name, run.time);
  for (const h of tree.history.values()) for (const p of h.points) if (p.resolution === 'run' && p.vantage) see(p.vantage, p.t);
  for (const node of Object.values(tree.latest?.nodes ?? {})) for (const [name, v] of Object.entries(node.vantages)) see(name, v.time);
  return newest;
}

/** A run older than the compaction window that history already covers is not re-added. */
function compactedAlready(tree: ReturnType<typeof readTree>, run: ProbeRun): boolean {
  return [...tree.history.values()].some((h) => h.points.some((p) => p.resolution === 'run' && p.t === run.time && p.vantage === run.vantage.name));
}

export interface CompactOutcome { foldedRuns: number; droppedPoints: number; squashed: boolean; bytes: number; attempts: number }

/**
 * Folds old runs into history and keeps the branch under `maxBytes`: the files get half of
 * the cap (Git's compressed copy of them is smaller), and when the branch's Git objects
 * exceed the cap its history is squashed into one commit.
 */
export async function compactBranch(ref: BranchRef, maxBytes: number): Promise<CompactOutcome> {
  let out = { foldedRuns: 0, droppedPoints: 0, bytes: 0 };
  const r = await updateBranch(ref, (tree, gitBytes) => {
    const res = compactTree(tree, ref.now, Math.floor(maxBytes / 2));
    out = { ...res, bytes: treeBytes(tree) };
    const squash = gitBytes > maxBytes;
    return {
      changed: res.foldedRuns > 0 || res.droppedPoints > 0 || squash,
      squash,
      message: `status: compact (${res.foldedRuns} run(s) into history${squash ? ', history squashed' : ''}) [skip ci]`,
    };
  });
  return { ...out, squashed: r.squashed, attempts: r.attempts };
}

/** Exports the branch's files (validated) into `out` for the site or incidents. */
export async function pullBranch(ref: BranchRef, out: string): Promise<{ runs: number; nodes: number }> {
  const c = await openClone(ref, { shallow: true });
  try {
    const tree = readTree(c.dir);
    mkdirSync(out, { recursive: true });
    // present(), not existsSync: a dangling link left there would be written through.
    for (const sub of ['runs', 'history', 'incidents', 'recovery', 'usage', 'latest.json', 'README.md']) if (present(join(out, sub))) rmSync(join(out, sub), { recursive: true });
    writeTree(out, tree);
    markOutputDir(out);
    // The branch's README, only as a plain file: never what a link there points to.
    for (const f of ['README.md']) if (isPlainFile(join(c.dir, f))) writeFileSync(join(out, f), readPlainFile(join(c.dir, f)));
    // Which commit this is: `--usage DIR` hands it to deploy, which records it in the marker.
    rmSync(join(out, STATUS_COMMIT_FILE), { force: true });
    if (c.exists) writeFileSync(join(out, STATUS_COMMIT_FILE), `${(await c.git.revparse(['HEAD'])).trim()}\n`);
    return { runs: tree.runs.size, nodes: Object.keys(tree.latest?.nodes ?? {}).length };
  } finally {
    closeClone(c);
  }
}

/**
 * Adds `events` to the month files they belong to (by each event's time), skipping one
 * already there, so a retried run is harmless. Says of each event whether it was added.
 */
function appendByMonth<E extends { t: string }>(
  months: Map<string, { schema_version: 1; month: string; events: E[] }>, events: E[],
  isThere: (recorded: readonly E[], e: E) => boolean, order: (a: E, b: E) => number,
): boolean[] {
  return events.map((e) => {
    const month = e.t.slice(0, 7);
    const file = months.get(month) ?? { schema_version: 1 as const, month, events: [] };
    // Two runs on either side of a month's end see each other's events too, whichever
    // recorded first.
    const around = [...(months.get(nextMonth(month, -1))?.events ?? []), ...(months.get(nextMonth(month, 1))?.events ?? [])];
    if (isThere(around.length ? [...around, ...file.events] : file.events, e)) return false;
    file.events.push(e);
    file.events.sort((a, b) => byText(a.t, b.t) || order(a, b));
    months.set(month, file);
    return true;
  });
}

/** `YYYY-MM` of the month `step` months from `month` (±1). */
function nextMonth(month: string, step: 1 | -1): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const k = y * 12 + (m - 1) + step;
  return `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`;
}

/** Runs that decide at once do so within minutes; a person closing an issue by hand, and
 *  a later run opening the incident again, is a new step to tell. */
const RACE_WINDOW_MS = 10 * 60 * 1000;

/**
 * Whether `e` is already told: the same event of the same run (a retry), or the same step
 * of the same incident another run recorded first. Two probe runs can decide at once (a
 * vantage merge beside the schedule): both see a node cross the threshold, both open an
 * issue, and each records its event at its own time. An incident is its node and the time
 * its trouble began; it resolves once, opens once within RACE_WINDOW_MS (again after a
 * person closed its issue), and a change repeats the latest step only when that step
 * already says the same state (a flap down → blocked → down is three steps, each told).
 */
export function incidentRecorded(recorded: readonly IncidentEvent[], e: IncidentEvent): boolean {
  if (recorded.some((x) => x.t === e.t && x.node === e.node && x.event === e.event)) return true;
  const incident = recorded.filter((x) => x.node === e.node && x.since === e.since);
  if (e.event === 'resolved') return incident.some((x) => x.event === 'resolved');
  if (e.event === 'opened') return incident.some((x) => x.event === 'opened' && Math.abs(Date.parse(x.t) - Date.parse(e.t)) < RACE_WINDOW_MS);
  const latest = incident.reduce<IncidentEvent | undefined>((l, x) => (l === undefined || byText(l.t, x.t) <= 0 ? x : l), undefined);
  return latest !== undefined && latest.event !== 'resolved' && latest.state === e.state
    && (latest.blocked_in ?? []).join(',') === (e.blocked_in ?? []).join(',');
}

/**
 * Appends incident events to incidents/<YYYY-MM>.json, each step of an incident once
 * (incidentRecorded). `fresh[i]`: whether events[i] was added by this call, so the
 * caller announces only those.
 */
export async function recordIncidents(ref: BranchRef, events: IncidentEvent[]): Promise<{ added: number; fresh: boolean[]; attempts: number }> {
  let fresh: boolean[] = [];
  const r = await updateBranch(ref, (tree) => {
    fresh = appendByMonth(tree.incidents, events, incidentRecorded, (a, b) => byText(a.node, b.node));
    const added = fresh.filter(Boolean).length;
    return { message: `incidents: ${added} event(s)`, changed: added > 0 };
  });
  return { added: fresh.filter(Boolean).length, fresh, attempts: r.attempts };
}

/** Appends recovery decisions to recovery/<YYYY-MM>.json; one with the same time, region, node, action and inbound is there once. */
export async function recordRecovery(ref: BranchRef, events: RecoveryEvent[]): Promise<{ added: number; attempts: number }> {
  let added = 0;
  const r = await updateBranch(ref, (tree) => {
    added = appendByMonth(tree.recovery, events,
      (recorded, e) => recorded.some((x) => x.t === e.t && x.region === e.region && x.node === e.node && x.action === e.action && x.inbound === e.inbound),
      (a, b) => byText(a.region, b.region) || byText(a.node, b.node)).filter(Boolean).length;
    return { message: `recovery: ${added} decision(s) [skip ci]`, changed: added > 0 };
  });
  return { added, attempts: r.attempts };
}
