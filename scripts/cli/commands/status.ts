// Commands of the status store: the fleet-status branch the probe feeds.
import type { Command, OptionSpec } from '../types.ts';

const BRANCH: OptionSpec[] = [
  { name: 'repo', value: 'DIR|URL', help: "repository holding the status branch (default: the fleet repository's origin)" },
  { name: 'branch', value: 'NAME', help: 'status branch (default: fleet.yaml probe.status_branch, else fleet-status)' },
];

const ADMISSION = 'Needs FLEET_SECRET and fleet.yaml: a run is accepted only when it names a vantage of probe.vantages (with its region), its signature verifies with that vantage\'s key (`probe vantage-key`), it is dated at most 5 minutes ahead of and at most 24 hours behind this machine\'s clock, and it is newer than every run of that vantage already on the branch.';

export const commands: Command[] = [
  {
    name: 'status push',
    summary: "add this probe run to the status branch and update latest.json (retries when another vantage pushed first)",
    options: [{ name: 'run', value: 'FILE', help: 'the run file written by `fleet probe --out` (default build/probe-run.json)' }, ...BRANCH],
    examples: ['npm run fleet -- status push --run build/probe-run.json'],
    details: ADMISSION,
    run: async (ctx, args) => (await import('../../status/run.ts')).runPush(ctx, args),
  },
  {
    name: 'status merge',
    summary: 'add run files uploaded by other vantages (self-hosted probes) to the status branch',
    args: '<FILE...>',
    options: [...BRANCH],
    examples: ['npm run fleet -- status merge uploads/*.json'],
    details: `${ADMISSION} Each file is admitted on its own: the others are merged, refused ones are named with the reason, and the exit is 1.`,
    run: async (ctx, args) => (await import('../../status/run.ts')).runMerge(ctx, args),
  },
  {
    name: 'status compact',
    summary: 'fold runs older than a day into history/<node>.json (hourly for 30 days, daily after) and keep the branch under a size cap',
    options: [{ name: 'max-bytes', value: 'N', help: 'size cap of the branch (default 20000000); above it the branch history is squashed into one commit' }, ...BRANCH],
    examples: ['npm run fleet -- status compact --max-bytes 20000000'],
    run: async (ctx, args) => (await import('../../status/run.ts')).runCompact(ctx, args),
  },
  {
    name: 'status pull',
    summary: 'copy the status branch (validated) into a directory for the site and incidents',
    options: [{ name: 'out', value: 'DIR', help: 'where to put runs/, history/ and latest.json' }, ...BRANCH],
    examples: ['npm run fleet -- status pull --out build/status'],
    run: async (ctx, args) => (await import('../../status/run.ts')).runPull(ctx, args),
  },
];
