// Which node is the canary, decided as statuses arrive: deploy.canary when it changed, else
// the first changed node by name, and never before a node that could still be it answered.
import { describe, expect, it } from 'vitest';
import { chooseCanary, type Candidate } from '../../scripts/deploy/rollout.ts';

const cand = (name: string): Candidate => ({ r: { node: { name } }, reason: 'config differs' } as unknown as Candidate);
const changedOf = (...names: string[]): Map<string, Candidate> => new Map(names.map((n) => [n, cand(n)]));
const targets = ['tokyo-1', 'frankfurt-1', 'singapore-1'];
const pick = (planned: string[], changed: string[], configured?: string): string | undefined =>
  chooseCanary(targets, new Set(planned), changedOf(...changed), configured)?.r.node.name;

describe('the canary, chosen while statuses arrive', () => {
  it('deploy.canary starts as soon as its own status says it changed, before the others answer', () => {
    expect(pick(['singapore-1'], ['singapore-1'], 'singapore-1')).toBe('singapore-1');
  });

  it('waits for deploy.canary\'s own answer, even when others changed', () => {
    expect(pick(['frankfurt-1', 'tokyo-1'], ['frankfurt-1', 'tokyo-1'], 'singapore-1')).toBeUndefined();
  });

  it('deploy.canary unchanged or unreachable: the first changed node by name, once every name before it answered', () => {
    expect(pick(['singapore-1', 'tokyo-1'], ['tokyo-1'], 'singapore-1')).toBeUndefined(); // frankfurt-1 may still change
    expect(pick(['singapore-1', 'frankfurt-1', 'tokyo-1'], ['tokyo-1'], 'singapore-1')).toBe('tokyo-1');
  });

  it('without deploy.canary: the first changed node by name, not the first to answer', () => {
    expect(pick(['tokyo-1'], ['tokyo-1'])).toBeUndefined();
    expect(pick(['tokyo-1', 'frankfurt-1'], ['tokyo-1'])).toBeUndefined(); // singapore-1 comes before tokyo-1
    expect(pick(['frankfurt-1'], ['frankfurt-1'])).toBe('frankfurt-1');
    expect(pick(['frankfurt-1', 'singapore-1'], ['singapore-1'])).toBe('singapore-1');
  });

  it('nothing changed: no canary', () => {
    expect(pick(targets, [])).toBeUndefined();
    expect(pick(targets, [], 'tokyo-1')).toBeUndefined();
  });

  it('a deploy.canary outside --nodes is ignored', () => {
    expect(chooseCanary(['frankfurt-1'], new Set(['frankfurt-1']), changedOf('frankfurt-1'), 'tokyo-1')?.r.node.name).toBe('frankfurt-1');
  });
});
