// `fleet status changed`: did any node's overall health change between two copies of
// latest.json? The probe workflow republishes the site (whose node order and status page
// follow health) only then, instead of every 15 minutes.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, OperationError, rootPath, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { NotPlainFileError, present, readPlainFile } from '../files/plain-file.ts';
import { parseStatusJson, validateStatus } from '../status/validate.ts';
import { addSummary, setOutput } from './summary.ts';

export interface HealthChange { node: string; before: string; after: string }

/**
 * Node → overall state; a missing file or directory is an empty store (the first run). The
 * folder is the operator's to give; latest.json in it came from the status branch, so it is
 * read only as a plain file (a dangling link there is refused, not "missing").
 */
export function readStates(path: string): Map<string, string> {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'latest.json') : path;
  if (!present(file)) return new Map();
  const latest = validateStatus('latest', parseStatusJson(readStatusText(file), file), file);
  return new Map(Object.entries(latest.nodes).map(([n, v]) => [n, v.state]));
}

function readStatusText(file: string): string {
  try {
    return readPlainFile(file);
  } catch (e) {
    if (e instanceof NotPlainFileError) throw new OperationError(`${e.message} — give the latest.json \`status pull\` wrote, or its folder`);
    throw e;
  }
}

export function healthChanges(before: Map<string, string>, after: Map<string, string>): HealthChange[] {
  const nodes = [...new Set([...before.keys(), ...after.keys()])].sort();
  return nodes
    .map((node) => ({ node, before: before.get(node) ?? 'unknown', after: after.get(node) ?? 'unknown' }))
    .filter((c) => c.before !== c.after);
}

export async function runStatusChanged(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const before = args.options.before as string | undefined;
  const after = args.options.after as string | undefined;
  if (!before || !after) throw new UsageError('--before and --after are required (latest.json files or status directories)');
  // Only the store before may be missing (the first run); a missing --after is a wrong path,
  // not "nothing changed". Both are found from --root, as every other path option.
  const afterPath = rootPath(ctx, after);
  if (!existsSync(afterPath)) throw new OperationError(`--after ${after} does not exist — give the latest.json (or status directory) this run pulled`);
  const changes = healthChanges(readStates(rootPath(ctx, before)), readStates(afterPath));
  setOutput(ctx, 'changed', changes.length ? 'true' : 'false');
  const lines = changes.map((c) => `${c.node}: ${c.before} → ${c.after}`);
  if (args.options.format === 'json') ctx.io.out(JSON.stringify({ changed: changes.length > 0, changes }, null, 2));
  else ctx.io.out(changes.length ? lines.join('\n') : 'no node changed health');
  if (changes.length) addSummary(ctx, ['### Node health changed', '', ...lines.map((l) => `- ${l}`), ''].join('\n'));
  return changes.length && args.options['exit-code'] ? EXIT.found : EXIT.ok;
}
