// The usage stage: per-user traffic from the stats build's ledgers, collected onto the
// status branch. Metadata and a lazy import only (keeps `fleet --help` fast).
import type { Command } from '../types.ts';

const BRANCH = [
  { name: 'repo', value: 'URL|PATH', help: 'the repository holding the status branch (default: this checkout\'s origin)' },
  { name: 'branch', value: 'NAME', help: 'the status branch (default fleet.yaml probe.status_branch)' },
];

export const commands: Command[] = [
  {
    name: 'usage collect',
    summary: 'read every node\'s traffic ledger over SSH and add what grew to usage/<YYYY-MM>.json on the status branch',
    options: [
      { name: 'identity', value: 'FILE', help: 'SSH private key: the collector\'s when fleet.yaml usage.collector_key is set (its user boxfleet-collect may read the ledger only), else the deploy key (default env SSH_PRIVATE_KEY_FILE, else the agent)' },
      { name: 'nodes', value: 'A,B', help: 'only these nodes' },
      ...BRANCH,
    ],
    formats: ['text', 'json'],
    examples: ['npm run fleet -- usage collect --identity ~/.ssh/boxfleet_collect'],
    details: 'Needs `singbox: { build: stats }`. Each node\'s ledger (boxfleet-usage, installed with the stats build) keeps what every user entry moved; '
      + 'a collection stores, per node, the growth past the last read it stored (the cursor), then acknowledges the read on the node. A node unreachable '
      + 'for days loses nothing (its ledger keeps counting); a collection stopped between storing and acknowledging counts nothing twice. A rotation\'s '
      + '`~prev` credentials count for their user; the probe user is never counted. Exit 1 when a node could not be read (the others are stored).',
    run: async (ctx, args) => (await import('../../usage/collect.ts')).runUsageCollect(ctx, args),
  },
  {
    name: 'usage',
    summary: 'one quota period\'s per-user traffic (up, down, total, quota) from a pulled status store',
    options: [
      { name: 'status', value: 'DIR', help: 'the status store (output of `fleet status pull`; default build/status)' },
      { name: 'month', value: 'YYYY-MM', help: 'the quota period, named by the month it starts in (default: the current one)' },
    ],
    formats: ['text', 'json'],
    examples: ['npm run fleet -- usage --status build/status', 'npm run fleet -- usage --status build/status --month 2026-11 --format json'],
    details: 'Bytes are counted when collected: traffic a node counted in one month and a collection stored in the next is in the next.',
    run: async (ctx, args) => (await import('../../usage/show.ts')).runUsage(ctx, args),
  },
];
