// Run identity and leftovers: every run gets a unique name prefix and a directory
// /tmp/boxfleet-harness/<prefix>/ whose state.json names the owning process. A later run
// removes what an earlier run left behind only when that owner is provably dead, so a
// live run in another process is never touched.
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { mkdirSync, readFileSync, readdirSync, rmdirSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { deleteNetworkSync, linksWithPrefix, NAME_RE, netnsPids, netnsWithPrefix } from './net.ts';
import { isSameLiveProcess, killAllSync, pidsWithCmdline, runSync, startTime } from './proc.ts';

export const BASE_DIR = '/tmp/boxfleet-harness';

export interface RunState {
  prefix: string;
  pid: number;
  start?: number;
  createdAt: string;
  subnet?: string;
}

export const stateFile = (dir: string): string => `${dir}/state.json`;

export function writeState(dir: string, state: RunState): void {
  writeFileSync(`${stateFile(dir)}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${stateFile(dir)}.tmp`, stateFile(dir));
}

export function readState(dir: string): RunState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as RunState;
  } catch {
    return undefined;
  }
}

/**
 * Claims a fresh prefix: mkdir of its run directory is the atomic claim, and a prefix
 * that still has namespaces or links (from a run whose directory is gone) is skipped.
 */
export function claimRun(): { prefix: string; dir: string } {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Every attempt: the last run to end removes the base directory (teardownRunSync).
    mkdirSync(BASE_DIR, { recursive: true, mode: 0o700 });
    const prefix = `bft${randomBytes(2).toString('hex')}`;
    if (netnsWithPrefix(prefix).length > 0 || linksWithPrefix(prefix).length > 0) continue;
    const dir = `${BASE_DIR}/${prefix}`;
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch {
      continue;
    }
    writeState(dir, { prefix, pid: process.pid, start: startTime(process.pid), createdAt: new Date().toISOString() });
    return { prefix, dir };
  }
  throw new Error('boxfleet harness: could not claim a free run prefix');
}

/**
 * Stops every process of a run and removes its network objects and directory.
 * Synchronous so it can run from an exit handler. Returns problems found (normally none).
 */
export function teardownRunSync(prefix: string, dir: string, extraPids: Iterable<number> = []): string[] {
  const problems: string[] = [];
  // Namespaced processes (sshd, sessions, servers), plus root-namespace ssh clients and
  // ControlMasters, which all carry the run directory in their argv.
  const pids = new Set<number>(extraPids);
  // A process may fork between listing and killing: sweep a few rounds.
  for (let round = 0; round < 3; round++) {
    const nsList = netnsWithPrefix(prefix);
    nsList.forEach((ns) => netnsPids(ns).forEach((p) => pids.add(p)));
    pidsWithCmdline(`${dir}/`).forEach((p) => pids.add(p));
    const survivors = killAllSync(pids);
    if (survivors.length === 0 && nsList.every((ns) => netnsPids(ns).length === 0)) break;
    if (round === 2 && survivors.length > 0) problems.push(`still alive after KILL: ${survivors.join(' ')}`);
  }
  problems.push(...deleteNetworkSync(prefix));
  // Host mounts live only in the hosts' private mount namespaces and vanish with their
  // last process; unmount anything under the run dir here anyway, so rm can never
  // descend into a mount. state.json goes last, with the directory.
  problems.push(...unmountUnder(dir));
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (e) {
    problems.push(`rm ${dir}: ${String(e)}`);
  }
  // The base directory goes with the last run (claimRun makes it again): nothing left in /tmp.
  if (dirname(dir) === BASE_DIR) try { rmdirSync(BASE_DIR); } catch { /* another run's directory is still there */ }
  return problems;
}

function unmountUnder(dir: string): string[] {
  let info = '';
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  // Field 5 is the mount point; deepest first.
  const targets = info
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((t) => t === dir || t.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  return targets.flatMap((t) => {
    const r = runSync('umount', ['-l', t]);
    return r.code === 0 ? [] : [`umount ${t}: ${r.stderr.trim()}`];
  });
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Removes runs whose owner process is dead (crashed or SIGKILLed before stop()).
 * A directory with no state file is only considered debris after 30 s, because a live
 * run writes its state right after creating the directory.
 */
export function cleanStaleRuns(baseDir = BASE_DIR): { removed: string[]; problems: string[] } {
  const removed: string[] = [];
  const problems: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(baseDir);
  } catch {
    return { removed, problems };
  }
  for (const prefix of entries.filter((e) => NAME_RE.test(e))) {
    const dir = `${baseDir}/${prefix}`;
    const state = readState(dir);
    const stale = state ? !isSameLiveProcess(state.pid, state.start) : ageMs(dir) > 30_000;
    if (!stale) continue;
    problems.push(...teardownRunSync(prefix, dir));
    removed.push(prefix);
  }
  return { removed, problems };
}
