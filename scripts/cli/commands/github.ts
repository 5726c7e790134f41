// Commands the GitHub Actions workflows run (.github/workflows/): every step that does more
// than call a tool is one of these, so the workflows hold no logic of their own and every
// piece of it is tested. Metadata and lazy imports only.
import type { Command } from '../types.ts';

const API_ENV = 'Needs GITHUB_TOKEN; reads GITHUB_REPOSITORY (owner/name) and GITHUB_API_URL (GHES, tests), as Actions sets them. '
  + 'In Actions it appends to $GITHUB_STEP_SUMMARY.';

export const commands: Command[] = [
  {
    name: 'github plan-comment',
    summary: 'post the plan on a pull request, or update in place the comment that starts with <!-- boxfleet-plan -->',
    options: [
      { name: 'pr', value: 'N', help: 'pull request number' },
      { name: 'file', value: 'FILE', help: 'the plan, written by `fleet plan --format md`' },
      { name: 'head-sha', value: 'SHA', help: 'post only if the pull request\'s head is this commit (a fork\'s pull request)' },
      { name: 'code-commit', value: 'SHA', help: 'the commit whose code computed the plan, named in the comment' },
    ],
    examples: ['GITHUB_TOKEN=… npm run fleet -- github plan-comment --pr 42 --file plan.md'],
    details: `One comment per pull request, found by its marker. ${API_ENV}`,
    run: async (ctx, args) => (await import('../../github/plan-comment.ts')).runPlanComment(ctx, args),
  },
  {
    name: 'github drift-issue',
    summary: 'open or update the one drift issue (label drift), or close it with a comment when nothing drifts any more',
    options: [
      { name: 'file', value: 'FILE', help: 'the report, written by `fleet drift --format md`' },
      { name: 'drifted', help: 'the fleet drifted (`fleet drift` exited 3); without it an open drift issue is closed' },
    ],
    examples: ['GITHUB_TOKEN=… npm run fleet -- github drift-issue --file drift.md --drifted'],
    details: API_ENV,
    run: async (ctx, args) => (await import('../../github/drift-issue.ts')).runDriftIssue(ctx, args),
  },
  {
    name: 'github dispatch',
    summary: 'start a workflow through workflow_dispatch (events made with GITHUB_TOKEN start no other workflow)',
    args: '<workflow-file>',
    options: [
      { name: 'ref', value: 'REF', help: 'branch or tag to run it on (default: $GITHUB_REF_NAME, else main)' },
      { name: 'input', value: 'KEY=VALUE', help: 'a workflow_dispatch input (repeatable)', repeat: true },
    ],
    examples: ['GITHUB_TOKEN=… npm run fleet -- github dispatch pages.yml --ref main', 'npm run fleet -- github dispatch deploy.yml --input nodes=tokyo-1'],
    details: `Needs \`actions: write\`. ${API_ENV}`,
    run: async (ctx, args) => (await import('../../github/dispatch.ts')).runDispatch(ctx, args),
  },
  {
    name: 'github rollout-commit',
    summary: 'the commit the site is built from: the last rollout to every node (deploy.yml\'s rolled-out job), or --commit',
    options: [
      { name: 'commit', value: 'SHA', help: 'build this commit instead (a full SHA on the branch); empty: the last rollout' },
      { name: 'branch', value: 'BRANCH', help: 'the branch deploy.yml rolls out (default: $GITHUB_REF_NAME, else main)' },
    ],
    examples: ['GITHUB_TOKEN=… npm run fleet -- github rollout-commit'],
    details: `Profiles may only name what the nodes accept, so pages.yml never builds the tip of the branch: a push whose rollout failed, was rolled back or is still running stays off the site. Looks at the last 20 deploy.yml runs on the branch and takes the one whose rolled-out job finished last (a run by hand for some nodes has none; a re-run of an older run succeeds only when no node runs a later commit of the branch, so its nodes do run its commit), and refuses a commit the checked-out branch never pointed at (its first-parent history). In Actions it sets the step output sha. Needs \`actions: read\`. ${API_ENV}`,
    run: async (ctx, args) => (await import('../../github/rollout-commit.ts')).runRolloutCommit(ctx, args),
  },
  {
    name: 'github propose-recovery',
    summary: 'recovery.mode propose: open one pull request per standby promoted on the status branch, making it permanent in nodes/',
    options: [
      { name: 'status', value: 'DIR', help: 'a pulled status store (default build/status)' },
      { name: 'base', value: 'BRANCH', help: 'the branch the pull requests go to (default $GITHUB_REF_NAME, else main)' },
    ],
    examples: ['GITHUB_TOKEN=… npm run fleet -- github propose-recovery --status build/status'],
    details: `Pushes each change to its own branch (boxfleet/recovery/NODE/INBOUND-to-STANDBY) through origin, opens the pull request, and dispatches validate.yml on that branch (pull requests opened with the workflow's token start no workflow). A branch that ever had a pull request gets no second one. Needs \`contents: write\`, \`pull-requests: write\` and \`actions: write\`, and the repository setting "Allow GitHub Actions to create and approve pull requests". ${API_ENV}`,
    run: async (ctx, args) => (await import('../../github/recovery-pr.ts')).runProposeRecovery(ctx, args),
  },
  {
    name: 'github shards',
    summary: 'split the enabled nodes into a canary and at most N node lists for a sharded deploy matrix',
    options: [{ name: 'shards', value: 'N', help: 'matrix jobs after the canary, 1–256 (default 20)' }],
    examples: ['npm run fleet -- github shards --shards 20'],
    details: 'Prints {"canary":…,"shards":[…]} and, in Actions, sets the step outputs canary, matrix (JSON) and has-rest.',
    run: async (ctx, args) => (await import('../../github/shards.ts')).runShards(ctx, args),
  },
  {
    name: 'github vantages',
    summary: 'list the self-hosted probe vantages of fleet.yaml (the probe-vantage.yml matrix)',
    options: [],
    examples: ['npm run fleet -- github vantages'],
    details: 'Prints a JSON list of names and, in Actions, sets the step outputs matrix (JSON) and any (true/false).',
    run: async (ctx, args) => (await import('../../github/vantages.ts')).runVantages(ctx, args),
  },
  {
    name: 'singbox install',
    summary: 'download a sing-box release, verify its SHA-256 against a pin, and put the binary into a directory',
    options: [
      { name: 'version', value: 'V', help: 'release to install (default: fleet.yaml singbox.version)' },
      { name: 'arch', value: 'amd64|arm64', help: 'default: this machine\'s' },
      { name: 'dir', value: 'DIR', help: 'where the sing-box binary goes' },
      { name: 'sha256', value: 'HEX', help: 'checksum of the tarball (default: fleet.yaml singbox.sha256 when V is the fleet\'s version)' },
      { name: 'add-to-path', help: 'in Actions, add DIR to $GITHUB_PATH for later steps' },
    ],
    examples: [
      'npm run fleet -- singbox install --dir "$RUNNER_TEMP/sing-box"',
      'npm run fleet -- singbox install --version 1.13.0 --sha256 <64 hex> --dir /tmp/sb-1.13',
    ],
    details: 'Downloads the tarball from fleet.yaml singbox.download_url (default: the release on GitHub; a template with '
      + '{version} and {arch}, for a mirror). Refuses a release without a pinned checksum; installs nothing on a mismatch.',
    run: async (ctx, args) => (await import('../../github/singbox-install.ts')).runSingboxInstall(ctx, args),
  },
  {
    name: 'check-configs',
    summary: 'run the real `sing-box check` on every rendered config and profile, and `mihomo -t` on every mihomo profile',
    options: [
      { name: 'singbox', value: 'BIN', help: 'the sing-box binary (see `fleet singbox install`)' },
      { name: 'mihomo', value: 'BIN', help: 'the mihomo binary: also run `mihomo -t` on every users/*/mihomo.yaml' },
      { name: 'build', value: 'DIR', help: 'the render output (default: build)' },
    ],
    formats: ['text', 'json', 'github'],
    examples: [
      'npm run fleet -- render && npm run fleet -- check-configs --singbox "$RUNNER_TEMP/sing-box/sing-box" --format github',
      'npm run fleet -- check-configs --singbox ~/.cache/boxfleet-tools/sing-box-1.12.25/sing-box --mihomo ~/.cache/boxfleet-tools/mihomo-1.19.30/mihomo',
    ],
    details: 'Checks build/nodes/*/config.json and build/users/*/sing-box.json (and build/users/*/mihomo.yaml with --mihomo). TLS files the configs name are replaced by a throwaway '
      + 'self-signed pair under a temporary prefix (copies of the configs point there), so no root is needed. Exit 1 when any file fails.',
    run: async (ctx, args) => (await import('../../github/check-configs.ts')).runCheckConfigs(ctx, args),
  },
  {
    name: 'publish-guard',
    summary: 'refuse to publish a demo build, a build without robots.txt, or one with symlinks (exit 1)',
    options: [{ name: 'site', value: 'DIR', help: 'the built site (output of `fleet site`)' }],
    examples: ['npm run fleet -- publish-guard --site build/site'],
    details: 'In Actions it sets the step output `host` to fleet.yaml site.host, so the workflow picks the publishing step.',
    run: async (ctx, args) => (await import('../../github/publish-guard.ts')).runPublishGuard(ctx, args),
  },
  {
    name: 'status changed',
    summary: 'tell whether any node\'s overall health differs between two latest.json files (for republishing the site)',
    options: [
      { name: 'before', value: 'FILE|DIR', help: 'latest.json (or a status directory) before the run; missing = empty' },
      { name: 'after', value: 'FILE|DIR', help: 'latest.json (or a status directory) after the run' },
      { name: 'exit-code', help: 'exit 3 when something changed' },
    ],
    formats: ['text', 'json'],
    examples: ['npm run fleet -- status changed --before build/status-before --after build/status'],
    details: 'In Actions it sets the step output `changed` to true or false.',
    run: async (ctx, args) => (await import('../../github/status-changed.ts')).runStatusChanged(ctx, args),
  },
];
