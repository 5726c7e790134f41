// Cross-process exclusive lock: suites that start test hosts run one at a time, even
// when vitest runs files in parallel workers or two checkouts test on one machine.
//
// mkdir is atomic, so whoever creates the directory owns the lock; the owner's PID and
// start time inside make a crashed owner detectable (stale) without ever taking the lock
// away from a live one. Breaking a stale lock goes through a second, short-lived
// directory so two waiters cannot both "break" it and remove a fresh owner's lock.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { isSameLiveProcess, sleep, startTime } from './proc.ts';

export const DEFAULT_LOCK_PATH = '/tmp/boxfleet-harness.lock';
export const DEFAULT_LOCK_TIMEOUT_MS = 10 * 60_000;
/** A lock dir without owner file, or a break dir, older than this is debris of a crash. */
const DEBRIS_AGE_MS = 30_000;

export interface LockOwner {
  pid: number;
  start?: number;
  /** worker_threads id: vitest's threads pool runs several suites in one process. */
  thread?: number;
  label: string;
  since: string;
}

export interface LockOptions {
  path?: string;
  timeoutMs?: number;
  pollMs?: number;
  /** Shown to waiters (the run prefix). */
  label?: string;
}

export interface HeldLock {
  path: string;
  release(): void;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(`${path}/owner.json`, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function sameOwner(a: LockOwner | undefined, b: LockOwner | undefined): boolean {
  return !!a && !!b && a.pid === b.pid && a.start === b.start && a.thread === b.thread && a.since === b.since;
}

/** Removes the lock at path if it is still held by the dead owner seen earlier. */
function breakStale(path: string, seen: LockOwner | undefined): void {
  const breaker = `${path}.break`;
  try {
    mkdirSync(breaker);
  } catch {
    if (ageMs(breaker) > DEBRIS_AGE_MS) rmSync(breaker, { recursive: true, force: true });
    return; // someone else is breaking it; look again next round
  }
  try {
    const now = readOwner(path);
    const stillStale = seen ? sameOwner(now, seen) : !now && ageMs(path) > DEBRIS_AGE_MS;
    if (stillStale) {
      // rename first: the lock path is free in one atomic step, the debris goes after.
      const debris = `${path}.stale-${process.pid}-${Date.now()}`;
      renameSync(path, debris);
      rmSync(debris, { recursive: true, force: true });
    }
  } catch {
    // Vanished under us (its owner released it): fine, retry.
  } finally {
    rmSync(breaker, { recursive: true, force: true });
  }
}

type Attempt = { ok: true } | { ok: false; owner?: LockOwner };

function tryAcquire(path: string, me: LockOwner): Attempt {
  try {
    mkdirSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const owner = readOwner(path);
    if (owner && owner.pid === process.pid && (owner.thread ?? 0) === threadId) {
      // Waiting for ourselves would only end at the timeout.
      throw new Error(
        `boxfleet harness: this process already holds ${path} (run ${owner.label}); stop() those hosts before starting more`,
      );
    }
    if (owner ? !isSameLiveProcess(owner.pid, owner.start) : ageMs(path) > DEBRIS_AGE_MS) {
      breakStale(path, owner);
    }
    return { ok: false, owner };
  }
  writeFileSync(`${path}/owner.json.tmp`, JSON.stringify(me));
  renameSync(`${path}/owner.json.tmp`, `${path}/owner.json`);
  return { ok: true };
}

/** Waits (bounded) for the lock; the returned release() is synchronous and idempotent. */
export async function acquireLock(opts: LockOptions = {}): Promise<HeldLock> {
  const path = opts.path ?? DEFAULT_LOCK_PATH;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const me: LockOwner = {
    pid: process.pid,
    start: startTime(process.pid),
    thread: threadId,
    label: opts.label ?? '',
    since: new Date().toISOString(),
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const attempt = tryAcquire(path, me);
    if (attempt.ok) break;
    if (Date.now() >= deadline) {
      const who = attempt.owner
        ? `pid ${attempt.owner.pid} (run ${attempt.owner.label || '?'}, since ${attempt.owner.since})`
        : 'an unknown owner';
      throw new Error(
        `boxfleet harness: gave up after ${Math.round(timeoutMs / 1000)} s waiting for ${path}, held by ${who}. ` +
          `Another suite is using test hosts; if that process no longer exists, remove ${path}.`,
      );
    }
    await sleep(Math.min(opts.pollMs ?? 200, Math.max(1, deadline - Date.now())));
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      // Only remove the lock if it is still ours (never someone else's after a break).
      if (sameOwner(readOwner(path), me)) rmSync(path, { recursive: true, force: true });
    },
  };
}
