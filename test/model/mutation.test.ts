// Mutations of the real demo files (not hand-made fixtures): whatever an operator does to
// a file, validate names that file and the line where it went wrong.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanCopies, demoCopy, fleet } from './helpers.ts';

afterAll(cleanCopies);

/** 1-based line of the first line matching, in the demo file as it is now. */
function lineOf(text: string, pattern: RegExp, from = 1): number {
  const i = text.split('\n').findIndex((l, n) => n + 1 >= from && pattern.test(l));
  if (i < 0) throw new Error(`test setup: ${pattern} not found`);
  return i + 1;
}

async function mutate(file: string, change: (text: string) => string, extra?: (dir: string) => void) {
  const dir = demoCopy();
  const full = join(dir, file);
  const before = readFileSync(full, 'utf8');
  writeFileSync(full, change(before));
  extra?.(dir);
  const r = await fleet(dir, ['validate']);
  expect(r.code).toBe(1);
  expect(r.all).not.toContain('    at ');
  const errors = r.err.split('\n').filter((l) => /^\S.*:\d+:\d+: /.test(l) && !l.includes(': warning: '));
  return { before, errors };
}

describe('mutations of the demo fleet', () => {
  it('a file truncated half-way', async () => {
    const { before, errors } = await mutate('nodes/tokyo-1.yaml', (t) => t.slice(0, Math.floor(t.length / 2)));
    // Half of tokyo-1 ends inside `ssh:`; `inbounds` (required) is gone: reported at the mapping's start.
    expect(before.slice(0, Math.floor(before.length / 2))).not.toContain('inbounds:');
    expect(errors.some((l) => l.startsWith(`nodes/tokyo-1.yaml:${lineOf(before, /^name:/)}:1: missing required key \`inbounds\``))).toBe(true);
  });

  it('a file indented with tabs', async () => {
    const { before, errors } = await mutate('users/alice.yaml', (t) => t.replace('rev: 1', 'rev:\n\t1'));
    expect(errors[0]).toMatch(new RegExp(`^users/alice\\.yaml:${lineOf(before, /^rev:/) + 1}:1: .*tabs`));
  });

  it('a key misspelt', async () => {
    const { before, errors } = await mutate('nodes/singapore-1.yaml', (t) => t.replace('handshake_server:', 'handshake_sever:'));
    const line = lineOf(before, /handshake_server:/);
    expect(errors).toEqual([`nodes/singapore-1.yaml:${line}:5: unknown key \`handshake_sever\` in \`inbounds[0]\` — did you mean \`handshake_server\`? (a required key)`]);
  });

  it('a port duplicated', async () => {
    const { before, errors } = await mutate('nodes/tokyo-1.yaml', (t) => t.replace('port: 8443', 'port: 443'));
    const line = lineOf(before, /port: 8443/);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^nodes/tokyo-1\\.yaml:${line}:11: TCP port 443 is already used by inbounds\\[0\\]`));
  });

  it('a port out of range', async () => {
    const { before, errors } = await mutate('nodes/frankfurt-1.yaml', (t) => t.replace('port: 8388', 'port: 83880'));
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^nodes/frankfurt-1\\.yaml:${lineOf(before, /port: 8388/)}:11: .*83880, out of range`))]);
  });

  it('a file copied under another name', async () => {
    const { errors } = await mutate('users/bob.yaml', (t) => t, (dir) => writeFileSync(join(dir, 'users/robert.yaml'), readFileSync(join(dir, 'users/bob.yaml'))));
    const before = readFileSync(join(demoCopy(), 'users/bob.yaml'), 'utf8');
    expect(errors).toEqual([`users/robert.yaml:${lineOf(before, /^name:/)}:7: \`name\` is \`bob\` but the file is robert.yaml — rename the file to bob.yaml or set \`name: robert\``]);
  });
});
