// Every `npm run fleet -- …` line of the README works as printed (#15). Lines that need no
// node, GitHub or monitoring host run here, in README order, against a fresh clone of the
// repository (the demo fleet, as a new operator has it); each other line is listed with
// why it cannot run here and which test runs it on harness hosts or stand-ins. A README
// line in neither list fails the test, so a new example is either proven or explained.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../scripts/fleet.ts';
import { argvOf, markdownLines, type CommandLine } from './command-lines.ts';
import { ADD_NODE, NODE_PATH } from '../real/readme-path.ts';
import { REPO } from './helpers.ts';

/** Run here. `code`: the exit the README promises when it is not 0. */
const RUNS: { match: RegExp; code?: number; says?: RegExp }[] = [
  { match: /^validate( --format github)?$/ },
  { match: /^--help$/ },
  { match: /^render( --nodes tokyo-1| --out build)?$/ },
  { match: /^plan --base (origin\/main|HEAD~1)( --format md| --head HEAD)?( --format md)?$/ },
  { match: /^site$/ },
  { match: /^links( --user alice( --format json)?)?$/ },
  { match: /^probe manifest --out probe-manifest\.json$/ },
  { match: /^probe vantage-key home-cn$/ },
  // A demo build: the guard refuses it, as the README says it does.
  { match: /^publish-guard --site build\/site$/, code: 1, says: /demo/i },
  { match: /^node add (osaka-1|paris-1|nagoya-1) / },
  { match: /^node cert (paris-1|frankfurt-1)$/ },
  { match: /^user add (grace|heidi) / },
  { match: /^user rotate alice$/ },
  { match: /^user disable bob$/ },
  { match: /^monitoring --out build\/monitoring$/ },
  { match: /^monitoring$/ },
];

/** Not run here, and why; where a test runs them instead. */
const ELSEWHERE: { match: RegExp; why: string }[] = [
  { match: /^<command>/, why: 'describes the CLI\'s shape, not a command' },
  { match: /^drift( --format md)?$/, why: 'reads the demo\'s nodes over SSH: `drift --format md` runs on harness hosts shaped like them in test/real/readme-fleet.test.ts (`drift` is the same with a text table)' },
  { match: /^status changed --before a --after b$/, why: 'placeholders (a, b) in the command table; the real line runs in test/real/readme-fleet.test.ts' },
  { match: /^incidents --status build\/status( --history)?$/, why: 'talks to GitHub and Telegram: test/alert/*.test.ts against the stand-ins (the --dry-run line runs in test/real/readme-fleet.test.ts)' },
  { match: /^github\b/, why: 'talks to GitHub: test/workflows/*.test.ts against the GitHub stand-in' },
  { match: /^publish\b/, why: 'needs an S3-compatible store: test/publish/s3.test.ts runs it against SeaweedFS on a harness host' },
  { match: /^usage collect\b/, why: 'reads nodes running the stats build: test/usage/stats.test.ts on harness hosts' },
  { match: /^monitoring deploy\b/, why: 'needs the monitoring host: test/monitoring/deploy-ssh.test.ts on a harness host' },
];

/** Need nodes: run word for word against harness hosts shaped like the demo's, in test/real/readme-fleet.test.ts. */
const ON_NODES = new Set([ADD_NODE, ...NODE_PATH.map((s) => s.line)].map((l) => argvOf(l).join(' ')));

const groupOf = (l: CommandLine): 'run' | 'nodes' | 'elsewhere' | undefined => {
  const args = l.argv.join(' ');
  if (RUNS.some((r) => r.match.test(args))) return 'run';
  if (ON_NODES.has(args)) return 'nodes';
  if (ELSEWHERE.some((e) => e.match.test(args) || e.match.test(l.text.replace(/^npm run fleet -- /, '')))) return 'elsewhere';
  return undefined;
};

describe('README command lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-readme-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('each runs here, in order, on a fresh clone of the demo fleet, or is listed with why it cannot', async () => {
    const clone = join(dir, 'clone');
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', REPO, clone]);
    const readme = readFileSync(join(clone, 'README.md'), 'utf8');
    const lines = markdownLines(readme, 'README.md');
    // Lines the README writes as `FLEET_SECRET=… npm run fleet -- …` run with a real secret,
    // made as the README says (openssl rand -base64 48); the others with none (the demo secret).
    const secret = execFileSync('openssl', ['rand', '-base64', '48'], { encoding: 'utf8' }).trim();
    const withSecret = (l: CommandLine) => readme.replace(/\s*\n\s*/g, ' ').replace(/npm run (-s|--silent) fleet/g, 'npm run fleet').includes(`FLEET_SECRET=… ${l.text.replace(/\s+#.*$/, '').trim()}`);
    expect(lines.length).toBeGreaterThan(40);
    expect(lines.filter((l) => !groupOf(l)).map((l) => l.text)).toEqual([]);
    // Every reason given still names a README line (a stale entry would hide a new one).
    const explained = (e: (typeof ELSEWHERE)[number]) => lines.some((l) => groupOf(l) === 'elsewhere' && (e.match.test(l.argv.join(' ')) || e.match.test(l.text.replace(/^npm run fleet -- /, ''))));
    expect(ELSEWHERE.filter((e) => !explained(e)).map((e) => String(e.match))).toEqual([]);
    const done = new Set<string>();
    let ran = 0;
    for (const l of lines) {
      const args = l.argv.join(' ');
      // The README repeats an example in the command table; it ran the first time.
      if (groupOf(l) !== 'run' || done.has(args)) continue;
      done.add(args);
      const rule = RUNS.find((r) => r.match.test(args))!;
      const out: string[] = [];
      const err: string[] = [];
      const env = { PATH: process.env.PATH, ...(withSecret(l) ? { FLEET_SECRET: secret } : {}) };
      const code = await main([...l.argv, '--root', clone], { out: (t) => out.push(t), err: (t) => err.push(t) }, env);
      const said = `${out.join('\n')}\n${err.join('\n')}`;
      expect(code, `${l.text}\n${said}`).toBe(rule.code ?? 0);
      if (rule.says) expect(said, l.text).toMatch(rule.says);
      expect(said, l.text).not.toMatch(/\n\s+at /);
      ran++;
    }
    expect(ran).toBeGreaterThan(20);
    // What the walk-through made is there: the node and user files it wrote.
    for (const f of ['nodes/osaka-1.yaml', 'nodes/paris-1.yaml', 'users/grace.yaml', 'build/site/index.html']) expect(existsSync(join(clone, f)), f).toBe(true);
  }, 300_000);
});
