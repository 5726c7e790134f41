// The editing commands, on temporary copies of the demo fleet through main(): what they
// write validates, keeps comments, touches only the file it should, and never overwrites.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { commands } from '../../scripts/cli/commands/model.ts';
import { certificateMatchesKey } from '../../scripts/core/certificate.ts';
import { CredentialStore, DEMO_SECRET, DEMO_WARNING } from '../../scripts/secrets/index.ts';
import { cleanCopies, demoCopy, fleet, NOW } from './helpers.ts';

afterAll(cleanCopies);

const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDT7GtNU2w0BNhYeNbP/jqXfAhLt0cu0EbnzUGyw36Y8';
const read = (dir: string, rel: string) => readFileSync(join(dir, rel), 'utf8');
const snapshot = (dir: string) => Object.fromEntries(['fleet.yaml', ...['nodes', 'users'].flatMap((d) => readdirSync(join(dir, d)).map((f) => `${d}/${f}`))].map((f) => [f, read(dir, f)]));

async function expectValid(dir: string) {
  const r = await fleet(dir, ['validate']);
  expect(r.err).not.toMatch(/:\d+:\d+: (?!warning)/);
  expect(r.code).toBe(0);
}

export const NODE_ADD = ['node', 'add', 'osaka-1', '--address', '203.0.113.40', '--region', 'asia-east', '--country', 'JP', '--host-key', HOST_KEY, '--inbound', 'vless-reality:443', '--handshake-server', 'www.example.com'];

describe('node add', () => {
  it('writes a commented node file that validates', async () => {
    const dir = demoCopy();
    const r = await fleet(dir, [...NODE_ADD, '--inbound', 'hysteria2:443', '--tls', 'self-signed', '--server-name', 'osaka-1.example.com', '--label', 'premium', '--title', 'Osaka: one', '--ssh-port', '2222', '--arch', 'arm64']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const text = read(dir, 'nodes/osaka-1.yaml');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../scripts/model/schema/node.schema.json');
    expect(text).toMatch(/^ {2}# Pinned host keys/m);
    const node = parse(text);
    expect(node).toMatchObject({ name: 'osaka-1', title: 'Osaka: one', labels: ['premium'], arch: 'arm64', ssh: { port: 2222, host_keys: [HOST_KEY] }, tls: { mode: 'self-signed', server_name: 'osaka-1.example.com' } });
    expect(node.inbounds).toEqual([{ type: 'vless-reality', port: 443, handshake_server: 'www.example.com' }, { type: 'hysteria2', port: 443 }]);
    await expectValid(dir);
  });

  it('refuses to overwrite an existing node', async () => {
    const dir = demoCopy();
    const before = read(dir, 'nodes/tokyo-1.yaml');
    const r = await fleet(dir, [...NODE_ADD.slice(0, 2), 'tokyo-1', ...NODE_ADD.slice(3)]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('nodes/tokyo-1.yaml already exists');
    expect(read(dir, 'nodes/tokyo-1.yaml')).toBe(before);
  });

  it.each([
    ['a missing --address', NODE_ADD.filter((_, i) => i !== 3 && i !== 4), '--address is required'],
    ['Reality without --handshake-server', NODE_ADD.slice(0, -2), 'needs --handshake-server'],
    ['trojan without --tls', [...NODE_ADD, '--inbound', 'trojan:8443'], 'trojan needs TLS'],
    ['an unknown inbound type', [...NODE_ADD, '--inbound', 'trojn:443'], 'type "trojn" is unknown'],
    ['a port out of range', [...NODE_ADD, '--inbound', 'shadowsocks:70000'], 'out of range'],
    ['an unknown flag', [...NODE_ADD, '--colour', 'red'], 'unknown option --colour'],
    ['a bad name', ['node', 'add', 'Osaka 1', ...NODE_ADD.slice(3)], 'is not a valid name'],
    ['ACME on an IP', [...NODE_ADD, '--tls', 'acme', '--acme-email', 'ops@example.com'], 'IP address'],
  ])('exits 2 on %s, writing nothing', async (_what, argv, message) => {
    const dir = demoCopy();
    const before = snapshot(dir);
    const r = await fleet(dir, argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(snapshot(dir)).toEqual(before);
  });

  it('exits 1 with a positioned error when the fleet rejects the new file', async () => {
    const dir = demoCopy();
    const r = await fleet(dir, [...NODE_ADD, '--label', 'premum']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^nodes\/osaka-1\.yaml:\d+:\d+: unknown label `premum` — did you mean `premium`\? \(nodes\/osaka-1\.yaml was not written; that line would read `labels: \[premum\]`\)$/m);
    expect(r.err).toContain('nothing was changed');
    expect(readdirSync(join(dir, 'nodes'))).not.toContain('osaka-1.yaml');
  });
});

describe('node cert', () => {
  it('writes a certificate of the derived key, keeping comments, and is idempotent', async () => {
    const dir = demoCopy();
    const path = join(dir, 'nodes/frankfurt-1.yaml');
    // Start from a file without certificate (the demo carries one): the command adds it.
    const doc = read(dir, 'nodes/frankfurt-1.yaml').replace(/\n  # Written by `fleet node cert[\s\S]*?-----END CERTIFICATE-----\n/, '\n');
    writeFileSync(path, doc);
    expect(doc).not.toContain('certificate: |');
    // A private TMPDIR for this process: other test files make certificates at the same time.
    const privateTmp = mkdtempSync(join(tmpdir(), 'boxfleet-edit-tmp-'));
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    let r: Awaited<ReturnType<typeof fleet>>;
    try {
      r = await fleet(dir, ['node', 'cert', 'frankfurt-1']);
      expect(readdirSync(privateTmp)).toEqual([]); // the key's temporary directory is gone
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = savedTmp;
      rmSync(privateTmp, { recursive: true, force: true });
    }
    expect(r.code).toBe(0);
    expect(r.err).toContain(DEMO_WARNING);
    const text = read(dir, 'nodes/frankfurt-1.yaml');
    expect(text).toContain('# Only an IP address: a self-signed certificate'); // an operator comment kept
    expect(text).toMatch(/# .*DEMO secret/);
    expect(text).toMatch(/\n  certificate: \|\n    -----BEGIN CERTIFICATE-----\n/);
    const cert = parse(text).tls.certificate as string;
    const key = new CredentialStore(Buffer.from(DEMO_SECRET), 1).node('frankfurt-1', 1).selfSignedKey;
    expect(certificateMatchesKey(cert, key.publicKeyPem)).toBe(true);
    const other = new CredentialStore(Buffer.from('another-secret-0123456789abcdef0123456789'), 1).node('frankfurt-1', 1).selfSignedKey;
    expect(certificateMatchesKey(cert, other.publicKeyPem)).toBe(false);
    await expectValid(dir);
    const again = await fleet(dir, ['node', 'cert', 'frankfurt-1']);
    expect(again.out).toContain('nothing to do');
    expect(read(dir, 'nodes/frankfurt-1.yaml')).toBe(text);
  });

  it('refuses a certificate of another secret unless --replace', async () => {
    const dir = demoCopy();
    const env = { FLEET_SECRET: 'a-real-secret-0123456789abcdef0123456789abcdef' };
    const r = await fleet(dir, ['node', 'cert', 'frankfurt-1'], env);
    expect(r.code).toBe(1);
    expect(r.err).toContain('pass --replace');
    const replaced = await fleet(dir, ['node', 'cert', 'frankfurt-1', '--replace'], env);
    expect(replaced.code).toBe(0);
    expect(replaced.err).not.toContain('DEMO');
    const key = new CredentialStore(Buffer.from(env.FLEET_SECRET), 1).node('frankfurt-1', 1).selfSignedKey;
    expect(certificateMatchesKey(parse(read(dir, 'nodes/frankfurt-1.yaml')).tls.certificate, key.publicKeyPem)).toBe(true);
  });

  it('refuses a node that is not self-signed', async () => {
    const r = await fleet(demoCopy(), ['node', 'cert', 'tokyo-1']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('`tls.mode: acme`');
  });
});

describe('user add', () => {
  it('writes a commented user file that validates', async () => {
    const dir = demoCopy();
    const r = await fleet(dir, ['user', 'add', 'grace', '--expires', '2027-06-30', '--nodes', 'label:premium,node:tokyo-1', '--quota-gb', '50', '--language', 'zh-CN', '--region', 'cn', '--note', 'Friend: met at work']);
    expect(r.code).toBe(0);
    const text = read(dir, 'users/grace.yaml');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../scripts/model/schema/user.schema.json');
    expect(text).toContain('# Last day of access (UTC)');
    expect(parse(text)).toEqual({ name: 'grace', enabled: true, expires: '2027-06-30', nodes: ['label:premium', 'node:tokyo-1'], rev: 1, region: 'cn', quota_gb: 50, language: 'zh-CN', note: 'Friend: met at work' });
    await expectValid(dir);
    const twice = await fleet(dir, ['user', 'add', 'grace']);
    expect(twice.code).toBe(1);
    expect(twice.err).toContain('already exists');
  });

  it.each([
    [['--expires', '2026-02-30'], 'is not a date'],
    [['--expires', 'next week'], 'is not a date'],
    [['--nodes', 'tokyo-1'], 'must be label:<label> or node:<name>'],
    [['--language', 'fr'], 'must be en or zh-CN'],
    [['--quota-gb', 'lots'], 'must be a number'],
  ])('exits 2 on %j', async (flags, message) => {
    const dir = demoCopy();
    const r = await fleet(dir, ['user', 'add', 'grace', ...flags]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(readdirSync(join(dir, 'users'))).not.toContain('grace.yaml');
  });

  it('refuses the probe user name and an unknown node', async () => {
    expect((await fleet(demoCopy(), ['user', 'add', 'boxfleet-probe'])).code).toBe(2);
    const r = await fleet(demoCopy(), ['user', 'add', 'grace', '--nodes', 'node:tokyo-9']);
    expect(r.code).toBe(1);
    // The file was not written: the error says so and quotes the line it points at.
    expect(r.err).toMatch(/^users\/grace\.yaml:\d+:\d+: unknown node `tokyo-9` — did you mean `node:tokyo-1`\? \(users\/grace\.yaml was not written; that line would read `nodes: \[node:tokyo-9\]`\)$/m);
  });
});

describe('user rotate', () => {
  it('bumps rev with a grace period, changing only that file and those lines', async () => {
    const dir = demoCopy();
    const before = snapshot(dir);
    const r = await fleet(dir, ['user', 'rotate', 'alice']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('rev 1 → 2');
    expect(r.out).toContain('until 2026-11-28T12:00:00Z (users.rotation_grace 48h)');
    const after = snapshot(dir);
    for (const f of Object.keys(before)) if (f !== 'users/alice.yaml') expect(after[f], f).toBe(before[f]);
    const old = before['users/alice.yaml'].split('\n');
    const now = after['users/alice.yaml'].split('\n');
    expect(now.filter((l) => !old.includes(l))).toEqual(['rev: 2', `rotated_at: ${NOW}`, 'revoked: false']);
    expect(old.filter((l) => !now.includes(l))).toEqual(['rev: 1']);
    await expectValid(dir);
  });

  it('--revoke says the old link stops at the next deploy and publish', async () => {
    const dir = demoCopy();
    const r = await fleet(dir, ['user', 'rotate', 'frank', '--revoke', '--now', '2026-11-26T12:34:56.789Z']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('old link and credentials stop at the next deploy and publish');
    expect(r.out).toContain('the grace period of rev 1 was still running');
    const text = read(dir, 'users/frank.yaml');
    expect(text).toContain('# Rotated by `fleet user rotate frank`'); // comment kept
    expect(parse(text)).toMatchObject({ rev: 3, rotated_at: '2026-11-26T12:34:56Z', revoked: true });
    await expectValid(dir);
  });

  it('names a missing user and exits 1', async () => {
    const r = await fleet(demoCopy(), ['user', 'rotate', 'zed']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no user `zed`');
  });
});

describe('user disable', () => {
  it('sets enabled: false keeping comments', async () => {
    const dir = demoCopy();
    const before = read(dir, 'users/dave.yaml');
    const r = await fleet(dir, ['user', 'disable', 'dave']);
    expect(r.code).toBe(0);
    expect(read(dir, 'users/dave.yaml')).toBe(before.replace('enabled: true', 'enabled: false'));
    await expectValid(dir);
    const again = await fleet(dir, ['user', 'disable', 'dave']);
    expect(again.out).toContain('already disabled');
  });
});

describe('help and usage', () => {
  it.each(commands.map((c) => [c.name]))('%s --help prints usage with an example', async (name) => {
    const r = await fleet(demoCopy(), [...name.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: npm run fleet -- ${name}`);
    const examples = r.out.split('Examples:\n')[1] ?? '';
    expect(examples.split('\n').some((l) => l.includes(`npm run fleet -- ${name} `))).toBe(true);
  });

  it('an unknown command exits 2', async () => {
    const r = await fleet(demoCopy(), ['user', 'delete', 'alice']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown command "user delete"');
  });
});
