// Which status branch a command works on: --repo (default the checkout's origin, with the
// token actions/checkout left in its config) and --branch (default fleet.yaml
// probe.status_branch). Shared by the status commands and `fleet incidents --history`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import type { BranchRef } from './git.ts';
import { childEnv } from '../core/child-env.ts';

function git(root: string, args: string[]): string {
  try { return execFileSync('git', ['-C', root, ...args], { env: childEnv(), encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return ''; }
}

/** The status branch name from fleet.yaml when readable (no full load: pull runs anywhere). */
function defaultBranch(root: string): string {
  try {
    const doc = parse(readFileSync(resolve(root, 'fleet.yaml'), 'utf8')) as { probe?: { status_branch?: unknown } };
    return typeof doc?.probe?.status_branch === 'string' ? doc.probe.status_branch : 'fleet-status';
  } catch { return 'fleet-status'; }
}

export function branchRef(ctx: CommandContext, args: ParsedArgs): BranchRef {
  const root = resolve(ctx.root);
  let repo = args.options.repo as string | undefined;
  let config: string[] = [];
  if (!repo) {
    repo = git(root, ['remote', 'get-url', 'origin']) || root;
    // actions/checkout keeps its token as an http extraheader in the checkout's config;
    // the temporary clone needs the same to push. It is passed with -c, never printed.
    config = git(root, ['config', '--local', '--get-regexp', '^http\\..*\\.extraheader$']).split('\n').filter(Boolean)
      .map((l) => { const i = l.indexOf(' '); return `${l.slice(0, i)}=${l.slice(i + 1)}`; });
  }
  const branch = (args.options.branch as string | undefined) ?? defaultBranch(root);
  if (!/^[A-Za-z0-9._/-]{1,100}$/.test(branch)) throw new UsageError(`--branch "${branch}" is not a branch name`);
  return { repo, branch, now: ctx.now, config };
}

