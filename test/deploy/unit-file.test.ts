// The sing-box unit's sandbox (harness hosts have no systemd, so this is read from the
// rendered unit, not observed): even a config that passed the node's policy runs as a
// process that cannot gain privileges, write the system, or use more than the network
// capabilities. And the sudoers file bootstrap writes is exactly the privilege table.
import { describe, expect, it } from 'vitest';
import { buildManifest, PIN_PUB } from '../../scripts/deploy/bootstrap-files.ts';
import { DEPLOY_USER_PRIVILEGES } from '../../scripts/deploy/privileges.ts';
import { loadFleet } from '../../scripts/model/load.ts';
import { CredentialStore, pinSigner } from '../../scripts/secrets/index.ts';
import { REPO } from '../model/helpers.ts';

const SECRET = Buffer.from('unit-file-test-secret-0123456789abcdef0123456789');

function manifestFiles(): Map<string, string> {
  const fleet = loadFleet(REPO, new Date('2026-11-26T12:00:00Z')).fleet!;
  const node = fleet.nodes.find((n) => n.tls?.mode !== 'self-signed') ?? fleet.nodes[0]!;
  const m = buildManifest(fleet, node, new CredentialStore(SECRET, fleet.settings.epoch), 'ssh-ed25519 AAAAtest', { testHost: false }, []);
  return new Map(m.files.map((f) => [f.path, Buffer.from(f.content, 'base64').toString('utf8')]));
}

describe('what bootstrap installs', () => {
  const files = manifestFiles();

  it('runs sing-box sandboxed: no new privileges, a read-only system, network capabilities only', () => {
    const unit = files.get('/etc/systemd/system/sing-box.service')!;
    const directives = new Map(unit.split('\n').filter((l) => /^[A-Za-z]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(directives.get('NoNewPrivileges')).toBe('yes');
    expect(directives.get('ProtectSystem')).toBe('strict');
    expect(directives.get('ProtectHome')).toBe('yes');
    expect(directives.get('PrivateTmp')).toBe('yes');
    expect(directives.get('RestrictSUIDSGID')).toBe('yes');
    expect(directives.get('StateDirectory')).toBe('sing-box');
    expect(directives.get('CapabilityBoundingSet')!.split(' ').sort()).toEqual(['CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW']);
    // Nothing writable beyond its state directory.
    expect(directives.has('ReadWritePaths')).toBe(false);
    expect(directives.get('ExecStart')).toBe('/usr/local/bin/sing-box -D /var/lib/sing-box -c /etc/sing-box/config.json run');
  });

  it('gives the deploy user one sudo rule per row of the privilege table, and the pin key\'s public half', () => {
    const sudoers = files.get('/etc/sudoers.d/boxfleet')!;
    const rules = sudoers.split('\n').filter((l) => l.includes('NOPASSWD'));
    expect(rules).toHaveLength(DEPLOY_USER_PRIVILEGES.length);
    for (const r of rules) expect(r).toMatch(/^\S+ ALL=\(root\) NOPASSWD: \/usr\/local\/sbin\/boxfleet-node \^.+\$$/);
    expect(sudoers).not.toMatch(/bootstrap|watchdog|NOPASSWD: ALL/);
    expect(files.get(PIN_PUB)).toBe(pinSigner(SECRET).publicKeyPem);
  });
});
