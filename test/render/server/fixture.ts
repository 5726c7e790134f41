// The demo fleet as render tests see it: a fixed secret, a pinned clock, and frankfurt-1's
// self-signed certificate (made once with openssl from the key this secret derives; the
// demo YAML has none because it depends on the operator's FLEET_SECRET).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { dirSource, loadFleet, type FileSource } from '../../../scripts/model/load.ts';
import type { Fleet } from '../../../scripts/model/types.ts';
import { CredentialStore } from '../../../scripts/secrets/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = join(here, '..', '..', '..');
export const TEST_SECRET = Buffer.from('render-test-secret-0123456789abcdef-0123456789', 'utf8');
export const NOW = new Date('2026-11-26T12:00:00Z');
export const CERT = readFileSync(join(here, 'fixtures', 'frankfurt-1.crt'), 'utf8');

/** frankfurt-1.yaml with `tls.certificate` set to the test secret's certificate. */
export function withCertificate(yaml: string, cert = CERT): string {
  const doc = YAML.parseDocument(yaml);
  doc.setIn(['tls', 'certificate'], cert);
  return String(doc);
}

/** The demo files with some replaced (string) or removed (null). */
export function patchedSource(patches: Record<string, string | null> = {}, root = REPO): FileSource {
  const base = dirSource(root);
  const all: Record<string, string | null> = {
    'nodes/frankfurt-1.yaml': withCertificate(readFileSync(join(root, 'nodes/frankfurt-1.yaml'), 'utf8')),
    ...patches,
  };
  return {
    read: (path) => (path in all ? (all[path] === null ? undefined : Buffer.from(all[path]!)) : base.read(path)),
    list: (dir) => {
      const names = new Set(base.list(dir));
      for (const [path, text] of Object.entries(all)) {
        if (!path.startsWith(`${dir}/`)) continue;
        const name = path.slice(dir.length + 1);
        if (text === null) names.delete(name); else names.add(name);
      }
      return [...names].sort();
    },
  };
}

export function demoFleet(patches: Record<string, string | null> = {}, now = NOW): Fleet {
  const result = loadFleet(REPO, now, patchedSource(patches));
  if (!result.fleet) throw new Error(result.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n'));
  return result.fleet;
}

export const demoUser = (name: string) => readFileSync(join(REPO, 'users', `${name}.yaml`), 'utf8');
export const demoNode = (name: string) => readFileSync(join(REPO, 'nodes', `${name}.yaml`), 'utf8');
export const newStore = () => new CredentialStore(TEST_SECRET, 1);
