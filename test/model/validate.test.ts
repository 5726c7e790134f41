// `fleet validate` on the demo, and its machine formats: GitHub annotations plus a job
// summary, and JSON that parses.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { cleanCopies, demoCopy, fleet, REPO } from './helpers.ts';

afterAll(cleanCopies);

describe('the demo fleet', () => {
  const files = ['fleet.yaml', ...['nodes', 'users'].flatMap((d) => readdirSync(join(REPO, d)).filter((f) => f.endsWith('.yaml')).map((f) => `${d}/${f}`))];

  it.each(files.map((f) => [f]))('%s starts with its schema line, and the schema exists', (file) => {
    const first = readFileSync(join(REPO, file), 'utf8').split('\n')[0];
    const kind = file === 'fleet.yaml' ? 'fleet' : file.startsWith('nodes/') ? 'node' : 'user';
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(m, first).not.toBeNull();
    expect(m![1].endsWith(`/${kind}.schema.json`)).toBe(true);
    expect(existsSync(resolve(REPO, dirname(file), m![1]))).toBe(true);
  });

  it('validates with a one-line summary and exit 0', async () => {
    const r = await fleet(REPO, ['validate']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toHaveLength(1);
    expect(r.out).toMatch(/^fleet demo: 3 nodes, 6 users \(4 active\), 0 errors, \d+ warnings?$/);
  });

  it('carries the self-signed certificate of frankfurt-1, marked as made with the demo secret', () => {
    const text = readFileSync(join(REPO, 'nodes/frankfurt-1.yaml'), 'utf8');
    expect(text).toMatch(/# .*DEMO secret/);
    expect(text).toContain('  certificate: |\n    -----BEGIN CERTIFICATE-----');
  });
});

describe('one mistake', () => {
  it('is one error, counted in the singular: a tab in a user file', async () => {
    const dir = demoCopy();
    writeFileSync(join(dir, 'users/zed.yaml'), 'name: zed\n\tenabled: true\nrev: 1\n');
    const r = await fleet(dir, ['validate']);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toEqual(['users/zed.yaml:2:1: YAML syntax: Tabs are not allowed as indentation — indent with spaces, not tabs']);
    expect(r.out).toBe('fleet: 1 error, 0 warnings — nothing can be rendered until they are fixed');
  });
});

/** A demo copy with n broken users (each a distinct error) to exceed the annotation cap. */
function brokenCopy(n: number): string {
  const dir = demoCopy();
  for (let i = 0; i < n; i++) writeFileSync(join(dir, `users/u${i}.yaml`), `name: u${i}\nquota_gb: lots\n`);
  return dir;
}

describe('--format github', () => {
  it('prints at most 10 annotations and lists every problem in the job summary', async () => {
    const summaryDir = mkdtempSync(join(tmpdir(), 'boxfleet-summary-'));
    onTestFinished(() => rmSync(summaryDir, { recursive: true, force: true }));
    const summary = join(summaryDir, 'summary.md');
    writeFileSync(summary, '');
    const r = await fleet(brokenCopy(12), ['validate', '--format', 'github'], { GITHUB_STEP_SUMMARY: summary });
    expect(r.code).toBe(1);
    const annotations = r.out.split('\n').filter((l) => l.startsWith('::error '));
    expect(annotations).toHaveLength(10);
    expect(annotations[0]).toBe('::error title=fleet validate,file=users/u0.yaml,line=2,col=11::`quota_gb` must be a number, found the text "lots" — write a number');
    expect(r.out).toContain('::notice::2 more problem(s) are listed in the job summary');
    const md = readFileSync(summary, 'utf8');
    for (let i = 0; i < 12; i++) expect(md).toContain(`| \`users/u${i}.yaml:2:11\` | error |`);
    expect(md).toContain('fleet: 12 errors, 0 warnings');
  });

  it('escapes what would break a workflow command', async () => {
    const dir = demoCopy();
    writeFileSync(join(dir, 'users/zed.yaml'), 'name: zed\nexpires: "50% of\\nnext week"\n');
    const r = await fleet(dir, ['validate', '--format', 'github']);
    const line = r.out.split('\n').find((l) => l.startsWith('::error '))!;
    // % is escaped for the command; the newline is shown as typed, never sent as one.
    expect(line).toContain('50%25 of\\nnext week');
  });
});

describe('--format json', () => {
  it('gives parseable JSON with every diagnostic', async () => {
    const r = await fleet(brokenCopy(3), ['validate', '--format', 'json']);
    expect(r.code).toBe(1);
    const data = JSON.parse(r.out);
    expect(data.ok).toBe(false);
    expect(data.diagnostics).toHaveLength(3);
    expect(data.diagnostics[0]).toMatchObject({ severity: 'error', file: 'users/u0.yaml', line: 2, col: 11 });
  });

  it('is ok for the demo', async () => {
    const data = JSON.parse((await fleet(REPO, ['validate', '--format', 'json'])).out);
    expect(data.ok).toBe(true);
    expect(data.summary).toMatch(/^fleet demo: /);
  });

  it('rejects an unknown format with exit 2', async () => {
    const r = await fleet(REPO, ['validate', '--format', 'xml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--format must be one of text, json, github');
  });
});

describe('arguments a command would otherwise ignore', () => {
  it.each([
    [['validate', 'EXTRA'], 'unexpected argument "EXTRA": `validate` takes options only'],
    [['validate', '-format', 'json'], 'unknown option -format: options start with two dashes (--format)'],
    [['validate', '-h'], 'unknown option -h: options start with two dashes (--help)'],
    [['github', 'shards', '-shards', '5'], 'unknown option -shards'],
    [['github', 'vantages', 'EXTRA'], 'unexpected argument "EXTRA"'],
    [['github', 'shards', '--shards', '0x10'], '--shards must be a whole number from 1 to'],
    [['github', 'shards', '--shards', '1e1'], '--shards must be a whole number from 1 to'],
  ])('%j exits 2 and says so', async (argv, message) => {
    const r = await fleet(REPO, argv);
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.err).toContain(message);
  });
});

describe('usage with the official build (#18)', () => {
  it('validate says a quota is unknown usage on the official build, at the first quota, and nothing once the build is stats', async () => {
    const dir = demoCopy();
    const official = await fleet(dir, ['validate']);
    expect(official.code).toBe(0);
    expect(official.err).toMatch(/^users\/alice\.yaml:9:11: warning: `quota_gb` is shown, but usage is unknown: .*\(2 users with a quota\) — set `singbox: \{ build: stats \}`/m);
    // Other commands work as before, without it.
    const render = await fleet(dir, ['render', '--out', join(dir, 'out')]);
    expect(render.err).not.toMatch(/quota_gb/);
    writeFileSync(join(dir, 'fleet.yaml'), readFileSync(join(dir, 'fleet.yaml'), 'utf8').replace(/^  build: official$/m, '  build: stats'));
    const stats = await fleet(dir, ['validate']);
    expect(stats.code).toBe(0);
    expect(stats.err).not.toMatch(/quota_gb/);
    // Counted usage reaches apps only through a per-user header: GitHub Pages sends none.
    expect(stats.err).toMatch(/^fleet\.yaml:\d+:\d+: warning: no user's app gets counted usage: github-pages sends no per-user subscription-userinfo header \(4 active users\)/m);
    const host = (h: string) => writeFileSync(join(dir, 'fleet.yaml'), readFileSync(join(dir, 'fleet.yaml'), 'utf8').replace(/^  host: \S+$/m, `  host: ${h}`));
    host('netlify');
    expect((await fleet(dir, ['validate'])).err).not.toMatch(/subscription-userinfo/);
    host('cloudflare');
    expect((await fleet(dir, ['validate'])).err).not.toMatch(/subscription-userinfo/);
    for (let i = 0; i < 93; i++) writeFileSync(join(dir, 'users', `extra-${i}.yaml`), `name: extra-${i}\nrev: 1\n`);
    expect((await fleet(dir, ['validate'])).err).toMatch(/warning: 97 active users need a subscription-userinfo rule each, but cloudflare applies at most 100 rules in _headers/);
  });
});
