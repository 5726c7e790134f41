import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFleet } from '../../../scripts/model/load.ts';
import { main } from '../../../scripts/fleet.ts';
import { formatPlan, PLAN_MARKER } from '../../../scripts/render/plan/format.ts';
import { gitSource } from '../../../scripts/render/plan/git-source.ts';
import { buildPlan } from '../../../scripts/render/plan/run.ts';
import type { Plan } from '../../../scripts/render/plan/types.ts';
import { NOW, REPO, TEST_SECRET, withCertificate } from '../server/fixture.ts';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** A repository holding the demo fleet (with the test certificate), committed once. */
function demoRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-plan-'));
  dirs.push(dir);
  for (const p of ['fleet.yaml', 'nodes', 'users']) cpSync(join(REPO, p), join(dir, p), { recursive: true });
  const fr = join(dir, 'nodes/frankfurt-1.yaml');
  writeFileSync(fr, withCertificate(readFileSync(fr, 'utf8')));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'demo');
  return dir;
}

const edit = (dir: string, path: string, fn: (s: string) => string) => writeFileSync(join(dir, path), fn(readFileSync(join(dir, path), 'utf8')));

async function plan(dir: string, ref = 'main'): Promise<Plan> {
  const { source, commit } = await gitSource(dir, ref);
  const base = loadFleet(dir, NOW, source);
  const head = loadFleet(dir, NOW).fleet!;
  const { plan, secrets } = buildPlan({ ref, commit, base: base.fleet, baseProblems: base.fleet ? [] : base.diagnostics.map((d) => d.message), head, now: NOW, secret: TEST_SECRET });
  // Never a credential in any format.
  expect(secrets.length).toBeGreaterThan(10);
  for (const format of ['text', 'md', 'json']) {
    const text = formatPlan(plan, format);
    for (const s of secrets) expect(text.includes(s), `secret leaked in ${format}`).toBe(false);
  }
  return plan;
}

const blank = { usersAdded: [], usersRemoved: [], usersRotated: [], graceAdded: [], graceRemoved: [], inbounds: [], other: [] };

describe('fleet plan', () => {
  it('shows nothing for an unchanged tree', async () => {
    const p = await plan(demoRepo());
    expect(p.nodes).toEqual([]);
    expect(p.users).toEqual([]);
    expect(p.unchangedNodes).toEqual(['frankfurt-1', 'singapore-1', 'tokyo-1']);
    expect(formatPlan(p, 'text')).toContain('No changes.');
  });

  it('a new user: exactly that user on exactly the nodes they may use', async () => {
    const dir = demoRepo();
    writeFileSync(join(dir, 'users/greg.yaml'), 'name: greg\nenabled: true\nrev: 1\nnodes: [label:premium]\n');
    const p = await plan(dir);
    expect(p.nodes).toEqual([
      { node: 'frankfurt-1', change: 'changed', ...blank, usersAdded: ['greg'] },
      { node: 'singapore-1', change: 'changed', ...blank, usersAdded: ['greg'] },
    ]);
    expect(p.unchangedNodes).toEqual(['tokyo-1']);
    expect(p.users).toEqual([{ user: 'greg', changes: ['new user (active)'], gains: ['frankfurt-1', 'singapore-1'], loses: [] }]);
  });

  it('a port change', async () => {
    const dir = demoRepo();
    edit(dir, 'nodes/tokyo-1.yaml', (s) => s.replace('  - type: hysteria2\n    port: 443', '  - type: hysteria2\n    port: 8443'));
    const p = await plan(dir);
    expect(p.nodes).toEqual([{
      node: 'tokyo-1', change: 'changed', ...blank,
      inbounds: [{ change: 'changed', tag: 'hysteria2-443 → hysteria2-8443', type: 'hysteria2', port: 8443, details: ['port 443 → 8443'] }],
    }]);
    expect(p.users).toEqual([]);
  });

  it('a node removal', async () => {
    const dir = demoRepo();
    rmSync(join(dir, 'nodes/singapore-1.yaml'));
    const p = await plan(dir);
    expect(p.nodes.map((n) => [n.node, n.change, n.reason])).toEqual([['singapore-1', 'removed', 'node file removed']]);
    expect(p.nodes[0].usersRemoved).toEqual(['alice', 'dave', 'erin', 'frank']);
    expect(p.users.map((u) => [u.user, u.loses])).toEqual([['alice', ['singapore-1']], ['dave', ['singapore-1']], ['erin', ['singapore-1']], ['frank', ['singapore-1']]]);
    expect(p.users.every((u) => u.changes.length === 0 && u.gains.length === 0)).toBe(true);
  });

  it('a routine rotation keeps the old credentials; a revocation does not', async () => {
    const dir = demoRepo();
    edit(dir, 'users/alice.yaml', (s) => s.replace('rev: 1', 'rev: 2\nrotated_at: 2026-11-26T10:00:00Z'));
    const p = await plan(dir);
    expect(p.nodes.map((n) => n.node)).toEqual(['frankfurt-1', 'singapore-1', 'tokyo-1']);
    for (const n of p.nodes) expect(n).toEqual({ node: n.node, change: 'changed', ...blank, usersRotated: ['alice'], graceAdded: ['alice'] });
    expect(p.users).toEqual([{ user: 'alice', changes: ['rotated (rev 1 → 2, routine): old credentials accepted until 2026-11-28T10:00:00Z'], gains: [], loses: [] }]);

    edit(dir, 'users/alice.yaml', (s) => s.replace('rotated_at', 'revoked: true\nrotated_at'));
    const r = await plan(dir);
    for (const n of r.nodes) expect(n.graceAdded).toEqual([]);
    expect(r.users[0].changes[0]).toMatch(/^revoked \(rev 1 → 2\)/);
  });

  it('an invalid base: says so and shows the working tree alone', async () => {
    const dir = demoRepo();
    edit(dir, 'fleet.yaml', (s) => s.replace('epoch: 1', 'epoch: many'));
    git(dir, 'commit', '-q', '-am', 'broken');
    edit(dir, 'fleet.yaml', (s) => s.replace('epoch: many', 'epoch: 1'));
    const p = await plan(dir);
    expect(p.base.valid).toBe(false);
    expect(p.base.problems.length).toBeGreaterThan(0);
    expect(p.nodes.map((n) => [n.node, n.change])).toEqual([['frankfurt-1', 'added'], ['singapore-1', 'added'], ['tokyo-1', 'added']]);
    expect(formatPlan(p, 'md')).toContain('**The base does not validate**');
  });

  it('from the CLI: Markdown with the marker first, JSON, usage and input errors', async () => {
    const dir = demoRepo();
    writeFileSync(join(dir, 'users/greg.yaml'), 'name: greg\nenabled: true\nrev: 1\n');
    const run = async (...argv: string[]) => {
      const out: string[] = []; const err: string[] = [];
      const code = await main([...argv, '--root', dir, '--now', '2026-11-26T12:00:00Z'], { out: (t) => out.push(t), err: (t) => err.push(t) }, {});
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const md = await run('plan', '--base', 'main', '--format', 'md');
    expect(md.code).toBe(0);
    expect(md.out.split('\n')[0]).toBe(PLAN_MARKER);
    // Cells are Markdown-escaped (a value from the files adds no link): GitHub shows "(active)".
    expect(md.out).toContain('| `greg` | new user \\(active\\) | frankfurt-1, singapore-1, tokyo-1 |');
    const json = JSON.parse((await run('plan', '--base', 'main', '--format', 'json')).out);
    expect(json.users).toEqual([{ user: 'greg', changes: ['new user (active)'], gains: ['frankfurt-1', 'singapore-1', 'tokyo-1'], loses: [] }]);
    expect((await run('plan')).code).toBe(2);
    const noBase = await run('plan', '--base', 'no-such-ref');
    expect([noBase.code, noBase.err]).toEqual([1, expect.stringContaining('--base: "no-such-ref" is not a commit in this repository')]);
    const noHead = await run('plan', '--base', 'main', '--head', 'no-such-ref');
    expect([noHead.code, noHead.err]).toEqual([1, expect.stringContaining('--head: "no-such-ref" is not a commit in this repository')]);
    // --head reads the ref's files, not the working tree (which has greg).
    const head = await run('plan', '--base', 'main', '--head', 'main');
    expect(head.out).not.toContain('greg');
    writeFileSync(join(dir, 'users/greg.yaml'), 'name: greg\nenabled: maybe\n');
    const bad = await run('plan', '--base', 'main');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^users\/greg\.yaml:2:\d+: /m);
    expect(bad.err).not.toMatch(/\n\s+at /);
    // A fleet folder outside any repository is told so, not sent to look at fetch-depth.
    rmSync(join(dir, '.git'), { recursive: true });
    writeFileSync(join(dir, 'users/greg.yaml'), 'name: greg\nenabled: true\nrev: 1\n');
    const noRepo = await run('plan', '--base', 'HEAD');
    expect(noRepo.code).toBe(1);
    expect(noRepo.err).toContain("--base HEAD: the fleet's folder is not in a Git repository — ");
    expect(noRepo.err).not.toContain('fetch-depth');
  });

  it('a base whose file is not UTF-8 is reported as the base not validating, with its place (not read as U+FFFD)', async () => {
    const dir = demoRepo();
    writeFileSync(join(dir, 'users/greg.yaml'), Buffer.concat([Buffer.from('name: greg\nnote: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'latin-1 file');
    const { source } = await gitSource(dir, 'main');
    const base = loadFleet(dir, NOW, source);
    expect(base.fleet).toBeUndefined();
    expect(base.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`)).toContainEqual('users/greg.yaml:2:10: file is not valid UTF-8');
  });
});
