// `--usage DIR`: the quota periods' per-user bytes from a pulled status store, as the plain
// data the model turns into who is over quota (model/quota.ts), with the status-branch
// commit they came from. A deploy writes that commit into each node's marker, so drift
// (and deploy.window) can later rebuild the quota state a node was deployed with from Git.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OperationError } from '../core/command.ts';
import { OUTPUT_MARKER } from '../files/output-dir.ts';
import { present, readPlainFile } from '../files/plain-file.ts';
import type { UsageMonths } from '../model/quota.ts';
import { COMMIT_ID } from '../status/at-commit.ts';
import { statusPullCommand, readUsageMonths, requireStatusDir, STATUS_COMMIT_FILE } from '../status/store.ts';

export interface UsageInput { months: UsageMonths; commit?: string }

/** Reads DIR/usage/ and DIR/commit; a missing DIR is an error (it would silently enforce nothing). */
export function readUsageDir(dir: string, root: string): UsageInput {
  requireStatusDir(dir, root);
  // Not a folder `status pull` filled: the folder it fills by default is the one to give.
  const fill = `give a folder \`status pull\` filled: \`${statusPullCommand(join(resolve(root), 'build', 'status'), root)}\`, then --usage build/status`;
  // Any other folder (or a file) would be read as "nobody used anything": quotas unenforced.
  if (!statSync(dir).isDirectory()) throw new OperationError(`${dir} is a file, not a status directory — ${fill}`);
  if (![OUTPUT_MARKER, 'latest.json', 'usage'].some((f) => present(join(dir, f)))) {
    throw new OperationError(`${dir} is not a pulled status store (it has no usage/, latest.json or ${OUTPUT_MARKER}) — ${fill}`);
  }
  try {
    return { months: readUsageMonths(dir) ?? new Map(), ...statusCommitOf(dir) };
  } catch (e) {
    throw new OperationError(`cannot read the usage in ${dir}: ${(e as Error).message}`);
  }
}

function statusCommitOf(dir: string): { commit?: string } {
  const file = join(dir, STATUS_COMMIT_FILE);
  if (!present(file)) return {};
  const text = readPlainFile(file, STATUS_COMMIT_FILE).trim();
  if (!COMMIT_ID.test(text)) throw new Error(`${STATUS_COMMIT_FILE} must hold one commit id (40 hex digits)`);
  return { commit: text };
}
