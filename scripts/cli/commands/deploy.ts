// Commands of the deploy stage: rolling configs out over SSH, checking for drift, and
// turning a bare VPS into a node. Metadata and lazy imports only.
import type { Command } from '../types.ts';

const identity = { name: 'identity', value: 'FILE', help: 'SSH private key of the deploy user (default: env SSH_PRIVATE_KEY_FILE, else the ssh-agent)' };
const nodes = { name: 'nodes', value: 'a,b', help: 'only these nodes (default: every enabled node)' };
const usage = { name: 'usage', value: 'DIR', help: 'a pulled status store (`status pull --out DIR`): users over their quota this period are left off every node (#18)' };

export const commands: Command[] = [
  {
    name: 'deploy',
    summary: 'render every node, compare with what each node runs, and roll out the changed configs over SSH',
    options: [
      nodes,
      { name: 'parallel', value: 'N', help: 'nodes deployed at once after the canary (default: fleet.yaml deploy.parallel)' },
      { name: 'dry-run', help: 'read every node and print what would be deployed; write nothing' },
      { name: 'no-window', help: 'deploy changes that only add users now, even outside their region\'s deploy.window' },
      usage,
      identity,
    ],
    formats: ['text', 'json', 'github'],
    examples: [
      'FLEET_SECRET=… npm run fleet -- deploy --identity ~/.ssh/boxfleet_deploy',
      'npm run fleet -- deploy --dry-run',
      'npm run fleet -- deploy --no-window --dry-run',
      'npm run fleet -- deploy --nodes tokyo-1,frankfurt-1 --parallel 2 --format github',
    ],
    details:
      'Needs the real FLEET_SECRET. One held SSH session per node: lock, status, then for a changed node the config ' +
      '(hash-checked), sing-box check, keep previous, atomic swap, firewall ports, restart, verify, health-check every ' +
      'inbound, then commit (the marker) or roll back; a node that hears no commit rolls back by itself. ' +
      'The canary (deploy.canary, else the first changed node) goes first and alone; the rest stop when failures exceed ' +
      'deploy.max_fail_percent. Changes that only add users wait for their region\'s deploy.window (outcome deferred). ' +
      'Exit 1 when any node ends other than deployed, unchanged or deferred.',
    run: async (ctx, args) => (await import('../../deploy/deploy.ts')).runDeploy(ctx, args),
  },
  {
    name: 'drift',
    summary: 'compare each node\'s live config, its deploy marker, the rendered config and the sing-box version',
    options: [nodes, usage, identity],
    formats: ['text', 'md', 'json'],
    examples: ['npm run fleet -- drift', 'npm run fleet -- drift --format md >> "$GITHUB_STEP_SUMMARY"'],
    details: 'Reads only. Exit 3 when a node drifted or could not be reached, 0 when every node is in sync or deferred (an addition waiting for its deploy.window; once a window has opened and passed without a deploy, it is drifted).',
    run: async (ctx, args) => (await import('../../deploy/drift.ts')).runDrift(ctx, args),
  },
  {
    name: 'bootstrap',
    summary: 'make a bare VPS a boxfleet node: sing-box, node script, deploy user, firewall, TLS files (idempotent)',
    args: '<node>',
    options: [
      identity,
      { name: 'release', value: 'FILE', help: 'a local sing-box release tarball (default: download the pinned release); checked against fleet.yaml singbox.sha256' },
      { name: 'as-root', help: 'log in as ssh.bootstrap_user even on a bootstrapped node: needed when root-run files change (a new node script, units, sudoers, sshd, node.env)' },
    ],
    examples: ['FLEET_SECRET=… npm run fleet -- bootstrap tokyo-1 --identity ~/.ssh/boxfleet_deploy', 'FLEET_SECRET=… npm run fleet -- bootstrap tokyo-1 --as-root --identity ~/.ssh/boxfleet_root'],
    details: 'The first run logs in as ssh.bootstrap_user (root); later runs go through the deploy user, which may change only data files (TLS certificate and key, monitoring data) and reports "no change" when there is none. Anything root runs or trusts changes only with --as-root.',
    run: async (ctx, args) => (await import('../../deploy/bootstrap.ts')).runBootstrap(ctx, args),
  },
];
