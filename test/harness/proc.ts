// Process helpers for the test-host harness: bounded command runs, zombie-aware
// liveness checks and a bounded TERM-then-KILL sweep.
//
// Teardown must also run from a process 'exit' handler, where nothing async runs,
// so everything that teardown needs exists in a synchronous form here.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, readSync } from 'node:fs';

export interface RunResult {
  /** Exit code, or null when the process was killed by a signal (e.g. on timeout). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the harness killed the process because timeoutMs passed. */
  timedOut: boolean;
}

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Runs a command with a deadline; never throws for a non-zero exit. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    // A remote command that exits early closes stdin under us; that is not our error.
    child.stdin.on('error', () => {});
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Like run() but throws (with stderr in the message) unless the exit code is 0. */
export async function runChecked(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(describeFailure([cmd, ...args], r));
  return r;
}

export function describeFailure(argv: readonly string[], r: RunResult): string {
  const what = r.timedOut ? 'timed out' : r.code === null ? `killed by ${r.signal}` : `exited ${r.code}`;
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-15).join('\n');
  return `${argv.join(' ')} ${what}${tail ? `:\n${tail}` : ''}`;
}

/** Synchronous run for teardown paths; never throws. */
export function runSync(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(cmd, args, { input: opts.input ?? '', timeout: opts.timeoutMs ?? 10_000, encoding: 'utf8' });
  return {
    code: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: (r.stderr ?? '') + (r.error ? String(r.error) : ''),
    timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT',
  };
}

export type ProcState = 'alive' | 'zombie' | 'gone';

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces and parentheses: split after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** PID 1 here reaps orphans slowly, so a zombie (state Z/X) counts as dead. */
export function procState(pid: number): ProcState {
  const f = statFields(pid);
  if (!f) return 'gone';
  return f[0] === 'Z' || f[0] === 'X' ? 'zombie' : 'alive';
}

export function isAlive(pid: number): boolean {
  return procState(pid) === 'alive';
}

/** Start time in clock ticks since boot: with the PID it identifies a process despite PID reuse. */
export function startTime(pid: number): number | undefined {
  const f = statFields(pid);
  // Field 22 of /proc/PID/stat; f[0] is field 3.
  return f ? Number(f[19]) : undefined;
}

/** True if pid is alive and, when given, still the same process (same start time). */
export function isSameLiveProcess(pid: number, start?: number): boolean {
  if (!isAlive(pid)) return false;
  return start === undefined || startTime(pid) === start;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone: nothing to do.
  }
}

/**
 * TERM every live PID, wait up to graceMs, KILL the rest, wait up to killWaitMs.
 * Returns the PIDs still alive after that (normally none).
 */
export function killAllSync(pids: Iterable<number>, graceMs = 2_000, killWaitMs = 2_000): number[] {
  const own = new Set([process.pid, process.ppid]);
  let live = [...new Set(pids)].filter((p) => p > 1 && !own.has(p) && isAlive(p));
  if (live.length === 0) return [];
  live.forEach((p) => signal(p, 'SIGTERM'));
  live = waitDeadSync(live, graceMs);
  if (live.length === 0) return [];
  live.forEach((p) => signal(p, 'SIGKILL'));
  return waitDeadSync(live, killWaitMs);
}

function waitDeadSync(pids: number[], ms: number): number[] {
  const deadline = Date.now() + ms;
  let live = pids.filter(isAlive);
  while (live.length > 0 && Date.now() < deadline) {
    sleepSync(20);
    live = live.filter(isAlive);
  }
  return live;
}

/**
 * PIDs (other than this process) whose command line mentions needle. ssh ControlMaster
 * processes daemonize away from us but keep their ControlPath in their argv, and the
 * run directory is in every ssh option list the harness hands out.
 */
export function pidsWithCmdline(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) found.push(pid);
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

/**
 * Whether a live process holds `needle` anywhere in its writable memory (heap, stack, the
 * environment's copies), read through /proc/<pid>/mem as root. /proc/<pid>/environ alone
 * proves nothing: OpenSSH's setproctitle moves the environment and blanks the original.
 */
export function memoryContains(pid: number, needle: string): boolean {
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n');
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const line of maps) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) rw/.exec(line);
      if (!m) continue;
      const start = parseInt(m[1]!, 16);
      const size = parseInt(m[2]!, 16) - start;
      if (size > 256 << 20) continue; // reservations, never a process's own strings
      const buf = Buffer.alloc(size);
      let n = 0;
      try { n = readSync(fd, buf, 0, size, start); } catch { continue; } // guard pages
      if (buf.subarray(0, n).includes(needle)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}
