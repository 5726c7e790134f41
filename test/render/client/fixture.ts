// The demo fleet as the client tests see it: the repository's own YAML, plus a fixed
// self-signed certificate for frankfurt-1 (made once with openssl from the key the test
// secret derives for it), as `fleet node cert` would commit it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { dirSource, loadFleet, type FileSource } from '../../../scripts/model/load.ts';
import type { Fleet, User } from '../../../scripts/model/types.ts';
import { CredentialStore } from '../../../scripts/secrets/index.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const NOW = new Date('2026-11-26T12:00:00Z');
export const TEST_SECRET = Buffer.from('test-secret-0123456789abcdef0123456789abcdef');
export const FRANKFURT_CERT = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'frankfurt-1.crt'), 'utf8');

/** A FileSource over `root` whose YAML files can be edited in memory before loading. */
export function editedSource(root: string, edits: Record<string, (doc: any) => void>): FileSource {
  const base = dirSource(root);
  return {
    list: (dir) => base.list(dir),
    read(path) {
      const bytes = base.read(path);
      const edit = edits[path];
      if (!bytes || !edit) return bytes;
      const doc = YAML.parse(bytes.toString('utf8'));
      edit(doc);
      return Buffer.from(YAML.stringify(doc), 'utf8');
    },
  };
}

export function demoFleet(edits: Record<string, (doc: any) => void> = {}): Fleet {
  const source = editedSource(ROOT, {
    'nodes/frankfurt-1.yaml': (d) => { d.tls.certificate = FRANKFURT_CERT; },
    ...edits,
  });
  const result = loadFleet(ROOT, NOW, source);
  if (!result.fleet) throw new Error(JSON.stringify(result.diagnostics, null, 2));
  return result.fleet;
}

export function testStore(fleet: Fleet): CredentialStore {
  return new CredentialStore(TEST_SECRET, fleet.settings.epoch);
}

export function userOf(fleet: Fleet, name: string): User {
  const u = fleet.users.find((x) => x.name === name);
  if (!u) throw new Error(`no user ${name}`);
  return u;
}
