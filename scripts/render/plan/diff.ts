// Node-level comparison of two rendered configs: who is on the node, which inbounds came,
// went or changed, and which other settings moved. Values are shown only for fields that
// are never secret (ports, names, paths); every other field is reported by its path.
import type { SingBoxConfig } from '../server/index.ts';
import { PREVIOUS_SUFFIX } from '../server/index.ts';
import { PROBE_USER } from '../../secrets/index.ts';
import type { InboundChange, NodeChange } from './types.ts';

type Obj = Record<string, unknown>;

/** Fields whose values may be printed: none of them can hold a credential. */
const PUBLIC_FIELDS = new Set([
  'type', 'listen', 'listen_port', 'server_name', 'path', 'up_mbps', 'down_mbps', 'congestion_control', 'method',
  'server', 'server_port', 'url', 'domain', 'email', 'certificate_path', 'key_path', 'data_directory', 'alpn',
  'external_controller', 'level', 'timestamp', 'max_time_difference', 'auth_timeout', 'heartbeat', 'final',
  'disable_http_challenge', 'disable_tls_alpn_challenge', 'provider', 'rewrite_host', 'zero_rtt_handshake', 'enabled',
]);

export function diffNode(name: string, base: SingBoxConfig | undefined, head: SingBoxConfig | undefined, isSecret: (v: string) => boolean): NodeChange | undefined {
  const change: NodeChange = {
    node: name, change: !base ? 'added' : !head ? 'removed' : 'changed',
    usersAdded: [], usersRemoved: [], usersRotated: [], graceAdded: [], graceRemoved: [], inbounds: [], other: [],
  };
  const b = entriesOf(base);
  const h = entriesOf(head);
  for (const [who, print] of h) {
    const before = b.get(who);
    const user = who.endsWith(PREVIOUS_SUFFIX) ? who.slice(0, -PREVIOUS_SUFFIX.length) : who;
    if (who === PROBE_USER) { if (before !== undefined && credentialsDiffer(before, print)) change.other.push('probe user credentials rotated'); continue; }
    if (before === undefined) (user === who ? change.usersAdded : change.graceAdded).push(user);
    else if (credentialsDiffer(before, print)) change.usersRotated.push(who === user ? user : `${user} (previous)`);
  }
  for (const who of b.keys()) {
    if (h.has(who) || who === PROBE_USER) continue;
    const user = who.endsWith(PREVIOUS_SUFFIX) ? who.slice(0, -PREVIOUS_SUFFIX.length) : who;
    (user === who ? change.usersRemoved : change.graceRemoved).push(user);
  }
  if (base && head) {
    change.inbounds = diffInbounds(base.inbounds as Obj[], head.inbounds as Obj[], isSecret);
    const strip = (c: SingBoxConfig) => ({ ...c, inbounds: undefined });
    change.other.push(...describe(diffPaths(strip(base), strip(head), ''), strip(base), strip(head), isSecret));
  } else {
    const side = (head ?? base)!;
    change.inbounds = side.inbounds.map((i) => ({ change: change.change as 'added' | 'removed', tag: i.tag, type: i.type, port: i.listen_port, details: [] }));
  }
  const empty = !change.usersAdded.length && !change.usersRemoved.length && !change.usersRotated.length &&
    !change.graceAdded.length && !change.graceRemoved.length && !change.inbounds.length && !change.other.length;
  return change.change === 'changed' && empty ? undefined : change;
}

/**
 * Entry name → its credentials per inbound type (compared, never printed). Keyed by type,
 * not tag, so a port change (new tag) or an added inbound is not mistaken for a rotation.
 */
function entriesOf(config: SingBoxConfig | undefined): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const inbound of config?.inbounds ?? []) {
    for (const u of (inbound.users as Obj[] | undefined) ?? []) {
      const name = String(u.name);
      if (!out.has(name)) out.set(name, new Map());
      out.get(name)!.set(`${inbound.type}/${String(inbound.method ?? '')}`, JSON.stringify(u));
    }
  }
  return out;
}

/** True when some inbound type both sides have holds different credentials. */
function credentialsDiffer(a: Map<string, string>, b: Map<string, string>): boolean {
  return [...a].some(([type, creds]) => b.has(type) && b.get(type) !== creds);
}

function diffInbounds(base: Obj[], head: Obj[], isSecret: (v: string) => boolean): InboundChange[] {
  const strip = (i: Obj) => ({ ...i, users: undefined });
  const byTag = (list: Obj[]) => new Map(list.map((i) => [String(i.tag), i]));
  const b = byTag(base);
  const h = byTag(head);
  const out: InboundChange[] = [];
  const removed = base.filter((i) => !h.has(String(i.tag)));
  const added = head.filter((i) => !b.has(String(i.tag)));
  const summary = (i: Obj, change: InboundChange['change'], details: string[]): InboundChange =>
    ({ change, tag: String(i.tag), type: String(i.type), port: Number(i.listen_port), details });
  for (const i of head) {
    const old = b.get(String(i.tag));
    if (!old) continue;
    const details = describe(diffPaths(strip(old), strip(i), ''), strip(old), strip(i), isSecret);
    if (details.length) out.push(summary(i, 'changed', details));
  }
  // The tag holds the port, so a port change looks like remove + add; one of each with
  // the same type is reported as what it is.
  for (const r of removed) {
    const same = added.filter((a) => a.type === r.type);
    if (same.length === 1 && removed.filter((x) => x.type === r.type).length === 1) {
      const a = same[0];
      added.splice(added.indexOf(a), 1);
      const details = [`port ${String(r.listen_port)} → ${String(a.listen_port)}`,
        ...describe(diffPaths(strip(r), strip(a), ''), strip(r), strip(a), isSecret).filter((d) => !/^(tag|listen_port)\b/.test(d))];
      out.push({ ...summary(a, 'changed', details), tag: `${String(r.tag)} → ${String(a.tag)}` });
    } else out.push(summary(r, 'removed', []));
  }
  for (const a of added) out.push(summary(a, 'added', []));
  return out;
}

/** Leaf paths where two JSON values differ (`tls.reality.short_id`, `route.rules`). */
export function diffPaths(a: unknown, b: unknown, at: string): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => diffPaths(a[k], b[k], at ? `${at}.${k}` : k));
  }
  return [at];
}

function valueAt(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), obj);
}

function describe(paths: string[], a: unknown, b: unknown, isSecret: (v: string) => boolean): string[] {
  return paths.map((path) => {
    const field = path.split('.').pop()!;
    const [x, y] = [valueAt(a, path), valueAt(b, path)];
    const printable = (v: unknown) => v === undefined || ((typeof v !== 'object' || Array.isArray(v)) && !isSecret(JSON.stringify(v)) && !JSON.stringify(v).split('"').some(isSecret));
    if (PUBLIC_FIELDS.has(field) && printable(x) && printable(y)) return `${path}: ${show(x)} → ${show(y)}`;
    return `${path} changed`;
  });
}

const show = (v: unknown) => (v === undefined ? '(none)' : Array.isArray(v) ? v.join(', ') : String(v));
