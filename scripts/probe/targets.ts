// Where probe targets come from: the fleet plus FLEET_SECRET (endpointsOf with the probe
// identity, exactly as the rendered profiles), or a probe manifest made earlier with it.
import type { Endpoint } from '../render/endpoint.ts';
import { endpointsOf, probeIdentity } from '../render/endpoint.ts';
import { openCredentialStore, PROBE_USER, type MasterSecret } from '../secrets/index.ts';
import type { Fleet } from '../model/types.ts';
import type { ProbeTarget } from './types.ts';

export function targetOf(ep: Endpoint): ProbeTarget {
  const t: ProbeTarget = {
    node: ep.node.name, region: ep.node.region, maintenance: ep.node.maintenance,
    tag: ep.inbound.tag, type: ep.inbound.type, server: ep.server, port: ep.port,
  };
  // Every fact the protocol added (whatever the protocol), copied; only what is defined,
  // so manifests stay free of `undefined` noise.
  const { node: _n, inbound: _i, label: _l, server: _s, port: _p, ...facts } = ep;
  for (const [k, v] of Object.entries(facts)) {
    if (v !== undefined) (t as unknown as Record<string, unknown>)[k] = JSON.parse(JSON.stringify(v));
  }
  return t;
}

/** Targets of every enabled node (optionally only `names`), in node and inbound order. */
export function targetsFromFleet(fleet: Fleet, master: MasterSecret, names?: string[]): ProbeTarget[] {
  const store = openCredentialStore(master, fleet.settings.epoch);
  const who = probeIdentity(store, fleet.settings.probe.rev, PROBE_USER);
  return fleet.nodes
    .filter((n) => n.enabled && (!names || names.includes(n.name)))
    .flatMap((n) => endpointsOf(n, store, who).map(targetOf));
}

/** Names that --nodes asked for but the fleet does not have (a usage error upstream). */
export function unknownNodes(known: string[], names?: string[]): string[] {
  return (names ?? []).filter((n) => !known.includes(n));
}
