// No command of the model stage prints a derived secret: every value the demo secret
// yields for the demo's users, nodes and probe is looked for in all their output.
import { afterAll, expect, it } from 'vitest';
import { loadFleet } from '../../scripts/model/load.ts';
import { CredentialStore, DEMO_SECRET } from '../../scripts/secrets/index.ts';
import { cleanCopies, demoCopy, fleet, NOW, REPO } from './helpers.ts';

afterAll(cleanCopies);

const METHODS = ['2022-blake3-aes-128-gcm', '2022-blake3-aes-256-gcm'];

function demoSecrets(): string[] {
  const model = loadFleet(REPO, new Date(NOW)).fleet!;
  const store = new CredentialStore(Buffer.from(DEMO_SECRET), model.settings.epoch);
  for (const u of model.users) for (const rev of [u.rev, u.rev + 1, u.rev + 2]) {
    const c = store.user(u.name, rev);
    for (const m of METHODS) c.ss2022Key(m);
  }
  for (const n of model.nodes) {
    const c = store.node(n.name, n.rev);
    c.realityShortIds(8);
    for (const m of METHODS) c.ss2022ServerKey(m);
  }
  store.probe(model.settings.probe.rev);
  return store.allSecretValues();
}

it('validate, node add, node cert, user add, user rotate and user disable print no secret', async () => {
  const secrets = demoSecrets();
  expect(secrets.length).toBeGreaterThan(50);
  const dir = demoCopy();
  const hostKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDT7GtNU2w0BNhYeNbP/jqXfAhLt0cu0EbnzUGyw36Y8';
  const runs = [
    ['validate'],
    ['validate', '--format', 'json'],
    ['node', 'add', 'osaka-1', '--address', '203.0.113.40', '--region', 'asia-east', '--country', 'JP', '--host-key', hostKey, '--inbound', 'trojan:443', '--tls', 'self-signed'],
    ['node', 'cert', 'osaka-1'],
    ['node', 'cert', 'frankfurt-1', '--replace'],
    ['user', 'add', 'grace'],
    ['user', 'rotate', 'alice'],
    ['user', 'rotate', 'frank', '--revoke'],
    ['user', 'disable', 'dave'],
  ];
  let output = '';
  for (const argv of runs) {
    const r = await fleet(dir, argv);
    expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(0);
    output += r.all;
  }
  expect(output).toContain('wrote a self-signed certificate'); // the cert commands really ran
  for (const s of secrets) expect(output.includes(s), `a derived secret appeared in the output (${s.length} chars)`).toBe(false);
  expect(output).not.toContain('PRIVATE KEY');
});
