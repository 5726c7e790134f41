// Commands of the render stage: build node configs and profiles, and plan a change.
import type { Command } from '../types.ts';

export const commands: Command[] = [
  {
    name: 'render',
    summary: 'render every enabled node\'s sing-box config and every active user\'s profiles into build/',
    options: [
      { name: 'out', value: 'DIR', help: 'output directory (default: build, relative to --root)' },
      { name: 'nodes', value: 'a,b', help: 'render only these node configs (the others already in DIR are kept)' },
      { name: 'usage', value: 'DIR', help: 'a pulled status store (`status pull --out DIR`): users over their quota this period are left off every node (#18)' },
    ],
    examples: [
      'npm run fleet -- render',
      'npm run fleet -- render --nodes tokyo-1 --now 2026-11-26T12:00:00Z',
    ],
    details:
      'Writes DIR/nodes/<node>/config.json and DIR/users/<user>/{sing-box.json,mihomo.yaml,links.txt}. ' +
      'The files hold credentials (mode 0600). Without FLEET_SECRET the public demo secret is used and a warning is printed. ' +
      'Folders of nodes and users that no longer exist are removed; the new tree replaces the old one atomically.',
    run: async (ctx, args) => (await import('../../render/build.ts')).runRender(ctx, args),
  },
  {
    name: 'plan',
    summary: 'show what a change does to node configs and user access, compared with a Git ref',
    options: [
      { name: 'base', value: 'REF', help: 'Git ref to compare with (e.g. origin/main); required' },
      { name: 'head', value: 'REF', help: "plan this Git ref's fleet files instead of the working tree (read as data: a fork's pull request, without its code)" },
      { name: 'usage', value: 'DIR', help: 'a pulled status store: the working tree is planned with this period\'s quotas applied (users over quota lose every node, reason "over quota")' },
    ],
    formats: ['text', 'md', 'json'],
    examples: [
      'npm run fleet -- plan --base origin/main',
      'npm run fleet -- plan --base origin/main --format md > plan.md   # PR comment',
      'npm run fleet -- plan --base HEAD~1 --head HEAD',
    ],
    details:
      'Renders the fleet at REF and in the working tree with a throwaway secret and compares them: nodes added, removed ' +
      'or changed (users, inbounds, other settings), users who gain or lose access, rotate, expire, are disabled or enabled. ' +
      'Never prints a credential. An invalid base is reported and the working tree shown alone; an invalid working tree exits 1.',
    run: async (ctx, args) => (await import('../../render/plan/run.ts')).runPlan(ctx, args),
  },
];
