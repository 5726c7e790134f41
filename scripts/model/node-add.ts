// `fleet node add`: writes nodes/<name>.yaml from flags, with comments that teach the
// format, and refuses to write anything the loader would reject.
import { ipVersion } from '../core/ip.ts';
import type { CommandContext, ParsedArgs } from '../core/command.ts';
import { EXIT, UsageError } from '../core/command.ts';
import { expectPositionals, intOption } from '../core/args.ts';
import { addNewFile, listOf, requireSlug, schemaComment, stringOption, yamlValue } from './edit.ts';
import { INBOUND_TYPES, needsNodeTls } from './inbound-facts.ts';
import { INHERITED_NAME } from './reserved.ts';
import type { InboundType } from './types.ts';

const v = yamlValue;

interface InboundFlag { type: InboundType; port: number }

function parseInbound(text: string): InboundFlag {
  const m = /^([a-z0-9-]+):(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--inbound "${text}" must be TYPE:PORT, e.g. vless-reality:443`);
  if (!INBOUND_TYPES.includes(m[1] as InboundType)) throw new UsageError(`--inbound type "${m[1]}" is unknown — use one of ${INBOUND_TYPES.join(', ')}`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`--inbound port ${m[2]} is out of range — use 1 to 65535`);
  return { type: m[1] as InboundType, port };
}

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, not "${String(value)}"`);
  return value as T;
}

/** The flags as a checked plan; usage errors (exit 2) for anything the flags alone get wrong. */
function readFlags(args: ParsedArgs) {
  const [rawName] = expectPositionals(args, 1, 'the node name, e.g. `node add osaka-1`');
  const o = args.options;
  const name = requireSlug(rawName, 'node name');
  if (name === INHERITED_NAME) throw new UsageError(`"${INHERITED_NAME}" cannot name a node — choose another node name`);
  const address = stringOption(o.address, 'address', '203.0.113.40');
  const region = requireSlug(stringOption(o.region, 'region', 'asia-east'), 'region');
  const country = stringOption(o.country, 'country', 'JP').toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw new UsageError(`--country "${country}" must be a two-letter ISO code such as JP or DE`);
  const hostKeys = listOf(o['host-key']);
  if (hostKeys.length === 0) throw new UsageError('--host-key is required: pin the node\'s SSH host key, e.g. --host-key "ssh-ed25519 AAAA..." (from `ssh-keyscan -t ed25519 HOST`, checked out of band)');
  const inbounds = listOf(o.inbound).map(parseInbound);
  if (inbounds.length === 0) throw new UsageError('give at least one --inbound TYPE:PORT, e.g. --inbound vless-reality:443 --handshake-server www.example.com');
  const tls = oneOf(o.tls, 'tls', ['acme', 'self-signed', 'files'] as const);
  const handshake = o['handshake-server'] as string | undefined;
  if (inbounds.some((i) => i.type === 'vless-reality') && !handshake) throw new UsageError('--inbound vless-reality needs --handshake-server, a real TLS 1.3 site such as www.example.com');
  const needsTls = inbounds.find((i) => needsNodeTls(i.type));
  if (needsTls && !tls) throw new UsageError(`--inbound ${needsTls.type} needs TLS: add --tls acme (with --acme-email), --tls self-signed or --tls files`);
  if (tls === 'acme' && !o['acme-email']) throw new UsageError('--tls acme needs --acme-email, the address Let\'s Encrypt writes to about expiring certificates');
  if (tls === 'acme' && ipVersion((o['server-name'] as string | undefined) ?? address)) throw new UsageError('--tls acme cannot get a certificate for an IP address: give --server-name with a domain that points at the node, or use --tls self-signed');
  if (!tls && (o['server-name'] || o['acme-email'])) throw new UsageError('--server-name and --acme-email need --tls');
  return {
    name, address, region, country, hostKeys, inbounds, tls, handshake,
    title: o.title as string | undefined,
    sshHost: o['ssh-host'] as string | undefined,
    sshPort: intOption(args, 'ssh-port', 1, 65535),
    labels: listOf(o.label),
    arch: oneOf(o.arch, 'arch', ['amd64', 'arm64'] as const) ?? 'amd64',
    serverName: o['server-name'] as string | undefined,
    acmeEmail: o['acme-email'] as string | undefined,
  };
}

type Flags = ReturnType<typeof readFlags>;

export function nodeYaml(f: Flags): string {
  const lines = [
    schemaComment('node'),
    `# Node ${f.name}, written by \`fleet node add\`. The file name must stay ${f.name}.yaml.`,
    `name: ${f.name}`,
    '# The name people see in their apps.',
    `title: ${v(f.title ?? f.name)}`,
    `region: ${f.region}`,
    `country: ${f.country}`,
    '# Labels declared in fleet.yaml; users select nodes by label.',
    `labels: [${f.labels.map(v).join(', ')}]`,
    "# Bump to rotate this node's keys (Reality, Shadowsocks server key, obfs): clients must refresh.",
    'rev: 1',
    `arch: ${f.arch}`,
    '# Public address clients connect to.',
    `address: ${v(f.address)}`,
    'ssh:',
    ...(f.sshHost ? [`  host: ${v(f.sshHost)}`] : []),
    `  port: ${f.sshPort ?? 22}`,
    '  # Created by `fleet bootstrap`; its sudo allows only the node script.',
    '  user: boxfleet',
    '  bootstrap_user: root',
    '  # Pinned host keys: deploys refuse a host that shows any other key.',
    '  host_keys:',
    ...f.hostKeys.map((k) => `    - ${v(k)}`),
    ...tlsLines(f),
    'inbounds:',
    ...f.inbounds.flatMap((i) => [
      `  - type: ${i.type}`,
      `    port: ${i.port}`,
      ...(i.type === 'vless-reality' ? ['    # Real TLS 1.3 site whose handshake Reality borrows; also the SNI clients send.', `    handshake_server: ${v(f.handshake!)}`] : []),
    ]),
  ];
  return lines.join('\n') + '\n';
}

function tlsLines(f: Flags): string[] {
  if (!f.tls) return [];
  const head = ['# TLS for the inbounds that need it (trojan, ws, hysteria2, tuic).', 'tls:', `  mode: ${f.tls}`];
  const serverName = f.serverName ? [`  server_name: ${v(f.serverName)}`] : ['  # server_name defaults to the address.'];
  switch (f.tls) {
    case 'acme':
      return [...head, ...serverName, '  acme:', `    email: ${v(f.acmeEmail!)}`, '    challenge: tls-alpn-01'];
    case 'files':
      return [...head, ...serverName, '  # Put the PEM files at these paths on the node yourself.', `  certificate_path: /etc/ssl/boxfleet/${f.name}.crt`, `  key_path: /etc/ssl/boxfleet/${f.name}.key`];
    default:
      return [...head, ...serverName, `  # Run \`npm run fleet -- node cert ${f.name}\` to add the certificate (made from a key derived from FLEET_SECRET).`];
  }
}
export async function runNodeAdd(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const flags = readFlags(args);
  const rel = `nodes/${flags.name}.yaml`;
  addNewFile(ctx, rel, nodeYaml(flags));
  ctx.io.out(`wrote ${rel} (${flags.inbounds.map((i) => `${i.type}:${i.port}`).join(', ')})`);
  if (flags.tls === 'self-signed') ctx.io.out(`next: npm run fleet -- node cert ${flags.name}`);
  ctx.io.out(`next: commit it, bootstrap ${flags.name} once, then deploy`);
  return EXIT.ok;
}
