// Commands of the model stage: checking and editing the fleet's YAML.
import type { Command } from '../types.ts';

const NOW_NOTE = 'Edits are checked against the whole fleet before anything is written; nothing is changed when a check fails (exit 1).';

export const commands: Command[] = [
  {
    name: 'validate',
    summary: 'check fleet.yaml, nodes/ and users/ and report every problem with its file, line and column',
    options: [],
    formats: ['text', 'json', 'github'],
    examples: ['npm run fleet -- validate', 'npm run fleet -- validate --format github   # annotations + job summary in Actions'],
    details: 'Exits 1 when there is an error, 0 otherwise (warnings are printed but do not fail). '
      + '`github` prints at most 10 ::error/::warning annotations and lists every problem in $GITHUB_STEP_SUMMARY.',
    run: async (ctx, args) => (await import('../../model/validate.ts')).runValidate(ctx, args),
  },
  {
    name: 'node add',
    summary: 'write nodes/<name>.yaml for a new node (refuses to overwrite)',
    args: '<name>',
    options: [
      { name: 'address', value: 'HOST', help: 'public IP or host name clients connect to (required)' },
      { name: 'region', value: 'REGION', help: 'region slug, e.g. asia-east (required)' },
      { name: 'country', value: 'CC', help: 'ISO 3166-1 alpha-2 code, e.g. JP (required)' },
      { name: 'host-key', value: '"TYPE KEY"', help: 'pinned SSH host key, e.g. "ssh-ed25519 AAAA..." (required; repeatable)', repeat: true },
      { name: 'inbound', value: 'TYPE:PORT', help: 'an inbound, e.g. vless-reality:443 or hysteria2:443 (at least one; repeatable)', repeat: true },
      { name: 'handshake-server', value: 'HOST', help: 'real TLS 1.3 site Reality borrows (needed by vless-reality)' },
      { name: 'tls', value: 'acme|self-signed|files', help: 'TLS for trojan, ws, hysteria2 and tuic inbounds' },
      { name: 'server-name', value: 'HOST', help: 'name in the certificate and SNI (default: the address)' },
      { name: 'acme-email', value: 'EMAIL', help: 'contact address for --tls acme' },
      { name: 'title', value: 'TEXT', help: 'name shown in apps (default: the node name)' },
      { name: 'ssh-host', value: 'HOST', help: 'SSH address when it differs from --address' },
      { name: 'ssh-port', value: 'N', help: 'SSH port (default 22)' },
      { name: 'label', value: 'LABEL', help: 'a label declared in fleet.yaml (repeatable)', repeat: true },
      { name: 'arch', value: 'amd64|arm64', help: 'CPU architecture (default amd64)' },
    ],
    examples: [
      'npm run fleet -- node add osaka-1 --address 203.0.113.40 --region asia-east --country JP --host-key "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0xeDIdUvmtHQzWr72nhg7E6Y75xgaZewAllXm5Uwr4" --inbound vless-reality:443 --handshake-server www.example.com',
      'npm run fleet -- node add paris-1 --address 198.51.100.50 --region europe --country FR --host-key "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0xeDIdUvmtHQzWr72nhg7E6Y75xgaZewAllXm5Uwr4" --inbound trojan:443 --inbound hysteria2:443 --tls self-signed --server-name paris-1.example.com --label premium',
    ],
    details: NOW_NOTE,
    run: async (ctx, args) => (await import('../../model/node-add.ts')).runNodeAdd(ctx, args),
  },
  {
    name: 'node cert',
    summary: 'make the self-signed certificate of a `tls.mode: self-signed` node and write it into its YAML',
    args: '<name>',
    options: [{ name: 'replace', help: 'replace a certificate made from another key (clients must refresh)' }],
    examples: ['FLEET_SECRET=... npm run fleet -- node cert frankfurt-1', 'npm run fleet -- node cert frankfurt-1 --replace'],
    details: 'The key is derived from FLEET_SECRET (the demo secret, with a warning, when it is unset) and never written; '
      + 'the certificate (P-256, 10 years, subjectAltName = server_name and the address when it is an IP) is public and committed. '
      + NOW_NOTE,
    run: async (ctx, args) => (await import('../../secrets/node-cert.ts')).runNodeCert(ctx, args),
  },
  {
    name: 'user add',
    summary: 'write users/<name>.yaml for a new user (refuses to overwrite)',
    args: '<name>',
    options: [
      { name: 'expires', value: 'YYYY-MM-DD', help: 'last day of access (UTC)' },
      { name: 'region', value: 'REGION', help: 'where the user is (a region of fleet.yaml): latency from vantages there is what the page shows; its nodes come first' },
      { name: 'prefer-regions', value: 'REGIONS', help: 'comma-separated regions whose nodes come first, in this order (instead of --region\'s)' },
      { name: 'nodes', value: 'SELECTORS', help: 'comma-separated label:<label> / node:<name> (default: every node)' },
      { name: 'quota-gb', value: 'N', help: 'monthly traffic allowance in GB, shown on the page and to apps (not metered yet)' },
      { name: 'language', value: 'en|zh-CN', help: 'language of the user\'s page (default from fleet.yaml)' },
      { name: 'note', value: 'TEXT', help: 'operator\'s note; never published' },
    ],
    examples: ['npm run fleet -- user add grace --expires 2027-06-30 --nodes label:premium --language zh-CN', 'npm run fleet -- user add heidi --region cn --prefer-regions asia-east,asia-southeast'],
    details: NOW_NOTE,
    run: async (ctx, args) => (await import('../../model/user-add.ts')).runUserAdd(ctx, args),
  },
  {
    name: 'user rotate',
    summary: 'bump a user\'s rev (new credentials and link), with a grace period or, with --revoke, at once',
    args: '<name>',
    options: [{ name: 'revoke', help: 'a leaked link: the old credentials stop at the next deploy and publish, no grace period' }],
    examples: ['npm run fleet -- user rotate alice', 'npm run fleet -- user rotate alice --revoke --now 2026-11-26T12:00:00Z'],
    details: 'Sets `rev`, `rotated_at` (the --now time) and `revoked`, keeping the file\'s comments. ' + NOW_NOTE,
    run: async (ctx, args) => (await import('../../model/user-change.ts')).runUserRotate(ctx, args),
  },
  {
    name: 'user disable',
    summary: 'set `enabled: false` for a user, keeping the file\'s comments',
    args: '<name>',
    options: [],
    examples: ['npm run fleet -- user disable bob'],
    details: NOW_NOTE,
    run: async (ctx, args) => (await import('../../model/user-change.ts')).runUserDisable(ctx, args),
  },
];
