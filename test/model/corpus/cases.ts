// The broken-file corpus: each case overlays one or more files on a copy of the demo fleet
// and names the exact place `fleet validate` must point at. Line numbers are easy to check
// by eye: file contents are written out in full, one YAML line per array entry.

export interface Expect {
  file: string;
  line: number;
  col: number;
  /** A fragment of the message (and hint) on that line. */
  messageIncludes: string;
}

export interface Case {
  name: string;
  files: Record<string, string | Buffer>;
  remove?: string[];
  expect: Expect;
  /** Text that must not appear anywhere in the output (e.g. a redundant message). */
  absent?: string;
}

const NODE_SCHEMA = '# yaml-language-server: $schema=../scripts/model/schema/node.schema.json';
const USER_SCHEMA = '# yaml-language-server: $schema=../scripts/model/schema/user.schema.json';
const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDT7GtNU2w0BNhYeNbP/jqXfAhLt0cu0EbnzUGyw36Y8';

const lines = (...l: string[]) => l.join('\n') + '\n';

/** fleet.yaml lines 1–10; the labels of the demo nodes are kept so they stay valid. */
export const fleetYaml = (...more: string[]) => lines(
  '# yaml-language-server: $schema=scripts/model/schema/fleet.schema.json',
  'name: demo', // 2
  'epoch: 1', // 3
  'labels:', // 4
  '  premium: Premium nodes', // 5
  '  cdn: Behind a CDN', // 6
  'site:', // 7
  '  base_url: https://sub.example.com', // 8
  'singbox:', // 9
  '  version: 1.12.24', // 10
  ...more, // from line 11
);

/** nodes/osaka-1.yaml lines 1–8 (a valid node needs `inbounds:` from line 9 on). */
export const nodeYaml = (...more: string[]) => lines(
  NODE_SCHEMA,
  'name: osaka-1', // 2
  'region: asia-east', // 3
  'country: JP', // 4
  'address: 203.0.113.50', // 5
  'ssh:', // 6
  '  host_keys:', // 7
  `    - ${HOST_KEY}`, // 8
  ...more, // from line 9
);
const OSAKA = 'nodes/osaka-1.yaml';
const reality = ['inbounds:', '  - type: vless-reality', '    port: 443', '    handshake_server: www.example.com']; // 9–12

/** users/zed.yaml lines 1–2. */
export const userYaml = (...more: string[]) => lines(USER_SCHEMA, 'name: zed', ...more);
const ZED = 'users/zed.yaml';

function billionLaughs(): string {
  const out = ['name: zed', 'l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i <= 9; i++) out.push(`l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]`);
  return lines(...out);
}

const at = (file: string, line: number, col: number, messageIncludes: string): Expect => ({ file, line, col, messageIncludes });

export const CASES: Case[] = [
  // --- bytes and YAML syntax ---------------------------------------------------------
  { name: 'unclosed quote', files: { [ZED]: userYaml("note: 'half a thought", 'enabled: true') }, expect: at(ZED, 3, 7, "Missing closing 'quote — close the quote with ' on this line") },
  { name: 'mapping items misaligned', files: { [OSAKA]: nodeYaml('  port: 22', '   user: boxfleet', ...reality) }, expect: at(OSAKA, 10, 4, 'this line is indented more than the key on line 9') },
  { name: 'a top-level key indented', files: { [ZED]: userYaml('enabled: true', '  rev: 1') }, expect: at(ZED, 4, 3, 'this line is indented more than the key on line 3, so YAML reads it as part of that key\'s value — align it') },
  // After a comment yaml reports it at the comment: the misaligned line is the one shown.
  { name: 'a top-level key indented after a comment', files: { [ZED]: userYaml('enabled: true', '# rotated', '', '  rev: 1') }, expect: at(ZED, 6, 3, 'All mapping items must start at the same column — align keys') },
  { name: 'unclosed flow list', files: { [OSAKA]: nodeYaml('labels: [premium', ...reality) }, expect: at(OSAKA, 9, 9, 'close it with ]') },
  { name: 'nested compact mapping', files: { [ZED]: userYaml('note: a: b') }, expect: at(ZED, 3, 7, 'Nested mappings are not allowed') },
  { name: 'tab indentation', files: { [OSAKA]: nodeYaml('\tport: 22', ...reality) }, expect: at(OSAKA, 9, 1, 'indent with spaces, not tabs') },
  { name: 'duplicate key', files: { [ZED]: userYaml('enabled: true', 'enabled: false') }, expect: at(ZED, 4, 1, 'keep one of the two keys') },
  { name: 'empty file', files: { [ZED]: '' }, expect: at(ZED, 1, 1, 'file is empty') },
  { name: 'only comments', files: { [ZED]: lines(USER_SCHEMA, '# nothing yet') }, expect: at(ZED, 1, 1, 'file is empty') },
  { name: 'list at the top level', files: { [ZED]: lines(USER_SCHEMA, '- name: zed') }, expect: at(ZED, 2, 1, 'found a list') },
  { name: 'scalar document', files: { [ZED]: lines(USER_SCHEMA, 'zed is a user') }, expect: at(ZED, 2, 1, 'found a string') },
  { name: 'NUL byte', files: { [ZED]: Buffer.from('name: zed\nnote: ab\u0000cd\n', 'latin1') }, expect: at(ZED, 2, 9, 'NUL byte') },
  { name: 'invalid UTF-8', files: { [ZED]: Buffer.concat([Buffer.from('name: zed\nnote: caf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]) }, expect: at(ZED, 2, 10, 'not valid UTF-8') },
  { name: '10 MB file', files: { [ZED]: Buffer.alloc(10 * 1024 * 1024, 'a') }, expect: at(ZED, 1, 1, 'larger than the 1048576 bytes') },
  { name: 'alias bomb (billion laughs)', files: { [ZED]: billionLaughs() }, expect: at(ZED, 3, 10, 'too many alias expansions') },
  // --- types and ranges ---------------------------------------------------------------
  { name: 'quoted number as port', files: { [OSAKA]: nodeYaml('inbounds:', '  - type: vless-reality', '    port: "443"', '    handshake_server: www.example.com') }, expect: at(OSAKA, 11, 11, 'write 443 without quotes') },
  { name: 'word as port', files: { [OSAKA]: nodeYaml('inbounds:', '  - type: vless-reality', '    port: https', '    handshake_server: www.example.com') }, expect: at(OSAKA, 11, 11, '`inbounds[0].port` must be a whole number, found the text "https"') },
  { name: 'port out of range', files: { [OSAKA]: nodeYaml('inbounds:', '  - type: vless-reality', '    port: 70000', '    handshake_server: www.example.com') }, expect: at(OSAKA, 11, 11, 'is 70000, out of range') },
  { name: 'ssh port zero', files: { [OSAKA]: nodeYaml('  port: 0', ...reality) }, expect: at(OSAKA, 9, 9, '`ssh.port` is 0, out of range') },
  { name: 'boolean written as yes', files: { [ZED]: userYaml('enabled: yes') }, expect: at(ZED, 3, 10, 'must be true or false, found the text "yes"') },
  { name: 'quoted epoch', files: { 'fleet.yaml': fleetYaml().replace('epoch: 1', 'epoch: "1"') }, expect: at('fleet.yaml', 3, 8, 'write 1 without quotes') },
  { name: 'list where a mapping belongs', files: { [OSAKA]: lines(NODE_SCHEMA, 'name: osaka-1', 'region: asia-east', 'country: JP', 'address: 203.0.113.50', 'ssh: [203.0.113.50, 22]', ...reality) }, expect: at(OSAKA, 6, 6, '`ssh` must be a mapping (key: value lines), found a list') },
  { name: 'inbound written as a word', files: { [OSAKA]: nodeYaml('inbounds: [trojan]') }, expect: at(OSAKA, 9, 12, '`inbounds[0]` must be a mapping') },
  // --- keys -----------------------------------------------------------------------------
  { name: 'misspelt required key', files: { [OSAKA]: nodeYaml('inbounds:', '  - type: vless-reality', '    port: 443', '    handshak_server: www.example.com') }, expect: at(OSAKA, 12, 5, 'did you mean `handshake_server`? (a required key)'), absent: 'missing required key `handshake_server`' },
  { name: 'misspelt top-level key', files: { 'fleet.yaml': fleetYaml().replace('site:', 'sites:') }, expect: at('fleet.yaml', 7, 1, 'unknown key `sites` — did you mean `site`?'), absent: 'missing required key `site`' },
  { name: 'unknown enum value', files: { [OSAKA]: nodeYaml('inbounds:', '  - type: trojn', '    port: 443') }, expect: at(OSAKA, 10, 11, 'did you mean `trojan`?') },
  { name: 'missing required key in a node', files: { [OSAKA]: nodeYaml(...reality).replace('address: 203.0.113.50\n', '') }, expect: at(OSAKA, 2, 1, 'missing required key `address`') },
  { name: 'missing name in a user', files: { [ZED]: lines(USER_SCHEMA, 'enabled: true') }, expect: at(ZED, 2, 1, 'missing required key `name`') },
  { name: 'missing fleet.yaml', files: {}, remove: ['fleet.yaml'], expect: at('fleet.yaml', 1, 1, 'no fleet.yaml') },
  // --- names and files ------------------------------------------------------------------
  { name: 'file name differs from name', files: { [ZED]: lines(USER_SCHEMA, 'name: zee') }, expect: at(ZED, 2, 7, '`name` is `zee` but the file is zed.yaml') },
  { name: 'node file copied under another name', files: { 'nodes/tokyo-2.yaml': 'COPY:nodes/tokyo-1.yaml' }, expect: at('nodes/tokyo-2.yaml', 2, 7, '`name` is `tokyo-1` but the file is tokyo-2.yaml') },
  { name: 'unsafe file name (capitals)', files: { 'users/Zed.yaml': userYaml() }, expect: at('users/Zed.yaml', 1, 1, 'not a safe user name') },
  { name: 'unsafe file name (space)', files: { 'nodes/tokyo 2.yaml': nodeYaml(...reality) }, expect: at('nodes/tokyo 2.yaml', 1, 1, 'not a safe node name') },
  { name: 'wrong extension', files: { 'users/zed.yml': userYaml() }, expect: at('users/zed.yml', 1, 1, 'unexpected file in users/') },
  { name: 'non-slug node name', files: { [OSAKA]: nodeYaml(...reality).replace('name: osaka-1', 'name: Osaka_1') }, expect: at(OSAKA, 2, 7, "Lowercase letters, digits and '-'") },
  { name: 'non-slug region', files: { [OSAKA]: nodeYaml(...reality).replace('region: asia-east', 'region: Asia East') }, expect: at(OSAKA, 3, 9, '`region` has the wrong form') },
  { name: 'reserved probe user name', files: { 'users/boxfleet-probe.yaml': lines(USER_SCHEMA, 'name: boxfleet-probe') }, expect: at('users/boxfleet-probe.yaml', 2, 7, '`boxfleet-probe` is reserved for the probe') },
  // Names key plain objects (usage per user, status per node): this one would read the member every object inherits.
  { name: 'user named constructor', files: { 'users/constructor.yaml': lines(USER_SCHEMA, 'name: constructor') }, expect: at('users/constructor.yaml', 2, 7, '`constructor` cannot name a user') },
  { name: 'node named constructor', files: { 'nodes/constructor.yaml': nodeYaml(...reality).replace('name: osaka-1', 'name: constructor') }, expect: at('nodes/constructor.yaml', 2, 7, '`constructor` cannot name a node') },
  { name: 'region named constructor', files: { [OSAKA]: nodeYaml(...reality).replace('region: asia-east', 'region: constructor') }, expect: at(OSAKA, 3, 9, '`constructor` cannot name a region') },
  { name: 'label named constructor', files: { [ZED]: lines(USER_SCHEMA, 'name: zed', 'nodes: ["label:constructor"]') }, expect: at(ZED, 3, 9, 'unknown label `constructor`') },
  // --- ports and protocols --------------------------------------------------------------
  { name: 'inbound address not of the node', files: { [OSAKA]: nodeYaml('addresses: [203.0.113.51]', ...reality, '    address: 203.0.113.52') }, expect: at(OSAKA, 14, 14, '`address: 203.0.113.52` is not an address of node `osaka-1` — use `203.0.113.50` or one of `addresses` (203.0.113.51)') },
  { name: 'the node address again under addresses', files: { [OSAKA]: nodeYaml('addresses:', '  - 203.0.113.50', ...reality) }, expect: at(OSAKA, 10, 5, '`203.0.113.50` is the node\'s `address` already') },
  { name: 'duplicate TCP port', files: { [OSAKA]: nodeYaml(...reality, '  - type: shadowsocks', '    port: 443') }, expect: at(OSAKA, 14, 11, 'TCP port 443 is already used by inbounds[0] (vless-reality)') },
  { name: 'duplicate UDP port', files: { [OSAKA]: nodeYaml('tls:', '  mode: self-signed', 'inbounds:', '  - type: hysteria2', '    port: 8443', '  - type: tuic', '    port: 8443') }, expect: at(OSAKA, 15, 11, 'UDP port 8443 is already used by inbounds[0] (hysteria2)') },
  { name: 'Reality without handshake_server', files: { [OSAKA]: nodeYaml('inbounds:', '  - type: vless-reality', '    port: 443') }, expect: at(OSAKA, 10, 5, 'missing required key `handshake_server` in `inbounds[0]`') },
  { name: 'trojan without TLS', files: { [OSAKA]: nodeYaml('inbounds:', '  - type: trojan', '    port: 443') }, expect: at(OSAKA, 10, 11, 'trojan needs TLS') },
  { name: 'vless-ws without TLS', files: { [OSAKA]: nodeYaml('inbounds:', '  - type: vless-ws', '    port: 8443') }, expect: at(OSAKA, 10, 11, 'vless-ws needs TLS') },
  { name: 'hysteria2 without TLS', files: { [OSAKA]: nodeYaml('inbounds:', '  - type: hysteria2', '    port: 443') }, expect: at(OSAKA, 10, 11, 'hysteria2 needs TLS') },
  { name: 'tuic without TLS', files: { [OSAKA]: nodeYaml('inbounds:', '  - type: tuic', '    port: 443') }, expect: at(OSAKA, 10, 11, 'tuic needs TLS') },
  { name: 'node with no inbound', files: { [OSAKA]: nodeYaml('inbounds: []') }, expect: at(OSAKA, 9, 11, 'has no inbound') },
  // --- TLS ------------------------------------------------------------------------------
  { name: 'files mode without paths', files: { [OSAKA]: nodeYaml('tls:', '  mode: files', ...reality) }, expect: at(OSAKA, 10, 3, 'TLS mode `files` needs both `certificate_path` and `key_path`') },
  { name: 'ACME on an IP', files: { [OSAKA]: nodeYaml('tls:', '  mode: acme', '  server_name: 203.0.113.50', '  acme:', '    email: ops@example.com', ...reality) }, expect: at(OSAKA, 11, 16, 'ACME cannot issue a certificate for an IP address') },
  { name: 'ACME without acme block', files: { [OSAKA]: nodeYaml('tls:', '  mode: acme', '  server_name: osaka-1.example.com', ...reality) }, expect: at(OSAKA, 10, 9, 'TLS mode `acme` needs an `acme:` block') },
  { name: 'unreadable certificate', files: { [OSAKA]: nodeYaml('tls:', '  mode: self-signed', '  certificate: "-----BEGIN CERTIFICATE-----\\nnot base64\\n"', ...reality) }, expect: at(OSAKA, 11, 16, 'not a readable X.509 certificate') },
  { name: 'certificate with mode acme', files: { [OSAKA]: nodeYaml('tls:', '  mode: acme', '  server_name: osaka-1.example.com', '  acme:', '    email: ops@example.com', '  certificate: "-----BEGIN CERTIFICATE-----"', ...reality) }, expect: at(OSAKA, 14, 16, '`certificate` is only for `mode: self-signed`') },
  // --- users ----------------------------------------------------------------------------
  { name: 'impossible date', files: { [ZED]: userYaml('expires: 2026-02-30') }, expect: at(ZED, 3, 10, '`expires` is "2026-02-30", which is not a date') },
  { name: 'date in words', files: { [ZED]: userYaml('expires: next week') }, expect: at(ZED, 3, 10, '`expires` is "next week", which is not a date') },
  { name: 'rotated_at not a time', files: { [ZED]: userYaml('rev: 2', 'rotated_at: yesterday') }, expect: at(ZED, 4, 13, '`rotated_at` is "yesterday", which is not a time') },
  { name: 'unknown label on a node', files: { [OSAKA]: nodeYaml('labels: [premum]', ...reality) }, expect: at(OSAKA, 9, 10, 'unknown label `premum` — did you mean `premium`?') },
  { name: 'unknown label in a selector', files: { [ZED]: userYaml('nodes: [label:cdnn]') }, expect: at(ZED, 3, 9, 'unknown label `cdnn` — did you mean `label:cdn`?'), absent: 'selects no node' },
  { name: 'unknown node in a selector', files: { [ZED]: userYaml('nodes: [node:tokyo-9]') }, expect: at(ZED, 3, 9, 'unknown node `tokyo-9` — did you mean `node:tokyo-1`?') },
  { name: 'selector without a kind', files: { [ZED]: userYaml('nodes: [tokyo-1]') }, expect: at(ZED, 3, 9, '`nodes[0]` has the wrong form: the text "tokyo-1" — label:<label>') },
  // --- values that used to pass validate and fail later (hostile review, #12 item 9) ---------
  { name: 'rev beyond any float (1e400)', files: { [ZED]: userYaml('rev: 1e400') }, expect: at(ZED, 3, 6, 'out of range — it must be <= 1000000') },
  { name: 'rev beyond safe integers', files: { [ZED]: userYaml('rev: 99999999999999999999999999') }, expect: at(ZED, 3, 6, 'out of range — it must be <= 1000000') },
  { name: 'epoch beyond safe integers', files: { 'fleet.yaml': fleetYaml().replace('epoch: 1', 'epoch: 9007199254740993') }, expect: at('fleet.yaml', 3, 8, 'out of range — it must be <= 1000000') },
  { name: 'a user named like a node', files: { 'users/tokyo-1.yaml': lines(USER_SCHEMA, 'name: tokyo-1') }, expect: at('users/tokyo-1.yaml', 2, 7, 'user `tokyo-1` has the name of a node') },
  { name: 'a custom YAML tag (!!js/function)', files: { [ZED]: userYaml('note: !!js/function "function () {}"') }, expect: at(ZED, 3, 7, 'unknown YAML tag !!js/function') },
  { name: 'a local YAML tag', files: { [ZED]: userYaml('note: !custom x') }, expect: at(ZED, 3, 7, 'unknown YAML tag !custom') },
  { name: 'a second YAML document in one file', files: { [ZED]: userYaml('---', 'name: other') }, expect: at(ZED, 3, 1, 'a second document starts here — a fleet file holds one YAML document') },
  { name: 'a list as a key', files: { [ZED]: userYaml('? [a, b]', ': 1') }, expect: at(ZED, 3, 3, 'a key is a list or mapping — write a plain key') },
  // --- semantic checks a new user needed (#12 item 11) --------------------------------------
  { name: 'an inbound on the SSH port', files: { [OSAKA]: nodeYaml('inbounds:', '  - type: vless-reality', '    port: 22', '    handshake_server: www.example.com') }, expect: at(OSAKA, 11, 11, "TCP port 22 is the node's SSH port") },
  { name: 'an inbound on TCP 80 with http-01', files: { [OSAKA]: nodeYaml('tls:', '  mode: acme', '  server_name: osaka-1.example.com', '  acme:', '    email: ops@example.com', '    challenge: http-01', 'inbounds:', '  - type: trojan', '    port: 80') }, expect: at(OSAKA, 17, 11, 'TCP port 80 is needed by the ACME `http-01` challenge') },
  { name: 'tls-alpn-01 beside Reality on TCP 443', files: { [OSAKA]: nodeYaml('tls:', '  mode: acme', '  server_name: osaka-1.example.com', '  acme:', '    email: ops@example.com', '    challenge: tls-alpn-01', 'inbounds:', '  - type: vless-reality', '    port: 443', '    handshake_server: www.example.com', '  - type: trojan', '    port: 8443') }, expect: at(OSAKA, 14, 16, '`tls-alpn-01` needs TCP 443 answered by a TLS inbound, but Reality holds it') },
  { name: 'two nodes on one address with one port', files: { [OSAKA]: nodeYaml(...reality).replace('address: 203.0.113.50', 'address: 203.0.113.10') }, expect: at('nodes/tokyo-1.yaml', 25, 11, 'TCP 443 on 203.0.113.10 is also used by node `osaka-1`') },
  // --- regions: one namespace, declared in fleet.yaml (#15) --------------------------------
  { name: 'a user region not declared', files: { [ZED]: userYaml('region: atlantis') }, expect: at(ZED, 3, 9, 'region `atlantis` is not declared in fleet.yaml `regions:` — add `atlantis: { title: { en: …, zh-CN: … } }` under `regions:` in fleet.yaml') },
  { name: 'a node region misspelt', files: { [OSAKA]: nodeYaml(...reality).replace('region: asia-east', 'region: asia-eats') }, expect: at(OSAKA, 3, 9, 'region `asia-eats` is not declared in fleet.yaml `regions:` — did you mean `asia-east`?') },
  { name: 'a preferred region not declared', files: { [ZED]: userYaml('prefer_regions: [asia-east, mars]') }, expect: at(ZED, 3, 29, 'region `mars` is not declared') },
  { name: 'a region without its Chinese title', files: { 'fleet.yaml': fleetYaml('regions:', '  asia-east:', '    title: { en: East Asia }') }, expect: at('fleet.yaml', 13, 12, 'missing required key `zh-CN`') },
  // --- fleet.yaml -----------------------------------------------------------------------
  { name: 'canary is not a node', files: { 'fleet.yaml': fleetYaml('deploy:', '  canary: tokyo-2') }, expect: at('fleet.yaml', 12, 11, 'canary `tokyo-2` is not a node — did you mean `tokyo-1`?') },
  { name: 'duplicate vantage names', files: { 'fleet.yaml': fleetYaml('probe:', '  vantages:', '    - name: github', '      region: us', '    - name: github', '      region: eu') }, expect: at('fleet.yaml', 15, 13, 'vantage `github` is listed twice') },
  { name: 'bad country code', files: { [OSAKA]: nodeYaml(...reality).replace('country: JP', 'country: Japan') }, expect: at(OSAKA, 4, 10, 'ISO 3166-1 alpha-2') },
  { name: 'bad sha256', files: { 'fleet.yaml': fleetYaml('  sha256:', '    amd64: 12ab') }, expect: at('fleet.yaml', 12, 12, '`singbox.sha256.amd64` has the wrong form: the text "12ab" — 64 lowercase hexadecimal digits') },
  { name: 'bad duration', files: { 'fleet.yaml': fleetYaml('users:', '  rotation_grace: 2 days') }, expect: at('fleet.yaml', 12, 19, 'A duration such as 30s, 15m, 48h or 7d') },
  { name: 'sing-box too old', files: { 'fleet.yaml': fleetYaml().replace('1.12.24', '1.11.4') }, expect: at('fleet.yaml', 10, 12, '1.12.x or later') },
  { name: 'missing required key in fleet.yaml', files: { 'fleet.yaml': fleetYaml().replace('singbox:\n  version: 1.12.24\n', '') }, expect: at('fleet.yaml', 2, 1, 'missing required key `singbox` — add `singbox:` (The sing-box release') },
];

/** Files that are fine but deserve a warning: exit 0, the warning at its place. */
export const WARNINGS: Case[] = [
  { name: 'selector matches no node', files: { 'fleet.yaml': fleetYaml().replace('labels:\n', 'labels:\n  spare: Nobody has it yet\n'), [ZED]: userYaml('nodes: [label:spare]') }, expect: at(ZED, 3, 8, 'user `zed` selects no node') },
  { name: 'user expiring within 7 days', files: { [ZED]: userYaml('expires: 2026-11-30') }, expect: at(ZED, 3, 10, 'user `zed` expires within 7 days') },
  { name: 'a user where no vantage is', files: { [ZED]: userYaml('region: europe') }, expect: at(ZED, 3, 9, "no probe vantage is in region `europe`, so zed's page shows no latency") },
  { name: 'a fleet.yaml without regions', files: { 'fleet.yaml': fleetYaml() }, expect: at('fleet.yaml', 1, 1, 'fleet.yaml declares no `regions:`, so pages show the slugs `asia-east`, `asia-southeast`, `cn`, `europe` as titles') },
  { name: 'a site over plain http', files: { 'fleet.yaml': fleetYaml().replace('base_url: https://sub.example.com', 'base_url: http://sub.example.com') }, expect: at('fleet.yaml', 8, 13, 'site.base_url is plain http') },
  { name: 'node under maintenance', files: { [OSAKA]: nodeYaml('maintenance: true', ...reality) }, expect: at(OSAKA, 9, 14, 'node `osaka-1` is under maintenance') },
  { name: 'self-signed without certificate', files: { [OSAKA]: nodeYaml('tls:', '  mode: self-signed', 'inbounds:', '  - type: trojan', '    port: 443') }, expect: at(OSAKA, 10, 9, 'run `npm run fleet -- node cert osaka-1`') },
];

/** Not broken: TCP and UDP port spaces are separate. */
export const VALID: Pick<Case, 'name' | 'files'>[] = [
  { name: 'a local preview over http', files: { 'fleet.yaml': fleetYaml().replace('base_url: https://sub.example.com', 'base_url: http://127.0.0.1:8080') } },
  { name: 'TCP and UDP share a port', files: { [OSAKA]: nodeYaml('tls:', '  mode: self-signed', ...reality, '  - type: hysteria2', '    port: 443') } },
];
