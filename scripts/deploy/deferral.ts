// Which changed nodes wait for their region's deploy window (window.ts says why they may):
// the config a node runs is rebuilt from Git at its marker's commit and time, trusted only
// when its hash is the live one (under the quotas of the status commit the marker names),
// and compared with the new render. Anything unproven, a new binary, or a change that
// takes something away deploys now.
import { loadFleet } from '../model/load.ts';
import { withQuota } from '../model/quota.ts';
import type { DeployInputs, NodeStatus, RenderAll, Rendered } from './inputs.ts';
import type { Marker } from './node-status.ts';
import { sha256 } from './inputs.ts';
import { changeKind, describeWait, isOpen, parseWindow } from './window.ts';

export interface DeferralInput { r: Rendered; status: NodeStatus; binary: boolean }

/** For each node that waits, the sentence that says until when; the others are absent. */
export async function deferrals(root: string, now: Date, inputs: DeployInputs, render: RenderAll, nodes: DeferralInput[]): Promise<Map<string, string>> {
  const windows = inputs.fleet.settings.deploy.window;
  const out = new Map<string, string>();
  const previous = new Map<string, Promise<Map<string, string> | undefined>>();
  for (const n of nodes) {
    // Own keys only: a region may be called `constructor`.
    const text = Object.hasOwn(windows, n.r.node.region) ? windows[n.r.node.region] : undefined;
    // A node that runs no sing-box, or already runs this config (its marker or process is
    // what needs the deploy), has nothing to wait for: it is down or unproven now.
    if (!text || n.binary || !n.status.active || n.status.config_sha256 === n.r.sha256) continue;
    const window = parseWindow(text);
    if (isOpen(window, now)) continue;
    const marker = n.status.marker;
    if (!marker || marker.config_sha256 !== n.status.config_sha256 || !/^[0-9a-f]{40}$/.test(marker.commit)) continue;
    const key = `${marker.commit} ${marker.deployed_at} ${marker.usage_commit ?? ''}`;
    if (!previous.has(key)) previous.set(key, renderAt(root, marker, inputs, render));
    const old = (await previous.get(key))?.get(n.r.node.name);
    if (old === undefined || sha256(old) !== n.status.config_sha256) continue;
    if (changeKind(old, n.r.config) === 'users-added') out.set(n.r.node.name, describeWait(window, now));
  }
  return out;
}

/**
 * Every node's config as the fleet at the marker's commit rendered it at its time, with the
 * quota state of the status commit it names; undefined when that cannot be done.
 */
async function renderAt(root: string, marker: Marker, inputs: DeployInputs, render: RenderAll): Promise<Map<string, string> | undefined> {
  const when = new Date(marker.deployed_at);
  if (Number.isNaN(when.getTime())) return undefined;
  try {
    // Loaded here, not at start-up: simple-git and the status schema cost every deploy
    // about 50 ms, and only a node outside its window comes this far.
    const [{ gitSource }, { readUsageAt }] = await Promise.all([import('../render/plan/git-source.ts'), import('../status/at-commit.ts')]);
    const { source } = await gitSource(root, marker.commit, 'marker commit');
    const fleet = loadFleet(root, when, source).fleet;
    const months = marker.usage_commit ? await readUsageAt(root, marker.usage_commit) : undefined;
    if (marker.usage_commit && !months) return undefined;
    return fleet ? render(withQuota(fleet, months, when), inputs.store, when) : undefined;
  } catch {
    return undefined; // not a Git checkout, a shallow one, or a commit that no longer loads
  }
}
