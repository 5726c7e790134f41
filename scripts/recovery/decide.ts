// From findings and the decisions so far to the next decisions. Pure. The guards:
//   - a blocked inbound leaves the region's subscriptions only if the node keeps a working
//     inbound there (a promoted standby, or another published inbound passing from there):
//     never the last one;
//   - a standby is promoted only if its own latest run from the region passed;
//   - at most `recovery.max_per_day` promotions per region in 24 hours, fleet-wide;
//   - a block nothing can be done about is recorded once as `hold` (why: no standby left,
//     or max_per_day), so the incident can say so;
//   - a withdrawn inbound comes back after `recovery.restore_after` of passing runs (at
//     least two) from the region, and its standby goes back to standby.
import type { Fleet, Node } from '../model/types.ts';
import type { RecoveryEvent } from '../status/types.ts';
import { durationMs, type InboundFinding } from './detect.ts';
import { choiceFor, foldRecovery, inboundKey, isPublished } from './state.ts';

export interface Decisions {
  events: RecoveryEvent[];
  /** One line per blocked inbound nothing was done about, and why. */
  notes: string[];
}

const DAY_MS = 24 * 3600_000;

export function decide(fleet: Pick<Fleet, 'nodes' | 'settings'>, findings: readonly InboundFinding[], prior: readonly RecoveryEvent[], now: Date): Decisions {
  const policy = fleet.settings.recovery;
  const t = now.toISOString();
  const events: RecoveryEvent[] = [];
  const notes: string[] = [];
  const finding = new Map(findings.map((f) => [`${f.region}\u0000${f.node}\u0000${f.inbound}`, f]));
  const passing = (region: string, node: string, tag: string) => finding.get(`${region}\u0000${node}\u0000${tag}`)?.clean !== undefined;
  const nodes = new Map(fleet.nodes.map((n) => [n.name, n]));
  const promotionsToday = (region: string) => [...prior, ...events]
    .filter((e) => e.region === region && e.action === 'withdraw' && e.standby && now.getTime() - Date.parse(e.t) < DAY_MS).length;

  // Restores first: an inbound that is clean again frees its standby for other blocks.
  const state = foldRecovery(prior);
  for (const [region, withdrawn] of state.withdrawn) {
    for (const [key, w] of withdrawn) {
      const [node, tag] = key.split('/') as [string, string];
      const f = finding.get(`${region}\u0000${node}\u0000${tag}`);
      const clean = f?.clean;
      if (!clean || clean.runs < 2) continue;
      const cleanFrom = Math.max(Date.parse(clean.since), Date.parse(w.since));
      if (now.getTime() - cleanFrom < durationMs(policy.restore_after)) continue;
      events.push({ t, region, node, action: 'restore', inbound: tag, ...(w.standby ? { standby: w.standby } : {}), evidence: { since: new Date(cleanFrom).toISOString(), runs: clean.runs, vantages: clean.vantages } });
    }
  }

  for (const f of findings) {
    if (!f.blocked || !f.failing) continue;
    const node = nodes.get(f.node);
    if (!node) continue;
    const choice = choiceFor(foldRecovery([...prior, ...events]), f.region);
    const inbound = node.inbounds.find((i) => i.tag === f.inbound);
    if (!inbound || !isPublished(choice, node.name, inbound)) continue; // not in anyone's profile there
    const what = `${node.name} ${inbound.tag} is blocked in ${f.region} (${f.kind ?? 'inbound'})`;
    const standby = standbyFor(node, f.region, choice, passing);
    const others = node.inbounds.filter((i) => i.tag !== inbound.tag && isPublished(choice, node.name, i) && passing(f.region, node.name, i.tag));
    const evidence = { since: f.failing.since, runs: f.failing.runs, vantages: f.failing.vantages };
    const base = { t, region: f.region, node: node.name, action: 'withdraw' as const, inbound: inbound.tag, ...(f.kind ? { kind: f.kind } : {}), evidence };
    const full = promotionsToday(f.region) >= policy.max_per_day;
    if (standby && !full) {
      events.push({ ...base, standby: standby.tag });
    } else if (others.length > 0) {
      events.push(base);
      notes.push(`${what}: withdrawn there; ${others.map((i) => i.tag).join(', ')} carr${others.length === 1 ? 'ies' : 'y'} on${standby ? ` (no promotion: ${policy.max_per_day} already in 24 h in ${f.region})` : ''}`);
    } else {
      notes.push(`${what}: nothing changed — ${standby ? `${policy.max_per_day} promotion(s) in 24 h already in ${f.region} (recovery.max_per_day)` : 'no standby left that passes from there'}, and it is the node's last inbound there`);
      // Said once per block (same evidence start), so the incident can tell why nothing moved.
      // A whole address blocked is one hold for the node, not one per inbound.
      const same = (e: RecoveryEvent) => e.action === 'hold' && e.region === f.region && e.node === node.name
        && (f.kind === 'address' ? e.kind === 'address' : e.inbound === inbound.tag) && e.evidence.since.slice(0, 16) === evidence.since.slice(0, 16);
      const said = [...prior, ...events].some(same);
      if (!said) events.push({ ...base, action: 'hold', reason: standby ? 'max-per-day' : 'no-standby' });
    }
  }
  return { events, notes };
}

/** The first standby of the node (file order) not yet published in the region whose latest run from there passed. */
function standbyFor(node: Node, region: string, choice: ReturnType<typeof choiceFor>, passing: (r: string, n: string, t: string) => boolean) {
  return node.inbounds.find((i) => i.standby && !choice.promoted.has(inboundKey(node.name, i.tag))
    && !choice.withdrawn.has(inboundKey(node.name, i.tag)) && passing(region, node.name, i.tag));
}
