// Masking in GitHub Actions (#12 item 5): every credential is handed to the runner's log
// masker before anything could print it. The runner masks what an `::add-mask::` command
// names from that line on, so each test records stdout, stderr and the command's own
// output in one ordered log and checks each value's mask comes before any other mention.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadFleet } from '../../scripts/model/load.ts';
import { renderProfiles } from '../../scripts/render/client/index.ts';
import { renderBuild } from '../../scripts/render/build.ts';
import { CredentialStore, loadMasterSecret, maskBatch, maskValue } from '../../scripts/secrets/index.ts';
import { main } from '../../scripts/fleet.ts';
import { buildSite } from '../../scripts/site/build.ts';
import { loadActionsCore } from '../../scripts/text/actions-core.ts';
import { cleanCopies, demoCopy, NOW, REPO } from '../model/helpers.ts';

const SECRET = 'mask-test-secret-0123456789abcdef0123456789abcdef';
const ACTIONS = { GITHUB_ACTIONS: 'true', FLEET_SECRET: SECRET };

/** What @actions/core writes for a value (its escapeData): the runner undoes it. */
const maskLine = (v: string) => `::add-mask::${v.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}`;

/** One ordered log of everything written to stdout, stderr or the command's io. */
function record(): { log: string[]; stdout: string[] } {
  const log: string[] = [];
  const stdout: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => { log.push(String(chunk)); return true; });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => { stdout.push(String(chunk)); log.push(String(chunk)); return true; });
  return { log, stdout };
}

async function fleetCli(root: string, argv: string[], env: NodeJS.ProcessEnv, log: string[]): Promise<number> {
  const io = { out: (t: string) => { log.push(`${t}\n`); }, err: (t: string) => { log.push(`${t}\n`); } };
  return main([...argv, '--root', root, '--now', NOW], io, env);
}

/** Each value is masked, and its mask comes before any other chunk that contains it. */
function expectMaskedFirst(log: string[], values: Iterable<string>): void {
  for (const v of values) {
    const line = `${maskLine(v)}\n`;
    const masked = log.indexOf(line);
    expect(masked, `no mask for a value (${v.length} chars)`).toBeGreaterThanOrEqual(0);
    const mentioned = log.findIndex((chunk) => chunk !== line && !chunk.startsWith('::add-mask::') && chunk.includes(v));
    if (mentioned >= 0) expect(masked).toBeLessThan(mentioned);
  }
}

/** The demo fleet, its self-signed node's certificate remade for SECRET. */
async function fleetRoot(): Promise<string> {
  const root = demoCopy();
  expect(await fleetCli(root, ['node', 'cert', 'frankfurt-1', '--replace'], { FLEET_SECRET: SECRET }, [])).toBe(0);
  return root;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

afterEach(() => {
  vi.restoreAllMocks();
  cleanCopies();
});

describe('masking in GitHub Actions', () => {
  // The CLI loads @actions/core before a run in Actions; tests that call the stages directly do it here.
  beforeAll(loadActionsCore);

  it('no stage builds a credential store past openCredentialStore', () => {
    const offenders = tsFiles(join(REPO, 'scripts'))
      .filter((f) => !f.endsWith(join('secrets', 'store.ts')))
      .filter((f) => readFileSync(f, 'utf8').includes('new CredentialStore('));
    expect(offenders).toEqual([]);
  });

  it('`fleet render` masks FLEET_SECRET and every derived value, on stderr, before any output', async () => {
    const root = await fleetRoot();
    const { log, stdout } = record();
    expect(await fleetCli(root, ['render', '--out', join(root, 'build')], ACTIONS, log)).toBe(0);

    const fleet = loadFleet(root, new Date(NOW)).fleet!;
    const store = new CredentialStore(Buffer.from(SECRET), fleet.settings.epoch);
    renderBuild(fleet, store, new Date(NOW), fleet.nodes.filter((n) => n.enabled).map((n) => n.name), renderProfiles);
    const values = store.allSecretValues();
    expect(values.length).toBeGreaterThan(20);
    expect(log[0]).toBe(`${maskLine(SECRET)}\n`);
    expectMaskedFirst(log, values);
    // stdout of plan and drift becomes a comment or an issue: no mask command may land there.
    expect(stdout.join('')).not.toContain('::add-mask::');
    // A PEM key is masked whole (one command, newlines escaped), not line by line in the clear.
    const pem = values.find((v) => v.includes('PRIVATE KEY'));
    expect(pem).toBeDefined();
    expect(log).toContain(`${maskLine(pem!)}\n`);
    for (const chunk of log.filter((c) => c.startsWith('::add-mask::'))) expect(chunk.indexOf('\n')).toBe(chunk.length - 1);
  });

  it('masks nothing outside Actions', async () => {
    const root = await fleetRoot();
    const { log } = record();
    expect(await fleetCli(root, ['render', '--out', join(root, 'build')], { FLEET_SECRET: SECRET }, log)).toBe(0);
    expect(log.join('')).not.toContain('::add-mask::');
  });

  it('a vantage runner masks every credential of the probe manifest it reads', async () => {
    const root = await fleetRoot();
    const manifest = join(root, 'manifest.json');
    const quiet: string[] = [];
    expect(await fleetCli(root, ['probe', 'manifest', '--out', manifest], { FLEET_SECRET: SECRET }, quiet)).toBe(0);
    const text = readFileSync(manifest, 'utf8');
    const creds = [...text.matchAll(/"(?:uuid|password|obfs_password|short_id)": "([^"]+)"/g)].map((m) => m[1]!);
    expect(creds.length).toBeGreaterThan(5);
    writeFileSync(manifest, text);

    const { log } = record();
    // No FLEET_SECRET on a vantage; --nodes names no node, so nothing is probed (exit 2).
    const code = await fleetCli(root, ['probe', '--manifest', manifest, '--nodes', 'no-such-node'], { GITHUB_ACTIONS: 'true' }, log);
    expect(code).toBe(2);
    expectMaskedFirst(log, new Set(creds));
  });

  it('maskBatch writes core.setSecret\'s commands at its end in one write, also when it throws', () => {
    const values = ['plain-value-1', 'multi\nline\r\nvalue', '100% sure'];
    const { log } = record();
    for (const v of values) maskValue(v);
    const oneByOne = log.splice(0);
    expect(oneByOne).toEqual(values.map((v) => `${maskLine(v)}\n`));
    const result = maskBatch(() => { for (const v of values) maskValue(v); expect(log).toEqual([]); return 7; });
    expect(result).toBe(7);
    expect(log).toEqual([oneByOne.join('')]);
    log.splice(0);
    expect(() => maskBatch(() => { maskValue('derived-before-a-failure'); throw new Error('boom'); })).toThrow('boom');
    expect(log).toEqual([`${maskLine('derived-before-a-failure')}\n`]);
    // Outside a batch, each value is written at once again.
    log.splice(0);
    maskValue('after');
    expect(log).toEqual([`${maskLine('after')}\n`]);
  });

  it('a parallel site build masks in the main thread every value its workers hand out', async () => {
    const root = await fleetRoot();
    const fleet = loadFleet(root, new Date(NOW)).fleet!;
    const out = join(root, 'site');
    const { log } = record();
    const master = loadMasterSecret(ACTIONS, { purpose: 'preview' });
    expect(master.mask).toBe(true);
    await buildSite(fleet, master, new Date(NOW), { outDir: out, threads: 2, warn: () => {} });
    const maskWrites = log.filter((c) => c.startsWith('::add-mask::'));
    const masked = new Set(maskWrites.join('').split('\n').filter(Boolean).map((l) => l.slice(12)));

    const folders = readdirSync(join(out, 's')).filter((f) => f !== 'index.html');
    // The users' values in one write (maskBatch), not one write each.
    expect(maskWrites.some((w) => folders.every((token) => w.includes(`::add-mask::${token}\n`)))).toBe(true);
    expect(folders.length).toBeGreaterThanOrEqual(fleet.users.length);
    for (const token of folders) expect(masked, 'token folder').toContain(token);
    let checked = 0;
    for (const token of folders) {
      let profile: { outbounds?: Record<string, unknown>[] };
      try { profile = JSON.parse(readFileSync(join(out, 's', token, 'sing-box.json'), 'utf8')); } catch { continue; }
      for (const o of profile.outbounds ?? []) {
        for (const key of ['uuid', 'password'] as const) {
          const v = o[key];
          if (typeof v !== 'string') continue;
          // A Shadowsocks 2022 password is `<server key>:<user key>`: each part is masked.
          for (const part of v.split(':')) { expect(masked, `${o.type} ${key}`).toContain(part); checked++; }
        }
      }
    }
    expect(checked).toBeGreaterThan(5);
  });
});
