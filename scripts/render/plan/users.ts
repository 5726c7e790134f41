// User-level comparison from the two models: access per node, rotation, expiry, enabling.
import { graceRev, userState, usersOfNode } from '../../model/access.ts';
import { durationSeconds, parseInstant } from '../../model/time.ts';
import type { Fleet, User } from '../../model/types.ts';
import { BYTES_PER_GB } from '../../model/quota.ts';
import type { UserChange } from './types.ts';

/** Names of the enabled nodes the user may connect to at `now`. */
function access(fleet: Fleet | undefined, user: User | undefined, now: Date): Set<string> {
  if (!fleet || !user) return new Set();
  return new Set(fleet.nodes.filter((n) => n.enabled && usersOfNode(fleet, n, now).some((u) => u.name === user.name)).map((n) => n.name));
}

export function diffUsers(base: Fleet | undefined, head: Fleet, now: Date): UserChange[] {
  const names = [...new Set([...(base?.users ?? []).map((u) => u.name), ...head.users.map((u) => u.name)])].sort();
  const out: UserChange[] = [];
  for (const name of names) {
    const b = base?.users.find((u) => u.name === name);
    const h = head.users.find((u) => u.name === name);
    const changes = describeUser(b, h, head, now);
    const [before, after] = [access(base, b, now), access(head, h, now)];
    const gains = [...after].filter((n) => !before.has(n)).sort();
    const loses = [...before].filter((n) => !after.has(n)).sort();
    if (changes.length || gains.length || loses.length) out.push({ user: name, changes, gains, loses });
  }
  return out;
}

function describeUser(b: User | undefined, h: User | undefined, head: Fleet, now: Date): string[] {
  if (!h) return ['removed'];
  const state = userState(h, now);
  if (!b) return [`new user (${state})`];
  const out: string[] = [];
  if (b.enabled !== h.enabled) out.push(h.enabled ? 'enabled' : 'disabled');
  if (b.expires !== h.expires) out.push(`expiry ${b.expires ?? 'none'} → ${h.expires ?? 'none'}`);
  const was = userState(b, now);
  if (was !== state && b.enabled === h.enabled) out.push(state === 'expired' ? 'expired' : was === 'expired' ? 'no longer expired' : state);
  if (h.rev !== b.rev) out.push(rotation(b, h, head, now));
  else if (h.revoked !== b.revoked) out.push(h.revoked ? 'marked revoked (rev unchanged: credentials stay the same)' : 'revocation mark removed');
  const fields = (['nodes', 'region', 'quota_gb', 'language', 'note'] as const).filter((k) => JSON.stringify(b[k]) !== JSON.stringify(h[k]));
  if (fields.length) out.push(`changed: ${fields.join(', ')}`);
  const quota = overQuota(h, head);
  if (quota) out.push(quota);
  return out;
}

/** "over quota (…)" while the head's quota state has the user over (plan --usage). */
function overQuota(user: User, head: Fleet): string | undefined {
  const q = head.quota;
  if (!q?.over.has(user.name)) return undefined;
  const b = q.used[user.name]!;
  const gib = ((b.up + b.down) / BYTES_PER_GB).toFixed(2);
  return `over quota (${gib} of ${user.quota_gb} GB used since ${q.period.start.toISOString().slice(0, 10)}): off every node until ${q.period.end.toISOString().slice(0, 10)}`;
}

function rotation(b: User, h: User, head: Fleet, now: Date): string {
  const revs = `rev ${b.rev} → ${h.rev}`;
  if (h.revoked) return `revoked (${revs}): the old credentials stop working at the next deploy`;
  const at = h.rotated_at ? parseInstant(h.rotated_at) : undefined;
  if (!at) return `rotated (${revs}): no rotated_at, so the old credentials stop at the next deploy`;
  const ends = new Date(at.getTime() + durationSeconds(head.settings.users.rotation_grace) * 1000);
  const grace = graceRev(h, head, now) !== undefined ? 'old credentials accepted' : 'grace period not running at this time';
  return `rotated (${revs}, routine): ${grace} until ${ends.toISOString().replace('.000Z', 'Z')}`;
}
