// #12 item 1: probe.yml merges artifacts of a workflow_run event only when that run is this
// repository's own probe-vantage.yml, started by schedule or by hand. A fork's pull request
// can carry a workflow named probe-vantage on a branch called main, and GitHub would
// trigger probe.yml for it. The job's `if` is evaluated here by GitHub's own expression
// engine (@actions/expressions) against the event payloads of each case.
import { describe, expect, it } from 'vitest';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { truthy } from '@actions/expressions/result';
import { workflow } from './helpers.ts';

const REPO = 'octo-org/fleet';

function evaluate(expression: string, github: Record<string, unknown>): boolean {
  const lexed = new Lexer(expression).lex();
  const expr = new Parser(lexed.tokens, ['github'], []).parse();
  const context = JSON.parse(JSON.stringify({ github }), data.reviver) as data.Dictionary;
  return truthy(new Evaluator(expr, context).evaluate());
}

/** The `github` context of a workflow_run event whose triggering run is `run`. */
function workflowRun(run: Record<string, unknown>): Record<string, unknown> {
  const base = {
    conclusion: 'success', event: 'schedule', path: '.github/workflows/probe-vantage.yml', head_branch: 'main',
    head_repository: { full_name: REPO }, repository: { full_name: REPO },
  };
  return { event_name: 'workflow_run', repository: REPO, event: { workflow_run: { ...base, ...run } } };
}

describe('probe.yml takes vantage runs only from its own probe-vantage.yml', () => {
  const condition = workflow('probe.yml').jobs.probe!.if as string;

  it.each([
    ['a scheduled run of probe-vantage.yml', {}],
    ['one started by hand', { event: 'workflow_dispatch' }],
    ['a path with its ref, as the REST API spells it', { path: '.github/workflows/probe-vantage.yml@main' }],
  ])('accepts %s', (_name, run) => {
    expect(evaluate(condition, workflowRun(run))).toBe(true);
  });

  it.each([
    ['a fork\'s pull request (its own head repository, event pull_request)', { event: 'pull_request', head_repository: { full_name: 'mallory/fleet' } }],
    ['a fork\'s run that claims schedule', { head_repository: { full_name: 'mallory/fleet' } }],
    ['a pull request from a branch of this repository', { event: 'pull_request' }],
    ['another workflow file named probe-vantage', { path: '.github/workflows/evil.yml' }],
    ['a file whose name only starts with probe-vantage.yml', { path: '.github/workflows/probe-vantage.yml.evil.yml' }],
    ['a failed run', { conclusion: 'failure' }],
  ])('refuses %s', (_name, run) => {
    expect(evaluate(condition, workflowRun(run))).toBe(false);
  });

  it('the scheduled hosted probe still runs, the daily compaction does not probe', () => {
    expect(evaluate(condition, { event_name: 'schedule', repository: REPO, event: { schedule: '7,22,37,52 * * * *' } })).toBe(true);
    expect(evaluate(condition, { event_name: 'schedule', repository: REPO, event: { schedule: '41 3 * * *' } })).toBe(false);
  });
});
