// The GitHub side of incidents: read our open incident issues (label + hidden marker) and
// apply a plan's actions one by one. Writes stay sequential (the client's throttling spaces
// them) and one failed action does not stop the others: each result is reported.
import type { GitHubClient } from '../github/client.ts';
import type { Fleet } from '../model/types.ts';
import type { StatusView } from '../status/reader.ts';
import type { Action } from './decide.ts';
import { INCIDENT_LABEL, nodeLabel, parseIncident, withState, type OpenIncident } from './state.ts';
import { changeComment, closeComment, issueBody, issueTitle, pauseComment, resumeComment } from './text.ts';

export interface Outcome { action: Action; ok: boolean; url?: string; error?: string }

/** An open incident issue for a node that already has one: `of` is the one that stays. */
export interface Duplicate { number: number; of: number }

/**
 * Open incidents by node. A second open issue for the same node (two probe runs that decided
 * at once: a vantage merge and the schedule; a manual reopen) is a duplicate: oldest wins.
 */
export async function listIncidents(gh: GitHubClient): Promise<{ open: Map<string, OpenIncident>; duplicates: Duplicate[] }> {
  const issues = await gh.octokit.paginate(gh.octokit.rest.issues.listForRepo, { owner: gh.owner, repo: gh.repo, state: 'open', labels: INCIDENT_LABEL, per_page: 100 });
  const open = new Map<string, OpenIncident>();
  const duplicates: Duplicate[] = [];
  for (const issue of issues.filter((i) => !i.pull_request).sort((a, b) => a.number - b.number)) {
    const inc = parseIncident(issue);
    if (!inc) continue; // a human's issue with our labels: not ours to touch
    const kept = open.get(inc.node);
    if (kept) duplicates.push({ number: inc.number, of: kept.number });
    else open.set(inc.node, inc);
  }
  return { open, duplicates };
}

/** Closes each duplicate with a comment naming the issue that tracks the node; never throws. */
export async function closeDuplicates(gh: GitHubClient, duplicates: Duplicate[]): Promise<string[]> {
  const notes: string[] = [];
  for (const d of duplicates) {
    try {
      await gh.octokit.rest.issues.createComment({ owner: gh.owner, repo: gh.repo, issue_number: d.number, body: `Duplicate of #${d.of}, which tracks this node (two probe runs decided at the same time). Closed by boxfleet.` });
      await gh.octokit.rest.issues.update({ owner: gh.owner, repo: gh.repo, issue_number: d.number, state: 'closed', state_reason: 'not_planned' });
      notes.push(`incidents: closed #${d.number}, a duplicate of #${d.of}`);
    } catch (e) {
      notes.push(`incidents: could not close duplicate #${d.number} (${(e as Error).message})`);
    }
  }
  return notes;
}

export function labelsFor(fleet: Fleet, node: string): string[] {
  return [...new Set([INCIDENT_LABEL, ...fleet.settings.alerts.github_labels, nodeLabel(node)])];
}

/**
 * Creates the labels an issue needs that the repository lacks, each at most once per run.
 * GitHub would auto-create them on issues.create, but grey and without a description, and
 * not at all when the token cannot push; asking first makes a missing permission visible.
 */
async function ensureLabels(gh: GitHubClient, names: string[], known: Set<string>): Promise<void> {
  for (const name of names) {
    if (known.has(name)) continue;
    try {
      await gh.octokit.rest.issues.getLabel({ owner: gh.owner, repo: gh.repo, name });
    } catch (e) {
      if ((e as { status?: number }).status !== 404) throw e;
      const color = name === INCIDENT_LABEL ? 'd73a4a' : name.startsWith('node:') ? 'c5def5' : 'ededed';
      try {
        await gh.octokit.rest.issues.createLabel({ owner: gh.owner, repo: gh.repo, name, color, description: 'boxfleet incidents (fleet incidents)' });
      } catch (c) {
        // 422 already_exists: another run created it in between; that is what we wanted.
        if ((c as { status?: number }).status !== 422) throw c;
      }
    }
    known.add(name);
  }
}

function failure(e: unknown): string {
  const err = e as { status?: number; message?: string };
  return `${err.status ? `HTTP ${err.status}: ` : ''}${err.message ?? String(e)}`;
}

export async function applyActions(gh: GitHubClient, fleet: Fleet, view: StatusView, actions: Action[]): Promise<Outcome[]> {
  const repo = { owner: gh.owner, repo: gh.repo };
  const show = fleet.settings.alerts.show_addresses;
  const outcomes: Outcome[] = [];
  const labels = new Set<string>();
  for (const a of actions) {
    try {
      if (a.kind === 'open') {
        const node = fleet.nodes.find((n) => n.name === a.node.name);
        await ensureLabels(gh, labelsFor(fleet, a.node.name), labels);
        const made = await gh.octokit.rest.issues.create({ ...repo, title: issueTitle(a.node, a.state), body: issueBody(a, view, node, show), labels: labelsFor(fleet, a.node.name) });
        outcomes.push({ action: a, ok: true, url: made.data.html_url });
        continue;
      }
      const n = a.incident.number;
      const comment = a.kind === 'change' ? changeComment(a) : a.kind === 'close' ? closeComment(a, fleet.settings.probe.incident.close_after)
        : a.kind === 'pause' ? pauseComment(a) : resumeComment();
      // Comment first: if the update then fails, the next run sees the old state and says it
      // again, which is better than a silently updated block nobody was told about.
      await gh.octokit.rest.issues.createComment({ ...repo, issue_number: n, body: comment });
      if (a.kind === 'close') {
        await gh.octokit.rest.issues.update({ ...repo, issue_number: n, state: 'closed', state_reason: 'completed' });
      } else {
        const body = withState(a.incident.body, a.state);
        a.incident.body = body; // a resume and a change in the same run build on each other
        await gh.octokit.rest.issues.update({ ...repo, issue_number: n, body, ...(a.kind === 'change' ? { title: issueTitle(a.node, a.state) } : {}) });
      }
      outcomes.push({ action: a, ok: true, url: a.incident.url });
    } catch (e) {
      outcomes.push({ action: a, ok: false, error: failure(e) });
    }
  }
  return outcomes;
}
