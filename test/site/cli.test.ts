// `fleet site` and `fleet links` through the CLI's real entry point.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../scripts/fleet.ts';
import { CredentialStore, DEMO_SECRET } from '../../scripts/secrets/index.ts';
import { makeFleet, removeAll, SECRET_A, secretOf, tempDir } from './helpers.ts';

const root = makeFleet(tempDir('cli'));
afterAll(() => removeAll(root));

/** `fleet <argv>` in-process through the real entry point, with --root and --now pinned. */
async function run(argv: string[], env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  const code = await main([...argv, '--root', root, '--now', '2026-11-26T12:00:00Z'], io, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('fleet links', () => {
  it('prints each active user page URL', async () => {
    const r = await run(['links', '--format', 'json'], { FLEET_SECRET: SECRET_A });
    expect(r.code).toBe(0);
    const token = new CredentialStore(secretOf(SECRET_A).secret, 1).user('quartz-owl', 1).token;
    expect(JSON.parse(r.out)).toContainEqual({ user: 'quartz-owl', url: `https://sub.example.com/s/${token}/` });
    expect(JSON.parse(r.out).map((l: { user: string }) => l.user)).toEqual(['cobalt-lynx', 'maple-heron', 'quartz-owl']);
    const one = await run(['links', '--user', 'quartz-owl'], { FLEET_SECRET: SECRET_A });
    expect(one.out.split('\n')).toHaveLength(2);
  });

  it('refuses a missing or demo secret, and explains an inactive user', async () => {
    for (const env of [{}, { FLEET_SECRET: DEMO_SECRET }]) {
      const r = await run(['links'], env);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/FLEET_SECRET/);
    }
    const r = await run(['links', '--user', 'velvet-ibis'], { FLEET_SECRET: SECRET_A });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/disabled/);
  });
});

describe('fleet site', () => {
  it('builds into --out, and a demo build says so', async () => {
    const out = join(root, 'out');
    const r = await run(['site', '--out', out], {});
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/DEMO secret/);
    expect(r.out).toMatch(/DEMO build/);
    expect(existsSync(join(out, '.boxfleet-demo'))).toBe(true);
    const bad = await run(['site', '--status', join(root, 'missing')], {});
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/status store/);
    mkdirSync(join(root, 'status'));
    writeFileSync(join(root, 'status', 'latest.json'), '{"schema_version": 1, "nodes": {}}');
    const broken = await run(['site', '--status', join(root, 'status')], {});
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/latest\.json/);
  });
});
