// The types are emitted from the schemas (test/model/schemas.test.ts); this makes every
// use of them agree: code that reads a field the schema no longer has fails here.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('the whole project type-checks against the types emitted from the schemas', () => {
  let out = '';
  try {
    execFileSync('npx', ['tsc', '--noEmit', '--pretty', 'false'], { cwd: join(import.meta.dirname, '..', '..'), encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? e);
  }
  expect(out).toBe('');
}, 180_000);
