// `--usage DIR`: the quota periods' per-user bytes from a pulled status store, as the plain
// data the model turns into who is over quota (model/quota.ts).
import { existsSync } from 'node:fs';
import { OperationError } from '../core/command.ts';
import type { UsageMonths } from '../model/quota.ts';
import { readUsageMonths } from '../status/store.ts';

/** Reads DIR/usage/; a missing DIR is an error (it would silently enforce nothing). */
export function readUsageDir(dir: string): UsageMonths {
  if (!existsSync(dir)) throw new OperationError(`no status directory ${dir}: fill it with \`npm run fleet -- status pull --out ${dir}\` first`);
  try {
    return readUsageMonths(dir) ?? new Map();
  } catch (e) {
    throw new OperationError(`cannot read the usage in ${dir}: ${(e as Error).message}`);
  }
}
