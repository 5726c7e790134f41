// Which inbounds are blocked in which region, from the signed probe runs of the last day
// (the status store keeps those in full). Pure: the same runs and clock give the same
// findings. An inbound is blocked in region R when
//   - every run from R's vantages since `since` failed it, at least two of them, and
//     `since` is at least `recovery.after` ago (time, not runs: schedules slip);
//   - a vantage outside R reached it during that time (so the node is fine);
//   - a vantage of R had a healthy run (anything reached) within `after` (a vantage that
//     lost its own network blocks nothing).
import { addressOf } from '../model/inbound-facts.ts';
import { durationSeconds } from '../model/time.ts';
import type { Fleet, Inbound, Node } from '../model/types.ts';
import type { ProbeRun } from '../status/reader.ts';
import type { RecoveryEvent } from '../status/types.ts';
import { byText } from '../core/order.ts';

export type BlockKind = NonNullable<RecoveryEvent['kind']>;

export interface Streak {
  /** Time of the first run of the current failing (or clean) stretch from the region. */
  since: string;
  runs: number;
  vantages: string[];
}

export interface InboundFinding {
  region: string;
  node: string;
  inbound: string;
  /** Failing from the region right now (latest run from there), and for how long. */
  failing?: Streak;
  /** Passing from the region right now, and since when. */
  clean?: Streak;
  /** All three conditions above hold. */
  blocked: boolean;
  /** Why a failing inbound is not (yet) blocked. */
  reason?: string;
  kind?: BlockKind;
}

interface Sample { time: string; vantage: string; ok: boolean }

/** Results per region, node and tag, oldest first; and per vantage its last run with anything reached. */
function index(runs: readonly ProbeRun[]) {
  const byKey = new Map<string, Sample[]>();
  const healthy = new Map<string, string>();
  const outside = new Map<string, Sample[]>(); // node/tag → every sample, with the vantage's region in `vantage`
  const regionOf = new Map<string, string>();
  for (const run of [...runs].sort((a, b) => byText(a.time, b.time))) {
    regionOf.set(run.vantage.name, run.vantage.region);
    let any = false;
    for (const n of run.nodes) {
      for (const e of n.endpoints) {
        any ||= e.ok;
        const key = `${run.vantage.region}\u0000${n.node}\u0000${e.tag}`;
        const list = byKey.get(key) ?? [];
        list.push({ time: run.time, vantage: run.vantage.name, ok: e.ok });
        byKey.set(key, list);
        const all = outside.get(`${n.node}\u0000${e.tag}`) ?? [];
        all.push({ time: run.time, vantage: run.vantage.name, ok: e.ok });
        outside.set(`${n.node}\u0000${e.tag}`, all);
      }
    }
    if (any) healthy.set(run.vantage.name, run.time);
  }
  return { byKey, healthy, outside, regionOf };
}

/** The newest stretch of equal results (all failing, or all passing), newest run last. */
function streakOf(samples: Sample[], ok: boolean): Streak | undefined {
  if (samples.length === 0 || samples.at(-1)!.ok !== ok) return undefined;
  let i = samples.length - 1;
  while (i > 0 && samples[i - 1].ok === ok) i--;
  const part = samples.slice(i);
  return { since: part[0].time, runs: part.length, vantages: [...new Set(part.map((s) => s.vantage))].sort() };
}

/** What a censor keyed on: the node's address, the port, the TLS server name, or only this inbound. */
export function blockKind(node: Node, failing: ReadonlySet<string>, tag: string): BlockKind {
  const all = node.inbounds;
  const me = all.find((i) => i.tag === tag)!;
  // Every inbound on the address this one is dialled at (a node may have several: `addresses`).
  if (all.filter((i) => addressOf(node, i) === addressOf(node, me)).every((i) => failing.has(i.tag))) return 'address';
  const samePort = all.filter((i) => i.port === me.port);
  if (samePort.length > 1 && samePort.every((i) => failing.has(i.tag))) return 'port';
  const name = serverNameOf(node, me);
  const sameName = all.filter((i) => serverNameOf(node, i) === name);
  if (name && sameName.length > 1 && sameName.every((i) => failing.has(i.tag)) && all.some((i) => !failing.has(i.tag))) return 'server-name';
  return 'inbound';
}

/** The name a censor sees in the ClientHello: Reality's borrowed server, else the node's certificate name. */
export function serverNameOf(node: Node, inbound: Inbound): string | undefined {
  const reality = (inbound as { handshake_server?: string }).handshake_server;
  return reality ?? node.tls?.server_name;
}

export function findBlocks(fleet: Pick<Fleet, 'nodes' | 'settings'>, runs: readonly ProbeRun[], now: Date): InboundFinding[] {
  const afterMs = durationMs(fleet.settings.recovery.after);
  // Runs on the status branch were admitted by their vantage's signature (status push and
  // merge); only vantages fleet.yaml still declares, in the region it gives them, count.
  const declared = new Map(fleet.settings.probe.vantages.map((v) => [v.name, v.region]));
  const counted = runs.filter((r) => declared.get(r.vantage.name) === r.vantage.region && Date.parse(r.time) <= now.getTime());
  const { byKey, healthy, outside, regionOf } = index(counted);
  const regions = [...new Set(fleet.settings.probe.vantages.map((v) => v.region))].sort();
  const out: InboundFinding[] = [];
  for (const region of regions) {
    const own = [...regionOf.entries()].filter(([, r]) => r === region).map(([v]) => v);
    const vantageOk = own.some((v) => (healthy.has(v) ? now.getTime() - Date.parse(healthy.get(v)!) <= afterMs : false));
    for (const node of fleet.nodes) {
      const failingTags = new Set<string>();
      const local: InboundFinding[] = [];
      for (const inbound of node.inbounds) {
        const samples = byKey.get(`${region}\u0000${node.name}\u0000${inbound.tag}`) ?? [];
        if (samples.length === 0) continue;
        const failing = streakOf(samples, false);
        const clean = streakOf(samples, true);
        const f: InboundFinding = { region, node: node.name, inbound: inbound.tag, failing, clean, blocked: false };
        if (failing) {
          failingTags.add(inbound.tag);
          const elsewhere = (outside.get(`${node.name}\u0000${inbound.tag}`) ?? [])
            .some((s) => s.ok && regionOf.get(s.vantage) !== region && s.time >= failing.since);
          if (failing.runs < 2) f.reason = 'one failing run so far';
          else if (now.getTime() - Date.parse(failing.since) < afterMs) f.reason = `failing for less than recovery.after (${fleet.settings.recovery.after})`;
          else if (!elsewhere) f.reason = 'no vantage elsewhere reached it meanwhile: down, not blocked';
          else if (!vantageOk) f.reason = `no vantage in ${region} had a healthy run within recovery.after: its own network may be down`;
          else f.blocked = true;
        }
        local.push(f);
      }
      for (const f of local) {
        if (f.failing) f.kind = blockKind(node, failingTags, f.inbound);
        out.push(f);
      }
    }
  }
  return out;
}

export const durationMs = (text: string): number => durationSeconds(text) * 1000;
