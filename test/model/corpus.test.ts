// Every broken file of the corpus is reported at its exact file, line and column, with
// exit 1 and no stack trace, when run through the real CLI entry (main) in-process.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CASES, VALID, WARNINGS, type Case } from './corpus/cases.ts';
import { cleanCopies, demoCopy, fleet, REPO } from './helpers.ts';

afterAll(cleanCopies);

function overlay(c: Pick<Case, 'files' | 'remove'>): string {
  const dir = demoCopy();
  for (const [rel, content] of Object.entries(c.files)) {
    const full = join(dir, rel);
    mkdirSync(dirname(full), { recursive: true });
    const copyOf = typeof content === 'string' && content.startsWith('COPY:') ? content.slice(5) : undefined;
    writeFileSync(full, copyOf ? readFileSync(join(REPO, copyOf)) : content);
  }
  for (const rel of c.remove ?? []) rmSync(join(dir, rel));
  return dir;
}

/** The diagnostic line `file:line:col: …` for the expected place, if any. */
function lineAt(output: string, e: Case['expect']): string | undefined {
  return output.split('\n').find((l) => l.startsWith(`${e.file}:${e.line}:${e.col}: `));
}

describe('broken-file corpus', () => {
  it('has at least 45 broken cases with distinct names', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(45);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await fleet(overlay(c), ['validate']);
    const line = lineAt(r.err, c.expect);
    expect(line, `no diagnostic at ${c.expect.file}:${c.expect.line}:${c.expect.col}; got:\n${r.err}`).toBeDefined();
    expect(line).toContain(c.expect.messageIncludes);
    expect(line).not.toMatch(/: warning: /);
    expect(r.code).toBe(1);
    expect(r.all).not.toContain('    at ');
    if (c.absent) expect(r.all).not.toContain(c.absent);
    // Every diagnostic has the compiler-like shape, with a hint after the dash.
    for (const l of r.err.split('\n').filter(Boolean)) expect(l).toMatch(/^[^:]+:\d+:\d+: .+ — .+$/);
  });

  it.each(WARNINGS.map((c) => [c.name, c] as const))('warning: %s', async (_name, c) => {
    const r = await fleet(overlay(c), ['validate']);
    const line = lineAt(r.err, c.expect);
    expect(line, `no warning at ${c.expect.file}:${c.expect.line}:${c.expect.col}; got:\n${r.err}`).toBeDefined();
    expect(line).toContain(': warning: ');
    expect(line).toContain(c.expect.messageIncludes);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/, 0 errors, [1-9]\d* warnings?$/);
  });

  it.each(VALID.map((c) => [c.name, c] as const))('valid: %s', async (_name, c) => {
    const r = await fleet(overlay(c), ['validate']);
    expect(r.err.split('\n').filter((l) => l && !l.includes(': warning: '))).toEqual([]);
    expect(r.code).toBe(0);
  });
});
