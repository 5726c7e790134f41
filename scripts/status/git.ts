// The status branch through simple-git in a temporary clone. Concurrent writers (several
// vantages, a compaction) never lose a run: a refused push fetches, resets to the remote
// tip, re-applies this writer's change and pushes again, a bounded number of times.
// Compaction's squash uses --force-with-lease, so it never overwrites a run it did not see.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { OperationError } from '../core/command.ts';
import type { StatusTree } from './types.ts';
import { readTree, writeTree } from './store.ts';

export interface BranchRef {
  /** Remote URL or path (file://, a bare repository, https://...). */
  repo: string;
  branch: string;
  /** Pins commit dates (every command pins --now). */
  now: Date;
  /** Extra `-c` settings, e.g. the checkout's http extraheader in Actions. */
  config?: string[];
  /** Push attempts before giving up (default 10). */
  attempts?: number;
}

export interface Clone { git: SimpleGit; dir: string; exists: boolean }

const GIT_TIMEOUT_MS = 60_000;

function gitAt(dir: string, ref: BranchRef): SimpleGit {
  const date = ref.now.toISOString();
  // Identity and dates go through the environment; simple-git wants such variables named.
  const allowEnvironment = ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_AUTHOR_DATE', 'GIT_COMMITTER_DATE', 'GIT_TERMINAL_PROMPT'];
  return simpleGit({ baseDir: dir, config: ref.config ?? [], timeout: { block: GIT_TIMEOUT_MS }, allowEnvironment }).env({
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C',
    GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'boxfleet probe', GIT_AUTHOR_EMAIL: 'probe@boxfleet.invalid',
    GIT_COMMITTER_NAME: 'boxfleet probe', GIT_COMMITTER_EMAIL: 'probe@boxfleet.invalid',
    GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date,
  });
}

/** A temporary clone of the branch (an empty orphan branch when it does not exist yet). */
export async function openClone(ref: BranchRef, opts: { shallow?: boolean } = {}): Promise<Clone> {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-status-'));
  const git = gitAt(dir, ref);
  try {
    await git.init();
    // Whoever can push to the status branch can commit a symlink: checked out, `runs/x.json`
    // could point at /proc/self/environ and `usage/` at a directory outside the clone,
    // which readers would follow and writers write through. Checked out as a plain file
    // holding the link's target instead, it is refused by validation like any bad file.
    await git.addConfig('core.symlinks', 'false');
    await git.addRemote('origin', ref.repo);
    const exists = (await git.listRemote(['--heads', 'origin', ref.branch])).trim() !== '';
    if (exists) {
      await git.fetch('origin', `+refs/heads/${ref.branch}:refs/remotes/origin/${ref.branch}`, opts.shallow ? ['--depth', '1'] : []);
      await git.checkout(['-B', ref.branch, `origin/${ref.branch}`]);
    } else {
      await git.checkout(['--orphan', ref.branch]);
    }
    return { git, dir, exists };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new OperationError(`cannot read branch ${ref.branch} of the status repository: ${(e as Error).message.split('\n')[0]}`);
  }
}

export function closeClone(c: Clone): void {
  rmSync(c.dir, { recursive: true, force: true });
}

/** Brings the clone to the remote tip (after a refused push). */
async function resetToRemote(c: Clone, ref: BranchRef): Promise<void> {
  const exists = (await c.git.listRemote(['--heads', 'origin', ref.branch])).trim() !== '';
  if (!exists) return;
  await c.git.fetch('origin', `+refs/heads/${ref.branch}:refs/remotes/origin/${ref.branch}`);
  await c.git.reset(['--hard', `origin/${ref.branch}`]);
  await c.git.clean('f', ['-d']);
}

/** `gitBytes`: the branch's Git objects before this change (decides compaction's squash). */
export type Change = (tree: StatusTree, gitBytes: number) => { message: string; changed: boolean; squash?: boolean };

/**
 * Applies `change` to the branch's files and pushes; on a refused push starts again from
 * the remote tip. Returns the number of attempts it took.
 */
export async function updateBranch(ref: BranchRef, change: Change): Promise<{ attempts: number; changed: boolean; squashed: boolean }> {
  const c = await openClone(ref);
  try {
    const max = ref.attempts ?? 10;
    let lastError = '';
    for (let attempt = 1; attempt <= max; attempt++) {
      if (attempt > 1) {
        await resetToRemote(c, ref);
        // Jitter, so writers that collided do not collide again in lockstep.
        await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 80 * attempt)));
      }
      const base = (await c.git.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '')).trim();
      const tree = readTree(c.dir);
      const { message, changed, squash } = change(tree, await objectBytes(c));
      if (!changed) return { attempts: attempt, changed: false, squashed: false };
      writeTree(c.dir, tree);
      await c.git.add(['-A']);
      if (squash && base) {
        // One commit holding the current files: the branch's history no longer grows without bound.
        await c.git.raw(['checkout', '--orphan', 'boxfleet-squash']);
        await c.git.commit(message);
        await c.git.raw(['branch', '-M', ref.branch]);
      } else {
        await c.git.commit(message);
      }
      try {
        const lease = squash && base ? [`--force-with-lease=${ref.branch}:${base}`] : [];
        await c.git.push('origin', `HEAD:refs/heads/${ref.branch}`, lease);
        return { attempts: attempt, changed: true, squashed: Boolean(squash && base) };
      } catch (e) {
        lastError = (e as Error).message.split('\n').filter((l) => /rejected|error|fatal/i.test(l)).slice(0, 3).join(' / ');
      }
    }
    throw new OperationError(`could not push to ${ref.branch} after ${max} attempts (${lastError || 'refused'})`);
  } finally {
    closeClone(c);
  }
}

/**
 * Bytes the branch's reachable Git objects take (compressed, as stored): what a clone of
 * the branch costs. Not `count-objects`, which counts loose objects in 4 KiB disk blocks.
 */
export async function objectBytes(c: Clone): Promise<number> {
  const head = (await c.git.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '')).trim();
  if (!head) return 0;
  // Packed, as a fresh clone would get it (a fetch of few objects leaves them loose and larger).
  await c.git.raw(['repack', '-a', '-d', '-q']);
  return Number((await c.git.raw(['rev-list', '--objects', '--disk-usage', 'HEAD'])).trim()) || 0;
}
