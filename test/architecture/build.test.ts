// #14: `npm run build` bundles the CLI so a run starts without compiling TypeScript. The
// bundle must be the same program: it renders the demo fleet to the golden bytes, finds
// its data files from where it lies, and `npm run fleet` uses it only while it is current.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoOutputs, FIXTURE, hashTree, REPO } from '../golden/golden.ts';
import { main } from '../../scripts/fleet.ts';
import { modelValidators, standaloneValidators } from '../../scripts/model/schema-validators.ts';

describe('the bundled CLI', () => {
  let out = '';
  beforeAll(() => {
    out = mkdtempSync(join(REPO, '.build-test-'));
    execFileSync(process.execPath, ['scripts/build.mjs', '--outdir', out], { cwd: REPO, stdio: 'pipe' });
  }, 120_000);
  afterAll(() => { if (out) rmSync(out, { recursive: true, force: true }); });

  it('renders and builds the demo fleet to the golden bytes', async () => {
    const { main: bundled } = (await import(pathToFileURL(join(out, 'fleet.mjs')).href)) as { main: typeof main };
    expect(await demoOutputs(bundled)).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  }, 120_000);

  it('builds a 200-user site in worker threads started from the bundle, byte for byte as from the source', async () => {
    const fleet = mkdtempSync(join(tmpdir(), 'boxfleet-bundle-fleet-'));
    try {
      cpSync(join(REPO, 'fleet.yaml'), join(fleet, 'fleet.yaml'));
      cpSync(join(REPO, 'nodes'), join(fleet, 'nodes'), { recursive: true });
      mkdirSync(join(fleet, 'users'));
      for (let i = 0; i < 200; i++) writeFileSync(join(fleet, 'users', `u${i}.yaml`), `name: u${i}\n`);
      const { main: bundled } = (await import(pathToFileURL(join(out, 'fleet.mjs')).href)) as { main: typeof main };
      const io = { out: () => {}, err: () => {} };
      const site = async (run: typeof main, dir: string) => {
        expect(await run(['site', '--root', fleet, '--out', join(fleet, dir), '--now', '2026-11-26T12:00:00Z'], io, {})).toBe(0);
        return hashTree(join(fleet, dir));
      };
      const fromBundle = await site(bundled, 'site-bundle');
      expect(Object.keys(fromBundle).length).toBeGreaterThan(800);
      expect(fromBundle).toEqual(await site(main, 'site-source'));
    } finally {
      rmSync(fleet, { recursive: true, force: true });
    }
  }, 180_000);

  it('runs as its own process, without tsx', () => {
    const text = execFileSync(process.execPath, [join(out, 'fleet.mjs'), 'validate', '--root', REPO], { cwd: '/', encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(text).toMatch(/^fleet demo: 3 nodes, .* 0 errors/);
  });

  it('refuses an output folder outside the project (it could not find the project from there)', () => {
    const tmp = mkdtempSync('/tmp/boxfleet-build-');
    try {
      expect(() => execFileSync(process.execPath, ['scripts/build.mjs', '--outdir', tmp], { cwd: REPO, stdio: 'pipe' })).toThrow(/must be inside/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('npm run fleet (scripts/launch.mjs)', () => {
  /** What the launcher ran, as it says on stderr when asked (BOXFLEET_LAUNCH_SAY=1). */
  const used = (): string => {
    const r = spawnSync(process.execPath, ['scripts/launch.mjs', 'validate'], { cwd: REPO, encoding: 'utf8', env: { PATH: process.env.PATH!, BOXFLEET_LAUNCH_SAY: '1' } });
    expect(r.stdout).toMatch(/0 errors/);
    // The demo fleet's own warnings are not the launcher's to say.
    return r.stderr.split('\n').filter((l) => l.startsWith('launch:')).map((l) => `${l}\n`).join('');
  };

  it('uses .build/fleet.mjs while it is newer than every source file, tsx otherwise', () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'pipe' });
    expect(used()).toBe('launch: .build/fleet.mjs\n');
    // A source file edited after the build: the bundle is stale and tsx runs the source.
    const src = join(REPO, 'scripts', 'core', 'paths.ts');
    const later = new Date(Date.now() + 60_000);
    utimesSync(src, later, later);
    try {
      expect(used()).toBe('launch: tsx (.build/fleet.mjs is missing or older than scripts/)\n');
    } finally {
      const now = new Date();
      utimesSync(src, now, now);
      execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'pipe' });
    }
    // The list of the bundle's inputs is what says it is current: without it, tsx runs.
    const list = join(REPO, '.build', 'inputs.json');
    const inputs = readFileSync(list, 'utf8');
    expect(JSON.parse(inputs)).toEqual(expect.arrayContaining(['scripts/core/paths.ts', 'scripts/fleet.ts', 'node_modules/.package-lock.json']));
    // The bundled yaml package stands as npm's record of node_modules: an install after the
    // build makes the bundle stale.
    expect(JSON.parse(inputs).filter((f: string) => f.startsWith('node_modules/'))).toEqual(['node_modules/.package-lock.json']);
    const lock = join(REPO, 'node_modules', '.package-lock.json');
    const lockTime = statSync(lock).mtime;
    utimesSync(lock, new Date(Date.now() + 60_000), new Date(Date.now() + 60_000));
    try {
      expect(used()).toBe('launch: tsx (.build/fleet.mjs is missing or older than scripts/)\n');
    } finally {
      utimesSync(lock, lockTime, lockTime);
    }
    expect(used()).toBe('launch: .build/fleet.mjs\n');
    rmSync(list);
    try {
      expect(used()).toBe('launch: tsx (.build/fleet.mjs is missing or older than scripts/)\n');
    } finally {
      writeFileSync(list, inputs);
    }
    expect(used()).toBe('launch: .build/fleet.mjs\n');
  }, 120_000);
});

describe('the precompiled model validators', () => {
  // Inside the project: the standalone code requires ajv's runtime from node_modules.
  const dir = mkdtempSync(join(REPO, '.build-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => { const f = join(dir, name); writeFileSync(f, text); return f; };
  const require = createRequire(import.meta.url);

  it('are used while they match the schemas, and give the very diagnostics a run-time compile gives', () => {
    const current = write('current.cjs', standaloneValidators());
    const pre = modelValidators([current]);
    expect(pre.fleet).toBe(require(current).fleet);
    const compiled = modelValidators([join(dir, 'missing.cjs')]);
    expect(compiled.fleet).not.toBe(pre.fleet);
    // Unknown key with a near miss, a wrong type, a bad enum, a missing key, defaults filled in.
    const docs = [
      { name: 'x', epoch: 1, site: { base_url: 'https://a.example', hots: 'github-pages' }, singbox: { version: '1.12.25' } },
      { name: 'x', epoch: '1', site: { base_url: 'https://a.example', host: 'gitlab' }, singbox: {} },
      { name: 'x', epoch: 1, site: { base_url: 'https://a.example' }, singbox: { version: '1.12.25' } },
    ];
    for (const doc of docs) {
      const a = structuredClone(doc);
      const b = structuredClone(doc);
      const okA = pre.fleet(a);
      const okB = compiled.fleet(b);
      expect(okA).toBe(okB);
      expect(a).toEqual(b);
      const strip = (errs: typeof pre.fleet.errors) => (errs ?? []).map((e) => ({ ...e, schema: undefined, parentSchema: JSON.stringify(e.parentSchema) }));
      expect(strip(pre.fleet.errors)).toEqual(strip(compiled.fleet.errors));
    }
  });

  it('made from other schema texts are not used: a schema edited after the build is compiled at run time', () => {
    const stale = write('stale.cjs', standaloneValidators().replace(/exports\.schemaSha256 = "[0-9a-f]{64}"/, `exports.schemaSha256 = "${'0'.repeat(64)}"`));
    expect(readFileSync(stale, 'utf8')).toContain('0'.repeat(64));
    expect(modelValidators([stale]).fleet).not.toBe(require(stale).fleet);
  });

  it('are written by the build beside the bundle', () => {
    const out = mkdtempSync(join(REPO, '.build-test-'));
    try {
      execFileSync(process.execPath, ['scripts/build.mjs', '--outdir', out], { cwd: REPO, stdio: 'pipe' });
      expect(readFileSync(join(out, 'model-validators.cjs'), 'utf8')).toBe(standaloneValidators());
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
