// Checks that a schema cannot express: cross-file references, port clashes, dates.
import type { Diagnostic } from './diagnostics.ts';
import { nearest } from './diagnostics.ts';
import type { ParsedFile } from './parse.ts';
import { positionOf } from './parse.ts';
import { parseInstant } from './time.ts';
import { needsNodeTls, transportOf } from './inbound-facts.ts';
import type { FleetSettings, Node, User } from './types.ts';
import { INHERITED_NAME, PROBE_USER } from './reserved.ts';
import { checkSiteHost } from './site-host.ts';
import { checkRegions } from './regions.ts';
import { certificateCoversName, isReadable } from '../core/certificate.ts';

export interface Sources { fleet: ParsedFile; nodes: Map<string, ParsedFile>; users: Map<string, ParsedFile> }

type Emit = (parsed: ParsedFile, path: (string | number)[], message: string, hint?: string, severity?: 'error' | 'warning', which?: 'key' | 'value') => void;

export function semanticChecks(settings: FleetSettings, nodes: Node[], users: User[], src: Sources, now: Date): Diagnostic[] {
  const out: Diagnostic[] = [];
  const emit: Emit = (parsed, path, message, hint, severity = 'error', which = 'value') =>
    out.push({ severity, file: parsed.file, ...positionOf(parsed, path, which), message, hint });
  const nodeNames = new Set(nodes.map((n) => n.name));
  for (const node of nodes) checkNode(node, settings, src.nodes.get(node.name)!, emit);
  for (const user of users) checkUser(user, settings, nodes, nodeNames, src.users.get(user.name)!, now, emit);
  // Users and nodes share one namespace in credential labels, tags and messages.
  for (const user of users) {
    if (nodeNames.has(user.name)) emit(src.users.get(user.name)!, ['name'], `user \`${user.name}\` has the name of a node`, `rename the user (its file too), e.g. \`${user.name}-user\``);
  }
  if (settings.deploy.canary && !nodeNames.has(settings.deploy.canary)) {
    const guess = nearest(settings.deploy.canary, nodeNames);
    emit(src.fleet, ['deploy', 'canary'], `canary \`${settings.deploy.canary}\` is not a node`, guess ? `did you mean \`${guess}\`?` : `name a file in nodes/ (${[...nodeNames].join(', ') || 'none yet'})`);
  }
  const vantages = new Set<string>();
  settings.probe.vantages.forEach((v, i) => {
    if (vantages.has(v.name)) emit(src.fleet, ['probe', 'vantages', i, 'name'], `vantage \`${v.name}\` is listed twice`, 'give each vantage its own name');
    vantages.add(v.name);
  });
  checkSharedAddresses(nodes, src, emit);
  out.push(...checkRegions(settings, nodes, users, src));
  out.push(...checkSiteHost(settings, users, src));
  // Over plain http a censor reads every token and profile on the way (a local preview aside).
  const plain = /^http:\/\/(\[[^\]]*\]|[^/:]+)/i.exec(settings.site.base_url);
  if (plain && !['localhost', '127.0.0.1', '[::1]'].includes(plain[1]!.toLowerCase())) {
    emit(src.fleet, ['site', 'base_url'], `site.base_url is plain http: every user's link, token and profile would cross the network unencrypted, for anyone on the path to read`, 'serve the site over https: use https://… (GitHub Pages, Cloudflare Pages and object stores behind a CDN all do)', 'warning');
  }
  for (const node of nodes) checkStandby(node, settings, src.nodes.get(node.name)!, emit);
  // Where a user is picks the vantages that speak for them: one in that region is needed.
  const vantageRegions = new Set(settings.probe.vantages.map((v) => v.region));
  const declared = (r: string) => Object.keys(settings.regions).length === 0 || Object.hasOwn(settings.regions, r);
  for (const user of users) {
    if (user.region && declared(user.region) && vantageRegions.size > 0 && !vantageRegions.has(user.region)) {
      emit(src.users.get(user.name)!, ['region'], `no probe vantage is in region \`${user.region}\`, so ${user.name}'s page shows no latency`, `add a vantage in \`${user.region}\` under probe.vantages in fleet.yaml (vantages now: ${[...vantageRegions].join(', ')})`, 'warning');
    }
  }
  return out;
}

function checkNode(node: Node, settings: FleetSettings, parsed: ParsedFile, emit: Emit): void {
  if (node.name === INHERITED_NAME) emit(parsed, ['name'], `\`${INHERITED_NAME}\` cannot name a node (every object in the tools has a member of that name)`, 'choose another node name');
  if (node.region === INHERITED_NAME) emit(parsed, ['region'], `\`${INHERITED_NAME}\` cannot name a region (every object in the tools has a member of that name)`, 'choose another region name');
  if (node.inbounds.length === 0) emit(parsed, ['inbounds'], `node \`${node.name}\` has no inbound`, 'add at least one entry under `inbounds:`, e.g. `- type: vless-reality`');
  node.labels.forEach((l, i) => {
    if (!Object.hasOwn(settings.labels, l)) {
      const guess = nearest(l, Object.keys(settings.labels));
      emit(parsed, ['labels', i], `unknown label \`${l}\``, guess ? `did you mean \`${guess}\`?` : 'declare it under `labels:` in fleet.yaml first');
    }
  });
  const used = new Map<string, number>();
  node.inbounds.forEach((inbound, i) => {
    const space = transportOf(inbound.type);
    const key = `${space}/${inbound.port}`;
    const first = used.get(key);
    if (first !== undefined) {
      emit(parsed, ['inbounds', i, 'port'], `${space.toUpperCase()} port ${inbound.port} is already used by inbounds[${first}] (${node.inbounds[first].type})`, `choose another port; TCP and UDP ports are separate, so ${space === 'tcp' ? 'a UDP type (hysteria2, tuic)' : 'a TCP type'} could share it`);
    } else used.set(key, i);
    if (inbound.address !== undefined && inbound.address !== node.address && !(node.addresses ?? []).includes(inbound.address)) {
      emit(parsed, ['inbounds', i, 'address'], `\`address: ${inbound.address}\` is not an address of node \`${node.name}\``, `use \`${node.address}\`${node.addresses?.length ? ` or one of \`addresses\` (${node.addresses.join(', ')})` : ''}, or add it under \`addresses:\` first`);
    }
    if (needsNodeTls(inbound.type) && !node.tls) {
      emit(parsed, ['inbounds', i, 'type'], `${inbound.type} needs TLS, but node \`${node.name}\` has no \`tls:\` block`, 'add `tls:` with `mode: acme`, `files` or `self-signed`');
    }
  });
  const again = (node.addresses ?? []).indexOf(node.address);
  if (again >= 0) emit(parsed, ['addresses', again], `\`${node.address}\` is the node's \`address\` already`, 'list only the further addresses under `addresses:`');
  const tls = node.tls;
  if (tls?.mode === 'files' && (!tls.certificate_path || !tls.key_path)) {
    emit(parsed, ['tls'], 'TLS mode `files` needs both `certificate_path` and `key_path`', 'give the absolute paths of the PEM files on the node');
  }
  if (tls?.mode === 'acme' && !tls.acme) emit(parsed, ['tls', 'mode'], 'TLS mode `acme` needs an `acme:` block', 'add `acme: { email: you@example.com }`');
  if (tls?.mode === 'acme' && tls.acme?.challenge === 'dns' && !tls.acme.dns_provider) emit(parsed, ['tls', 'acme', 'challenge'], 'the `dns` challenge needs `dns_provider`', 'add `dns_provider: cloudflare` (or alidns)');
  // The renderer writes a placeholder for the provider's API token (it must never pass
  // through Git); filling it on the node is not automated yet, so say so before a deploy.
  if (tls?.mode === 'acme' && tls.acme?.challenge === 'dns' && tls.acme.dns_provider) emit(parsed, ['tls', 'acme', 'challenge'], 'the `dns` challenge needs the provider token filled in on the node by hand (deploy does not do it yet)', 'prefer `http-01` or `tls-alpn-01`; see README "Rendering and planning"', 'warning');
  if (tls?.mode === 'acme' && /^[0-9.:]+$/.test(tls.server_name)) emit(parsed, ['tls', 'server_name'], 'ACME cannot issue a certificate for an IP address', 'set `server_name` to a domain that points at the node, or use `mode: self-signed`');
  if (tls?.mode === 'self-signed' && !tls.certificate) emit(parsed, ['tls', 'mode'], `node \`${node.name}\` has no self-signed certificate yet`, `run \`npm run fleet -- node cert ${node.name}\` (render and deploy refuse the node until then)`, 'warning');
  if (tls?.mode === 'self-signed' && tls.certificate) {
    // Only what can be checked without the secret; render/deploy also check the key matches.
    if (!certificateCoversName(tls.certificate, tls.server_name)) {
      const readable = isReadable(tls.certificate);
      emit(parsed, ['tls', 'certificate'], readable ? `the certificate does not cover \`${tls.server_name}\`` : '`certificate` is not a readable X.509 certificate',
        `run \`npm run fleet -- node cert ${node.name} --replace\`${readable ? ' after changing `server_name`' : ''}`);
    }
  }
  if (tls && tls.mode !== 'self-signed' && tls.certificate) emit(parsed, ['tls', 'certificate'], '`certificate` is only for `mode: self-signed`', 'remove it, or switch the mode');
  checkPorts(node, parsed, emit);
}

/** Ports that clash with SSH or with an ACME challenge (found trying the README as a new user). */
function checkPorts(node: Node, parsed: ParsedFile, emit: Emit): void {
  const tcp = (i: number) => transportOf(node.inbounds[i]!.type) === 'tcp';
  const sshOnNode = node.ssh.host === node.address;
  node.inbounds.forEach((inbound, i) => {
    if (sshOnNode && tcp(i) && inbound.port === node.ssh.port) {
      emit(parsed, ['inbounds', i, 'port'], `TCP port ${inbound.port} is the node's SSH port`, 'choose another port: sing-box could not bind it, or would lock you out');
    }
  });
  const challenge = node.tls?.mode === 'acme' ? node.tls.acme?.challenge : undefined;
  const acmeInbounds = node.inbounds.some((b) => needsNodeTls(b.type));
  if (challenge === 'http-01' && acmeInbounds) {
    const i = node.inbounds.findIndex((b, j) => tcp(j) && b.port === 80);
    if (i >= 0) emit(parsed, ['inbounds', i, 'port'], 'TCP port 80 is needed by the ACME `http-01` challenge', 'move this inbound to another port, or use `challenge: tls-alpn-01`');
  }
  if (challenge === 'tls-alpn-01' && acmeInbounds) {
    // The challenge is answered by a TLS inbound on 443 itself; Reality there cannot answer it.
    const i = node.inbounds.findIndex((b, j) => tcp(j) && b.port === 443 && b.type === 'vless-reality');
    if (i >= 0) emit(parsed, ['tls', 'acme', 'challenge'], '`tls-alpn-01` needs TCP 443 answered by a TLS inbound, but Reality holds it', 'use `challenge: http-01`, or move Reality to another port');
  }
}

/** Two nodes on one address share its ports: an overlap means one sing-box cannot bind. */
function checkSharedAddresses(nodes: Node[], src: Sources, emit: Emit): void {
  const byAddress = new Map<string, Node[]>();
  for (const n of nodes) for (const a of [n.address, ...(n.addresses ?? [])]) byAddress.set(a, [...(byAddress.get(a) ?? []), n]);
  for (const [address, group] of byAddress) {
    if (group.length < 2) continue;
    const taken = new Map<string, string>();
    for (const n of group) {
      n.inbounds.forEach((b, i) => {
        const key = `${transportOf(b.type).toUpperCase()} ${b.port}`;
        const other = taken.get(key);
        if (other && other !== n.name) emit(src.nodes.get(n.name)!, ['inbounds', i, 'port'], `${key} on ${address} is also used by node \`${other}\``, 'two nodes on one address need different ports');
        else taken.set(key, n.name);
      });
    }
  }
}

function checkUser(user: User, settings: FleetSettings, nodes: Node[], nodeNames: Set<string>, parsed: ParsedFile, now: Date, emit: Emit): void {
  if (user.name === PROBE_USER) emit(parsed, ['name'], `\`${PROBE_USER}\` is reserved for the probe`, 'choose another user name');
  if (user.name === INHERITED_NAME) emit(parsed, ['name'], `\`${INHERITED_NAME}\` cannot name a user (every object in the tools has a member of that name)`, 'choose another user name');
  if (user.expires !== undefined && !parseInstant(user.expires, true)) emit(parsed, ['expires'], `\`expires\` is "${user.expires}", which is not a date`, 'write a date such as 2027-01-31 (or an ISO time with a zone)');
  if (user.rotated_at !== undefined && !parseInstant(user.rotated_at)) emit(parsed, ['rotated_at'], `\`rotated_at\` is "${user.rotated_at}", which is not a time`, 'write an ISO time such as 2026-11-20T10:00:00Z (set by `npm run fleet -- user rotate NAME`)');
  let unknown = false;
  user.nodes.forEach((sel, i) => {
    const [kind, value] = sel.split(':');
    if (kind === 'label' && !Object.hasOwn(settings.labels, value)) {
      const guess = nearest(value, Object.keys(settings.labels));
      unknown = true;
      emit(parsed, ['nodes', i], `unknown label \`${value}\``, guess ? `did you mean \`label:${guess}\`?` : 'declare it under `labels:` in fleet.yaml');
    }
    if (kind === 'node' && !nodeNames.has(value)) {
      const guess = nearest(value, nodeNames);
      unknown = true;
      emit(parsed, ['nodes', i], `unknown node \`${value}\``, guess ? `did you mean \`node:${guess}\`?` : 'name a file in nodes/');
    }
  });
  // An unknown selector is already an error; "selects no node" would only repeat it.
  if (!unknown && user.enabled && user.nodes.length > 0 && selectNodes(user, nodes).length === 0) {
    emit(parsed, ['nodes'], `user \`${user.name}\` selects no node`, 'the user gets an empty subscription; check the labels', 'warning');
  }
  const expiry = user.expires ? parseInstant(user.expires, true) : undefined;
  if (user.enabled && expiry && expiry > now && expiry.getTime() - now.getTime() < 7 * 86400_000) {
    emit(parsed, ['expires'], `user \`${user.name}\` expires within 7 days (${user.expires})`, 'extend `expires` if they should keep access', 'warning');
  }
}

/** The nodes a user may use, in model order; selectors are OR-ed, none means all. */
export function selectNodes(user: User, nodes: Node[]): Node[] {
  if (user.nodes.length === 0) return nodes;
  return nodes.filter((n) => user.nodes.some((sel) => {
    const [kind, value] = sel.split(':');
    return kind === 'node' ? n.name === value : n.labels.includes(value);
  }));
}

/** Standby inbounds wait for recovery to promote them: say so when nothing ever will. */
function checkStandby(node: Node, settings: FleetSettings, parsed: ParsedFile, emit: Emit): void {
  const standby = node.inbounds.map((inb, i) => ({ inb, i })).filter((x) => x.inb.standby);
  if (standby.length === 0) return;
  if (standby.length === node.inbounds.length) {
    emit(parsed, ['inbounds', standby[0].i, 'standby'], `every inbound of \`${node.name}\` is a standby: no user gets this node`, 'leave `standby` off the inbound users should have');
  }
  if (settings.recovery.mode === 'off') {
    emit(parsed, ['inbounds', standby[0].i, 'standby'], `\`${node.name}\` has a standby inbound, but fleet.yaml \`recovery.mode\` is off: it is deployed and probed, never published`, 'set `recovery: { mode: auto }` (or propose) in fleet.yaml', 'warning');
  }
}

