// What a node says about itself (`boxfleet-node status`, the first line of a session) is
// hostile input: it must have this shape exactly, or the node is reported as failed.
import { OperationError } from '../core/command.ts';

export interface Marker {
  config_sha256: string;
  singbox_version: string;
  commit: string;
  deployed_at: string;
  /** The status-branch commit whose usage/ decided the quotas (deployed with `--usage`, script ≥ 3). */
  usage_commit?: string;
}

export interface NodeStatus {
  config_sha256: string | null;
  singbox_version: string | null;
  main_pid: number;
  active: boolean;
  manager: string;
  marker: Marker | null;
  script_version: number;
}

/**
 * What a node says about itself is hostile input: it must be this shape exactly (hashes as
 * hex, versions and commits in their alphabets), or the node is reported as failed. A
 * node answering `config_sha256: 12345` once threw outside any try and aborted a drift run.
 */
export function parseNodeStatus(stdout: string): NodeStatus {
  if (stdout.length > 64 * 1024) throw new OperationError('the node\'s status answer is larger than 64 KiB');
  let value: unknown;
  try { value = JSON.parse(stdout); } catch { throw new OperationError('the node\'s status answer is not JSON'); }
  const problem = nodeStatusProblem(value);
  if (problem) throw new OperationError(`the node's status answer is not valid: ${problem}`);
  // A marker the node cannot vouch for counts as none: the next deploy writes a good one.
  const status = value as NodeStatus;
  return markerProblem(status.marker) ? { ...status, marker: null } : status;
}

const HEX64 = /^[0-9a-f]{64}$/;
const VERSION_TEXT = /^[0-9A-Za-z.+-]{1,64}$/;
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function nodeStatusProblem(v: unknown): string | undefined {
  if (!isObj(v)) return 'not an object';
  const keys = ['config_sha256', 'singbox_version', 'main_pid', 'active', 'manager', 'marker', 'script_version'];
  const extra = Object.keys(v).find((k) => !keys.includes(k));
  if (extra !== undefined) return `unexpected field ${JSON.stringify(extra.slice(0, 40))}`;
  if (!(v.config_sha256 === null || (typeof v.config_sha256 === 'string' && HEX64.test(v.config_sha256)))) return 'config_sha256 must be 64 hex digits or null';
  if (!(v.singbox_version === null || (typeof v.singbox_version === 'string' && VERSION_TEXT.test(v.singbox_version)))) return 'singbox_version must be a version or null';
  if (!Number.isSafeInteger(v.main_pid) || (v.main_pid as number) < 0) return 'main_pid must be a whole number';
  if (typeof v.active !== 'boolean') return 'active must be true or false';
  if (v.manager !== 'systemd' && v.manager !== 'pidfile') return 'manager must be systemd or pidfile';
  if (!Number.isSafeInteger(v.script_version)) return 'script_version must be a whole number';
  if (v.marker !== null && !isObj(v.marker)) return 'marker must be an object or null';
  return undefined;
}

function markerProblem(m: unknown): string | undefined {
  if (m === null) return undefined;
  if (!isObj(m)) return 'marker must be an object or null';
  if (typeof m.config_sha256 !== 'string' || !HEX64.test(m.config_sha256)) return 'marker.config_sha256 must be 64 hex digits';
  if (typeof m.singbox_version !== 'string' || !VERSION_TEXT.test(m.singbox_version)) return 'marker.singbox_version must be a version';
  if (typeof m.commit !== 'string' || !/^[0-9A-Za-z._-]{0,64}$/.test(m.commit)) return 'marker.commit must be a commit id';
  if (typeof m.deployed_at !== 'string' || !/^[0-9T:.+Z-]{0,40}$/.test(m.deployed_at)) return 'marker.deployed_at must be a time';
  if (m.usage_commit !== undefined && (typeof m.usage_commit !== 'string' || !/^[0-9a-f]{40}$/.test(m.usage_commit))) return 'marker.usage_commit must be a commit id';
  return undefined;
}

