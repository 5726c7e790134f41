// What every workflow must be, read from the YAML itself: least-privilege permissions,
// pinned actions, the triggers and concurrency the design asks for, secrets only in the
// steps that need them (and only after `npm ci`), and no command line that names a
// `fleet` command or option that does not exist.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../scripts/cli/args.ts';
import { findCommand, loadCommands } from '../../scripts/cli/registry.ts';
import { linesOf, markdownLines, type CommandLine } from './command-lines.ts';
import { DEPLOY_WORKFLOW, ROLLOUT_JOB } from '../../scripts/github/rollout-commit.ts';
import { REPO, workflow, workflows, type Job, type Step } from './helpers.ts';

const all = workflows();
const FILES = ['deploy.yml', 'drift.yml', 'pages.yml', 'plan-comment.yml', 'probe-vantage.yml', 'probe.yml', 'stats-build.yml', 'usage.yml', 'validate.yml'];

/** The SHAs read from the actions' own repositories (tags → commits), with their versions. */
const PINNED: Record<string, [string, string]> = {
  'actions/checkout': ['11d5960a326750d5838078e36cf38b85af677262', 'v4.4.0'],
  'actions/setup-node': ['49933ea5288caeca8642d1e84afbd3f7d6820020', 'v4.4.0'],
  'actions/upload-artifact': ['ea165f8d65b6e75b540449e92b4886f43607fa02', 'v4.6.2'],
  'actions/download-artifact': ['d3f86a106a0bac45b974a628896c90dbdf5c8093', 'v4.3.0'],
  'actions/upload-pages-artifact': ['56afc609e74202658d3ffba0e8f6dda462b719fa', 'v3.0.1'],
  'actions/deploy-pages': ['d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e', 'v4.0.5'],
  'actions/configure-pages': ['983d7736d9b0ae728b81ab479565c72886d7745b', 'v5.0.0'],
};

/** Which secrets each workflow may name at all. */
const SECRETS: Record<string, string[]> = {
  'deploy.yml': ['FLEET_SECRET', 'SSH_PRIVATE_KEY'],
  'drift.yml': ['FLEET_SECRET', 'SSH_PRIVATE_KEY'],
  'pages.yml': ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'FLEET_SECRET'],
  'plan-comment.yml': [],
  'probe-vantage.yml': ['BOXFLEET_VANTAGE_KEY', 'PROBE_MANIFEST'],
  'probe.yml': ['FLEET_SECRET', 'TELEGRAM_BOT_TOKEN'],
  'stats-build.yml': [],
  'usage.yml': ['USAGE_SSH_PRIVATE_KEY'],
  'validate.yml': [],
};

/** The fleet commands that need FLEET_SECRET; a step giving it to anything else leaks it. */
const NEEDS_FLEET_SECRET = new Set(['deploy', 'drift', 'site', 'probe', 'probe manifest', 'status push', 'status merge', 'publish']);

/** Write permissions, per workflow and job: anything more (or less) is a change to review. */
const WRITES: Record<string, Record<string, string[]>> = {
  'deploy.yml': { deploy: [], 'shard-plan': [], canary: [], shard: [], 'rolled-out': [], publish: ['actions'] },
  'drift.yml': { drift: ['issues'] },
  'pages.yml': { commit: [], build: [], deploy: ['id-token', 'pages'], 'object-store': [] },
  'plan-comment.yml': { comment: ['pull-requests'] },
  'probe-vantage.yml': { vantages: [], probe: [] },
  'probe.yml': { probe: ['actions', 'contents', 'issues', 'pull-requests'], compact: ['contents'] },
  'stats-build.yml': { build: [], publish: ['contents'] },
  'usage.yml': { collect: ['actions', 'contents'] },
  'validate.yml': { validate: ['pull-requests'] },
};

const steps = (j: Job): Step[] => j.steps ?? [];
const secretsIn = (v: unknown): string[] => [...JSON.stringify(v ?? '').matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]);

/** Every string in the document with the path leading to it. */
function strings(node: unknown, path: string[] = []): { path: string[]; value: string }[] {
  if (typeof node === 'string') return [{ path, value: node }];
  if (Array.isArray(node)) return node.flatMap((v, i) => strings(v, [...path, String(i)]));
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => strings(v, [...path, k]));
  return [];
}

function cronMinutes(cron: string): string[] {
  return cron.trim().split(/\s+/)[0].split(',');
}

describe('workflows: structure', () => {
  it('are exactly the seven the design names, and #18\'s usage collection and stats build', () => {
    expect(all.map((w) => w.file)).toEqual(FILES);
  });

  it.each(FILES)('%s: top-level permissions are contents: read only', (f) => {
    expect(workflow(f).permissions).toEqual({ contents: 'read' });
  });

  it.each(FILES)('%s: job permissions write only what the job needs, never write-all', (f) => {
    const w = workflow(f);
    const writes = Object.fromEntries(Object.entries(w.jobs).map(([name, j]) => {
      expect(typeof j.permissions === 'string' ? j.permissions : '').not.toMatch(/all/);
      const p = (j.permissions ?? {}) as Record<string, string>;
      return [name, Object.entries(p).filter(([, v]) => v === 'write').map(([k]) => k).sort()];
    }));
    expect(writes).toEqual(WRITES[f]);
  });

  it.each(FILES)('%s: no pull_request_target', (f) => {
    const w = workflow(f);
    expect(Object.keys(w.on)).not.toContain('pull_request_target');
    expect(w.text).not.toMatch(/pull_request_target/);
  });

  it.each(FILES)('%s: every action is pinned by a full SHA with its version in a comment', (f) => {
    const w = workflow(f);
    const uses = strings(w.jobs).filter((s) => s.path.at(-1) === 'uses').map((s) => s.value);
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) {
      const m = /^([\w.-]+\/[\w.-]+)@([0-9a-f]{40})$/.exec(u);
      expect(m, u).not.toBeNull();
      expect(PINNED[m![1]], `${u}: not a verified action`).toBeDefined();
      expect(m![2], u).toBe(PINNED[m![1]][0]);
    }
    for (const line of w.text.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
      const m = /uses: ([\w.-]+\/[\w.-]+)@[0-9a-f]{40} # (v\d+\.\d+\.\d+)$/.exec(line.trim().replace(/^-\s+/, ''));
      expect(m, line).not.toBeNull();
      expect(m![2], line).toBe(PINNED[m![1]][1]);
    }
  });

  it.each(FILES)('%s: every job has a timeout', (f) => {
    for (const [name, j] of Object.entries(workflow(f).jobs)) {
      expect(j['timeout-minutes'], `${f} ${name}`).toBeGreaterThan(0);
      expect(j['timeout-minutes'], `${f} ${name}`).toBeLessThanOrEqual(30);
    }
  });
});

describe('workflows: triggers and concurrency', () => {
  it('probe runs on a schedule at odd minutes, every 15 minutes, and by hand', () => {
    for (const f of ['probe.yml', 'probe-vantage.yml']) {
      const on = workflow(f).on as { schedule: { cron: string }[]; workflow_dispatch?: unknown };
      expect(on).toHaveProperty('workflow_dispatch');
      const minutes = on.schedule.flatMap((s) => cronMinutes(s.cron));
      for (const m of minutes) {
        expect(m, `${f}: ${m}`).toMatch(/^\d+$/);
        expect(['0', '15', '30', '45'], `${f}: minute ${m}`).not.toContain(m);
      }
    }
    const probe = workflow('probe.yml').on as { schedule: { cron: string }[] };
    expect(probe.schedule.map((s) => s.cron)).toContain('7,22,37,52 * * * *');
  });

  it('probe merges the vantages\' uploads (workflow_run of probe-vantage) and compacts daily', () => {
    const w = workflow('probe.yml');
    expect(w.on.workflow_run).toMatchObject({ workflows: ['probe-vantage'], types: ['completed'] });
    const dl = steps(w.jobs.probe).find((s) => s.uses?.startsWith('actions/download-artifact@'));
    expect(dl?.with).toMatchObject({ 'run-id': '${{ github.event.workflow_run.id }}', 'github-token': '${{ github.token }}', path: 'build/vantage-runs' });
    // Each artifact in a folder of its own, and every folder's runs merged: one vantage's
    // upload cannot overwrite another's file of the same name.
    expect(dl?.with?.['merge-multiple']).toBeUndefined();
    expect(steps(w.jobs.probe).find((s) => /fleet -- status merge/.test(s.run ?? ''))?.run).toBe('npm run fleet -- status merge build/vantage-runs/*/*.json');
    expect(steps(w.jobs.compact).some((s) => /fleet -- status compact/.test(s.run ?? ''))).toBe(true);
    expect(w.jobs.compact.if).toMatch(/github\.event\.schedule == '41 3 \* \* \*'/);
    expect((w.on.schedule as { cron: string }[]).map((s) => s.cron)).toContain('41 3 * * *');
  });

  it('deploy runs on push to main, daily, and by hand with a node filter', () => {
    const on = workflow('deploy.yml').on as { push: { branches: string[]; paths: string[] }; schedule: unknown[]; workflow_dispatch: { inputs: Record<string, unknown> } };
    expect(on.push.branches).toEqual(['main']);
    expect(on.push.paths).toEqual(expect.arrayContaining(['fleet.yaml', 'nodes/**', 'users/**', 'scripts/**']));
    expect(on.schedule.length).toBe(1);
    expect(Object.keys(on.workflow_dispatch.inputs)).toContain('nodes');
  });

  it('validate runs on pull requests touching the fleet or the code', () => {
    const on = workflow('validate.yml').on as { pull_request: { paths: string[] } };
    expect(on.pull_request.paths).toEqual(expect.arrayContaining(['fleet.yaml', 'nodes/**', 'users/**', 'scripts/**']));
    const checkout = steps(workflow('validate.yml').jobs.validate).find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.['fetch-depth']).toBe(0);
  });

  it('plan-comment runs on validate\'s completion and never checks out the pull request', () => {
    const w = workflow('plan-comment.yml');
    expect(w.on).toEqual({ workflow_run: { workflows: ['validate'], types: ['completed'] } });
    const checkout = steps(w.jobs.comment).find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.ref).toBe('${{ github.event.repository.default_branch }}');
    // The fork's head is never checked out: only fetched as data (fork-plan.test.ts).
    for (const s of steps(w.jobs.comment)) expect(JSON.stringify(s.with ?? {})).not.toMatch(/workflow_run\.head|refs\/pull/);
  });

  it('deploy: one global group, never cancelled in progress', () => {
    const c = workflow('deploy.yml').concurrency!;
    expect(c.group).toBe('deploy-fleet');
    expect(c['cancel-in-progress']).toBe(false);
  });

  it('probe-vantage: its own group, one job per vantage on its own runner and environment, short timeout, read-only', () => {
    const w = workflow('probe-vantage.yml');
    const others = all.filter((x) => x.file !== w.file).map((x) => x.concurrency?.group.toLowerCase());
    expect(w.concurrency?.group).toBeTruthy();
    expect(others).not.toContain(w.concurrency!.group.toLowerCase());
    expect(w.jobs.vantages['runs-on']).toEqual(['self-hosted', 'boxfleet-vantage']);
    expect(w.jobs.probe['runs-on']).toEqual(['self-hosted', 'boxfleet-vantage-${{ matrix.vantage }}']);
    // The signing key is a secret of the vantage's own environment, not of the repository.
    expect((w.jobs.probe as { environment?: unknown }).environment).toBe('vantage-${{ matrix.vantage }}');
    expect(JSON.stringify((w.jobs.probe as { strategy?: unknown }).strategy)).toContain('fromJSON(needs.vantages.outputs.matrix)');
    expect(w.jobs.probe['timeout-minutes']).toBeLessThanOrEqual(15);
    expect(w.jobs.probe.permissions).toEqual({ contents: 'read' });
    expect(steps(w.jobs.probe).some((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBe(true);
  });

  it('deploy: the site is published only after a rollout of every node, never after one by hand for some', () => {
    // A run for some nodes leaves the others on what they ran, and can replace a full
    // deploy that was pending in the same concurrency group.
    const w = workflow('deploy.yml');
    const marker = w.jobs['rolled-out'];
    const cond = String(marker.if).replace(/\s+/g, ' ');
    expect(cond).toContain("!contains(needs.*.result, 'failure')");
    expect(cond).toMatch(/(^|&& )!inputs\.nodes &&/);
    expect(marker.needs).toEqual(['deploy', 'canary', 'shard']);
    // Nothing in it can fail after the rollout: pages.yml reads its success as "every node runs this commit".
    expect(steps(marker).map((x) => x.run)).toEqual(['echo "every node runs $GITHUB_SHA"']);
    expect(w.jobs.publish.needs).toBe('rolled-out');
    // Not the default success(): it counts the jobs rolled-out needs, and every run skips some.
    expect(w.jobs.publish.if).toBe("${{ !cancelled() && needs.rolled-out.result == 'success' }}");
  });

  it('pages: builds the commit the nodes run (the rolled-out job that finished last), never the tip', () => {
    const w = workflow('pages.yml');
    const find = steps(w.jobs.commit).find((x) => /fleet -- github rollout-commit/.test(x.run ?? ''));
    expect(find?.id).toBe('commit');
    expect(find?.env?.COMMIT).toBe('${{ inputs.commit }}');
    expect(w.jobs.commit.permissions).toEqual({ contents: 'read', actions: 'read' });
    expect(steps(w.jobs.commit).find((x) => x.uses?.startsWith('actions/checkout@'))?.with?.['fetch-depth']).toBe(0);
    for (const job of ['build', 'object-store']) {
      expect(w.jobs[job].needs).toContain('commit');
      const checkout = steps(w.jobs[job]).filter((x) => x.uses?.startsWith('actions/checkout@'));
      expect(checkout.map((x) => x.with?.ref)).toEqual(['${{ needs.commit.outputs.sha }}']);
      // Never an empty ref (the tip): the job's first step refuses it.
      expect(steps(w.jobs[job])[0]).toMatchObject({ env: { SHA: '${{ needs.commit.outputs.sha }}' }, run: expect.stringMatching(/^test -n "\$SHA" \|\| /) });
    }
    // The job rollout-commit looks for is the one deploy.yml has.
    expect(workflow(DEPLOY_WORKFLOW).jobs[ROLLOUT_JOB]).toBeDefined();
    // deploy.yml starts it without a commit: a re-run of an old run's publish job would name an old one.
    const dispatch = steps(workflow('deploy.yml').jobs.publish).find((x) => /github dispatch pages\.yml/.test(x.run ?? ''));
    expect(dispatch?.run).toBe('npm run fleet -- github dispatch pages.yml --ref "$GITHUB_REF_NAME"');
    // Templates and translations change the site: their push goes through a rollout too.
    expect((workflow('deploy.yml').on as { push: { paths: string[] } }).push.paths).toContain('site/**');
  });

  it('pages: publish-guard runs before anything is uploaded', () => {
    const s = steps(workflow('pages.yml').jobs.build);
    const guard = s.findIndex((x) => /fleet -- publish-guard/.test(x.run ?? ''));
    const upload = s.findIndex((x) => x.uses?.startsWith('actions/upload-pages-artifact@'));
    expect(guard).toBeGreaterThan(-1);
    expect(upload).toBeGreaterThan(guard);
  });
});

describe('workflows: secrets', () => {
  it.each(FILES)('%s: names only the secrets it needs, only in a step\'s env', (f) => {
    const w = workflow(f);
    const found = strings({ on: w.on, env: w.env, concurrency: w.concurrency, jobs: w.jobs }).filter((s) => /secrets\./.test(s.value));
    expect([...new Set(found.flatMap((s) => secretsIn(s.value)))].sort()).toEqual(SECRETS[f]);
    for (const s of found) {
      // jobs.<job>.steps.<i>.env.<NAME>: nowhere else (not workflow or job env, not run:, not with:)
      expect(s.path.length, s.path.join('.')).toBe(6);
      expect([s.path[0], s.path[2], s.path[4]], s.path.join('.')).toEqual(['jobs', 'steps', 'env']);
    }
  });

  it.each(FILES)('%s: npm ci runs before any step with a secret', (f) => {
    for (const [name, j] of Object.entries(workflow(f).jobs)) {
      const s = steps(j);
      const firstSecret = s.findIndex((x) => secretsIn(x.env).length > 0);
      if (firstSecret < 0) continue;
      const ci = s.findIndex((x) => /^npm ci\b/.test(x.run ?? ''));
      expect(ci, `${f} ${name}: npm ci`).toBeGreaterThan(-1);
      expect(ci, `${f} ${name}`).toBeLessThan(firstSecret);
    }
  });

  it.each(FILES)('%s: every npm ci is followed by npm run build (the CLI starts from its bundle, not tsx)', (f) => {
    for (const [name, j] of Object.entries(workflow(f).jobs)) {
      for (const x of steps(j)) {
        if (/^npm ci\b/.test(x.run ?? '')) expect(x.run, `${f} ${name}`).toMatch(/^npm ci [^\n]*&& npm run build$/);
      }
    }
  });

  it('FLEET_SECRET goes only to commands that need it; SSH keys only to the key-writing steps in production', async () => {
    const commands = await loadCommands();
    for (const w of all) {
      for (const [name, j] of Object.entries(w.jobs)) {
        for (const s of steps(j)) {
          const names = secretsIn(s.env);
          if (names.includes('FLEET_SECRET')) {
            const lines = linesOf(s.run ?? '', w.file);
            expect(lines.length, `${w.file} ${name} ${s.name}`).toBe(1);
            expect(NEEDS_FLEET_SECRET.has(findCommand(commands, lines[0].argv).command?.name ?? ''), lines[0].text).toBe(true);
          }
          if (names.includes('SSH_PRIVATE_KEY') || names.includes('PROBE_MANIFEST')) {
            expect(s.run, `${w.file} ${name}`).toMatch(/^umask 077\n/);
            expect(s.run).not.toMatch(/npm|fleet/);
          }
          if (names.includes('SSH_PRIVATE_KEY')) expect(j.environment, `${w.file} ${name}`).toBe('production');
          // The usage collector's key: written like the deploy key, only in its own environment,
          // whose job runs `usage collect` and nothing else of the fleet's.
          if (names.includes('USAGE_SSH_PRIVATE_KEY')) {
            expect(s.run, `${w.file} ${name}`).toMatch(/^umask 077\n/);
            expect(s.run).not.toMatch(/npm|fleet/);
            expect(j.environment, `${w.file} ${name}`).toBe('usage');
            const fleetLines = steps(j).flatMap((x) => linesOf(x.run ?? '', w.file)).map((l) => findCommand(commands, l.argv).command?.name).filter(Boolean);
            expect(fleetLines).toEqual(['usage collect', 'github dispatch']);
          }
          // The object store's key: only to `fleet publish`, only in its own environment.
          if (names.some((n) => n.startsWith('AWS_'))) {
            expect(j.environment, `${w.file} ${name}`).toEqual({ name: 'object-store' });
            // Only the default branch publishes: another branch's run would make the store match it.
            expect(String(j.if), `${w.file} ${name}`).toContain("github.ref == format('refs/heads/{0}', github.event.repository.default_branch)");
            expect(linesOf(s.run ?? '', w.file).map((l) => findCommand(commands, l.argv).command?.name)).toEqual(['publish']);
          }
        }
      }
    }
    expect(workflow('validate.yml').text).not.toMatch(/FLEET_SECRET|secrets\./);
  });

  it('every `fleet github …` and `incidents` step gets GITHUB_TOKEN', () => {
    for (const w of all) for (const j of Object.values(w.jobs)) for (const s of steps(j)) {
      if (/fleet -- (github (plan-comment|drift-issue|dispatch|propose-recovery)|incidents)\b/.test(s.run ?? '')) expect(s.env?.GITHUB_TOKEN, `${w.file} ${s.name}`).toBe('${{ github.token }}');
    }
  });
});

describe('fleet command lines name commands and options that exist', () => {
  // `incidents` is being written in scripts/alert/ by another engineer: until that stage
  // exists, its lines are listed here instead of failing; once it exists they are checked.

  async function check(lines: CommandLine[]): Promise<string[]> {
    const commands = await loadCommands();
    const bad: string[] = [];
    for (const l of lines) {
      // `npm run fleet -- --help` and `npm run fleet -- <command> …` describe the CLI itself.
      if (l.argv[0] === '--help' || l.argv[0]?.startsWith('<')) continue;
      const { command, rest } = findCommand(commands, l.argv);
      if (!command) { bad.push(`${l.where}: no command in "${l.text}"`); continue; }
      try { parseArgs(rest, command); } catch (e) { bad.push(`${l.where}: "${l.text}": ${(e as Error).message}`); }
    }
    return bad;
  }

  it('in the workflows', async () => {
    const lines = all.flatMap((w) => Object.values(w.jobs).flatMap((j) => steps(j).flatMap((s) => linesOf(s.run ?? '', w.file))));
    expect(lines.length).toBeGreaterThan(25);
    expect(await check(lines)).toEqual([]);
  });

  it('in README.md', async () => {
    const readme = join(REPO, 'README.md');
    if (!existsSync(readme)) return;
    const lines = markdownLines(readFileSync(readme, 'utf8'), 'README.md');
    expect(lines.length).toBeGreaterThan(5);
    expect(await check(lines)).toEqual([]);
  });

  it('the checker itself catches a wrong command and a wrong option', async () => {
    const bad = await check([
      ...linesOf('npm run fleet -- deploi --format github', 'x'),
      ...linesOf('npm run fleet -- deploy --formt github', 'x'),
      ...linesOf('npm run -s fleet -- drift --format md > "$RUNNER_TEMP/d.md"', 'x'),
      ...linesOf('npm run fleet -- deploy --format github ${NODES:+--nodes "$NODES"}', 'x'),
    ]);
    expect(bad).toHaveLength(2);
    expect(bad[0]).toMatch(/no command/);
    expect(bad[1]).toMatch(/unknown option --formt/);
  });
});
