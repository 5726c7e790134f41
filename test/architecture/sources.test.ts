// #13: sources a maintainer can hold in their head. No source file (TypeScript, JavaScript,
// shell, the node script's parts, the benchmarks and tests) is longer than 400 lines, and
// the node script runs no Python: what runs as root on a node is bash and jq only.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeScript } from '../../scripts/deploy/bootstrap-files.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SOURCE = /\.(ts|mjs|js|sh)$/;

function sources(): string[] {
  const out: string[] = [];
  for (const top of ['scripts', 'bench', 'test', '.ci']) {
    for (const e of readdirSync(join(ROOT, top), { withFileTypes: true, recursive: true })) {
      if (!e.isFile()) continue;
      const file = join(e.parentPath, e.name);
      if (SOURCE.test(e.name) || readFileSync(file, 'utf8').startsWith('#!')) out.push(relative(ROOT, file));
    }
  }
  return out;
}

describe('source files', () => {
  const files = sources();

  it('are found in every source folder', () => {
    expect(files.length).toBeGreaterThan(200);
    expect(files).toContain('scripts/deploy/node-script/60-bootstrap.sh');
    expect(files).toContain('scripts/monitoring/node/boxfleet-metrics');
  });

  it('print hints as commands that work as printed: `npm run fleet -- …`, never a bare `fleet …` (there is no such program)', () => {
    // A hint is an instruction: "run `fleet site` first", "fill it with `fleet status pull`".
    const hint = /\b(run|Run|with|Check|check|use|Use|then)\s+\\?`fleet [a-z]/g;
    const found = files.filter((f) => f.startsWith('scripts/')).flatMap((f) =>
      readFileSync(join(ROOT, f), 'utf8').split('\n').flatMap((line, i) => (line.match(hint) ? [`${f}:${i + 1}: ${line.trim().slice(0, 120)}`] : [])));
    expect(found).toEqual([]);
  });

  it('are at most 400 lines each', () => {
    const long = files.map((f) => [f, readFileSync(join(ROOT, f), 'utf8').split('\n').length - 1] as const).filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });

  it('start every program with childEnv(): no child, an SSH master that outlives the run least of all, holds a secret', () => {
    const bare: string[] = [];
    let calls = 0;
    for (const f of files.filter((x) => x.startsWith('scripts/') && /\.(ts|mjs)$/.test(x))) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      // Node's own (not a RegExp's .exec), and any alias made of one (`const run = promisify(execFile)`).
      const aliases = [...text.matchAll(/const (\w+) = promisify\((?:execFile|exec)\)/g)].map((m) => m[1]!);
      const call = new RegExp(`(?<![.\\w])(spawn|spawnSync|execFile|execFileSync|exec|execSync|fork|simpleGit${aliases.map((a) => `|${a}`).join('')})\\(`, 'g');
      for (const m of text.matchAll(call)) {
        const lineStart = text.lastIndexOf('\n', m.index) + 1;
        if (/^\s*(import|\/\/|\*)|promisify\($/.test(text.slice(lineStart, m.index))) continue;
        // The call and what is chained on it, up to the end of its statement.
        let depth = 0;
        let end = m.index;
        for (; end < text.length; end++) {
          if (text[end] === '(' || text[end] === '{' || text[end] === '[') depth++;
          else if (text[end] === ')' || text[end] === '}' || text[end] === ']') depth--;
          else if (text[end] === ';' && depth === 0) break;
        }
        const statement = text.slice(m.index, end);
        calls++;
        const own = m[1] === 'simpleGit' ? /\.env\(childEnv\(\)\)|\.env\(\{\s*PATH:/.test(statement)
          : /\benv: childEnv\(/.test(statement)
            || (/\benv: caEnv\(/.test(statement) && /function caEnv[^]*?return childEnv\(/.test(text))
            || (/\{ env,/.test(statement) && /const env = childEnv\(/.test(text));
        if (!own) bare.push(`${f}:${text.slice(0, m.index).split('\n').length}: ${statement.split('\n')[0]!.slice(0, 100)}`);
      }
    }
    expect(calls).toBeGreaterThanOrEqual(18);
    expect(bare).toEqual([]);
  });

  it('sort text by code units, never by the locale of the machine (test/render/locale.test.ts shows why)', () => {
    const found = files.filter((f) => /\.(ts|mjs)$/.test(f)).flatMap((f) =>
      readFileSync(join(ROOT, f), 'utf8').split('\n').flatMap((line, i) => (/\.localeCompare\(|Intl\.Collator/.test(line) ? [`${f}:${i + 1}: ${line.trim().slice(0, 100)}`] : [])));
    expect(found).toEqual([]);
  });

  it('put no Python on a node: the node script and the metrics script are bash', () => {
    for (const script of [nodeScript(), readFileSync(join(ROOT, 'scripts/monitoring/node/boxfleet-metrics'), 'utf8')]) {
      expect(script.startsWith('#!/bin/bash\n')).toBe(true);
      expect(script).not.toMatch(/python|<<'?PY/i);
    }
  });
});
