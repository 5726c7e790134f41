// The probe manifest: per node and inbound, what a client needs to connect as the probe
// user, plus the probe URL. A probe on a machine without FLEET_SECRET (a self-hosted runner
// in the users' country) reads this instead; the nodes let the probe user reach only the
// probe URL, so the file opens nothing else.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OperationError } from '../core/command.ts';
import type { Fleet } from '../model/types.ts';
import { maskFields, type MasterSecret } from '../secrets/index.ts';
import { targetsFromFleet } from './targets.ts';
import type { ProbeTarget } from './types.ts';

export interface ProbeManifest {
  kind: 'boxfleet-probe-manifest';
  manifest_version: 1;
  fleet: string;
  /** True when made with the public demo secret: fine for tests, useless against real nodes. */
  demo: boolean;
  probe: { url: string; rev: number; timeout: string; show_addresses: boolean };
  targets: ProbeTarget[];
}

export function buildManifest(fleet: Fleet, master: MasterSecret): ProbeManifest {
  const p = fleet.settings.probe;
  return {
    kind: 'boxfleet-probe-manifest', manifest_version: 1, fleet: fleet.settings.name, demo: master.demo,
    probe: { url: p.url, rev: p.rev, timeout: p.timeout, show_addresses: fleet.settings.alerts.show_addresses },
    targets: targetsFromFleet(fleet, master),
  };
}

/** True for the text of a manifest this command wrote before (it may be replaced). */
export function isManifestText(text: string): boolean {
  try { return (JSON.parse(text) as { kind?: unknown })?.kind === 'boxfleet-probe-manifest'; } catch { return false; }
}

export function writeManifest(path: string, m: ProbeManifest): void {
  // 0600: the file holds the probe user's credentials and node-level keys. Written beside
  // and renamed over, so an older manifest (perhaps 0644) is replaced, never rewritten in place.
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, JSON.stringify(m, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Where a manifest keeps credentials: the probe user's, and node keys clients hold. */
const CREDENTIAL_FIELDS: ReadonlySet<string> = new Set(['uuid', 'password', 'obfs_password', 'short_id']);

/**
 * Reads a manifest. With `mask` (a vantage runner in GitHub Actions, which holds no
 * FLEET_SECRET to derive them) every credential in it is masked before anything else runs.
 */
export function readManifest(path: string, opts: { mask: boolean } = { mask: false }): ProbeManifest {
  let m: ProbeManifest;
  try { m = JSON.parse(readFileSync(path, 'utf8')) as ProbeManifest; } catch (e) {
    throw new OperationError(`cannot read probe manifest ${path}: ${(e as Error).message}`);
  }
  if (m?.kind !== 'boxfleet-probe-manifest' || m.manifest_version !== 1 || !Array.isArray(m.targets) || typeof m.probe?.url !== 'string') {
    throw new OperationError(`${path} is not a boxfleet probe manifest (version 1); make one with \`npm run fleet -- probe manifest --out FILE\``);
  }
  if (opts.mask) maskFields(m.targets, CREDENTIAL_FIELDS);
  for (const [i, t] of m.targets.entries()) {
    if (typeof t.node !== 'string' || typeof t.tag !== 'string' || typeof t.server !== 'string' || !Number.isInteger(t.port)) {
      throw new OperationError(`${path}: targets[${i}] lacks node, tag, server or port`);
    }
  }
  return m;
}
