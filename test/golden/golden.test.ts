// The demo fleet's node configs, profiles and site are byte-identical to the fixture
// made before the #13 refactor (see golden.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { demoOutputs, FIXTURE } from './golden.ts';

describe('the demo fleet\'s output', () => {
  it('is byte-identical to the fixture', async () => {
    const want = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    const got = await demoOutputs();
    expect(Object.keys(got.build!).length).toBeGreaterThan(10);
    expect(got).toEqual(want);
  }, 120_000);
});
