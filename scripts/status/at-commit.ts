// The status store as a commit of the status branch held it, read from a local Git
// repository (a checkout that fetched that branch): deploy markers name the commit whose
// usage/ decided the quotas a node was deployed with, and drift and deploy.window rebuild
// exactly that state from it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv } from '../core/child-env.ts';
import { simpleGit } from 'simple-git';
import type { UsageMonths } from '../model/quota.ts';
import { readUsageMonths } from './store.ts';

export const COMMIT_ID = /^[0-9a-f]{40}$/;

/** usage/ at `commit` in the repository at `root`; undefined when the repository lacks that commit. */
export async function readUsageAt(root: string, commit: string): Promise<UsageMonths | undefined> {
  if (!COMMIT_ID.test(commit)) return undefined;
  const git = simpleGit({ baseDir: root }).env(childEnv());
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-usage-at-'));
  try {
    const listed = await git.raw(['ls-tree', '--name-only', `${commit}^{tree}`, '--', 'usage/']);
    const names = listed.split('\n').filter((n) => /^usage\/[^/]+\.json$/.test(n));
    mkdirSync(join(dir, 'usage'));
    // The same validation as a pulled store: a commit's files are no more trusted than a pull's.
    for (const name of names) writeFileSync(join(dir, name), await git.showBuffer([`${commit}:${name}`]));
    return readUsageMonths(dir) ?? new Map();
  } catch {
    return undefined; // not a Git checkout, the status branch not fetched, or files that do not validate
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
