// Whether a built site belongs to the fleet as it is now. `fleet publish --site DIR` makes
// the store match DIR, so a site built before a user was revoked, removed or rotated past
// the grace period would put that user's folder back, with profiles the nodes no longer
// accept, and one built before a user was added would delete theirs. Token folders are
// derived from the secret and each user's rev, so they tell: the site must hold exactly the
// folders a build now would write, an active user's with the profiles, and a user who is
// not active, none. (A change to a node alone does not show here: pages.yml builds the site
// just before it publishes.)
import type { Fleet } from '../model/types.ts';
import { userState } from '../model/access.ts';
import { durationSeconds, parseInstant } from '../model/time.ts';
import { openCredentialStore, type MasterSecret } from '../secrets/index.ts';
import { PROFILE_FILES } from '../site/deeplinks.ts';

export interface SiteMismatch {
  /** Token folders no user has now (revoked, removed, rotated past the grace period). */
  unknown: number;
  /** Folders a build now would write that the site lacks (users added since). */
  missing: number;
  /** Folders of users who are not active any more that still hold profiles. */
  inactiveWithProfiles: number;
  /** Folders of active users without their profiles (built while the user was not active). */
  activeWithoutProfiles: number;
}

/** How long past its end a grace period's folder may still be published (build to publish). */
const GRACE_SLACK_MS = 60 * 60 * 1000;

/** `keys`: the site's object keys (`s/<token>/<file>` for token folders). */
export function siteMismatch(keys: readonly string[], fleet: Pick<Fleet, 'settings' | 'users'>, secret: MasterSecret, now: Date): SiteMismatch {
  const store = openCredentialStore(secret, fleet.settings.epoch);
  const expected = new Map<string, boolean>(); // token → whether its folder holds profiles
  // The previous token of a user in (or up to an hour past) a rotation's grace period may be
  // there or not: the period can end between the build and the publish. Later it is stale: a
  // rotation because a link leaked must not come undone. A revocation has no grace period.
  const previous = new Set<string>();
  const graceMs = durationSeconds(fleet.settings.users.rotation_grace) * 1000;
  for (const user of fleet.users) {
    const active = userState(user, now) === 'active';
    expected.set(store.user(user.name, user.rev).token, active);
    const at = user.rotated_at ? parseInstant(user.rotated_at) : undefined;
    const inGrace = at !== undefined && now.getTime() >= at.getTime() && now.getTime() < at.getTime() + graceMs + GRACE_SLACK_MS;
    if (active && !user.revoked && user.rev > 1 && inGrace) previous.add(store.user(user.name, user.rev - 1).token);
  }
  const folders = new Map<string, Set<string>>();
  for (const key of keys) {
    const m = /^s\/([^/]+)\/([^/]+)$/.exec(key);
    if (!m) continue;
    let files = folders.get(m[1]);
    if (!files) folders.set(m[1], (files = new Set()));
    files.add(m[2]);
  }
  const profiles = new Set<string>(PROFILE_FILES);
  let unknown = 0;
  let inactiveWithProfiles = 0;
  let activeWithoutProfiles = 0;
  for (const [token, files] of folders) {
    const active = expected.get(token);
    if (active === undefined) { if (!previous.has(token)) unknown++; }
    else if (!active && [...files].some((f) => profiles.has(f))) inactiveWithProfiles++;
    else if (active && !PROFILE_FILES.every((f) => files.has(f))) activeWithoutProfiles++;
  }
  const missing = [...expected.keys()].filter((token) => !folders.has(token)).length;
  return { unknown, missing, inactiveWithProfiles, activeWithoutProfiles };
}

/** One line for an operator, or undefined when the site matches the fleet. */
export function mismatchText(m: SiteMismatch): string | undefined {
  const parts = [
    m.unknown ? `${m.unknown} token folder${m.unknown === 1 ? '' : 's'} no user has now (revoked, removed, or rotated past the grace period)` : '',
    m.inactiveWithProfiles ? `${m.inactiveWithProfiles} disabled or expired user${m.inactiveWithProfiles === 1 ? '' : 's'} still with profiles` : '',
    m.activeWithoutProfiles ? `${m.activeWithoutProfiles} active user${m.activeWithoutProfiles === 1 ? '' : 's'} without profiles (enabled since)` : '',
    m.missing ? `${m.missing} user folder${m.missing === 1 ? '' : 's'} missing (users added since)` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}
