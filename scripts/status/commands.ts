// Commands of the status store: the fleet-status branch the probe feeds.
import type { Command, OptionSpec } from '../cli/types.ts';

const BRANCH: OptionSpec[] = [
  { name: 'repo', value: 'DIR|URL', help: "repository holding the status branch (default: the fleet repository's origin)" },
  { name: 'branch', value: 'NAME', help: 'status branch (default: fleet.yaml probe.status_branch, else fleet-status)' },
];

export const commands: Command[] = [
  {
    name: 'status push',
    summary: "add this probe run to the status branch and update latest.json (retries when another vantage pushed first)",
    options: [{ name: 'run', value: 'FILE', help: 'the run file written by `fleet probe --out` (default build/probe-run.json)' }, ...BRANCH],
    examples: ['npm run fleet -- status push --run build/probe-run.json --now 2026-11-26T12:00:00Z'],
    run: async (ctx, args) => (await import('./run.ts')).runPush(ctx, args),
  },
  {
    name: 'status merge',
    summary: 'add run files uploaded by other vantages (self-hosted probes) to the status branch',
    args: '<FILE...>',
    options: [...BRANCH],
    examples: ['npm run fleet -- status merge uploads/*.json'],
    run: async (ctx, args) => (await import('./run.ts')).runMerge(ctx, args),
  },
  {
    name: 'status compact',
    summary: 'fold runs older than a day into history/<node>.json (hourly for 30 days, daily after) and keep the branch under a size cap',
    options: [{ name: 'max-bytes', value: 'N', help: 'size cap of the branch (default 20000000); above it the branch history is squashed into one commit' }, ...BRANCH],
    examples: ['npm run fleet -- status compact --max-bytes 20000000'],
    run: async (ctx, args) => (await import('./run.ts')).runCompact(ctx, args),
  },
  {
    name: 'status pull',
    summary: 'copy the status branch (validated) into a directory for the site and incidents',
    options: [{ name: 'out', value: 'DIR', help: 'where to put runs/, history/ and latest.json' }, ...BRANCH],
    examples: ['npm run fleet -- status pull --out build/status'],
    run: async (ctx, args) => (await import('./run.ts')).runPull(ctx, args),
  },
];
