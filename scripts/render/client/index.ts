// A user's three subscription files: a full sing-box profile, a full mihomo profile and
// a base64 list of share links. Pure: same fleet, user, secret, time and order → same bytes.
import { userState } from '../../model/access.ts';
import type { InboundChoice } from '../../model/published.ts';
import type { Fleet, User } from '../../model/types.ts';
import type { CredentialStore } from '../../secrets/index.ts';
import { userIdentity } from '../endpoint.ts';
import { profileCache } from './cache.ts';
import { profileEndpoints, profileNodes } from './endpoints.ts';
import { directProfile, profileFiles, type ProfileBytes, type ProfileFiles } from './files.ts';
import { shareLinksOf } from './links/subscription.ts';
import { mihomoProfileOf } from './mihomo/profile.ts';
import { singboxProfileOf } from './singbox/profile.ts';

export { InactiveUserError, profileEndpoints } from './endpoints.ts';
export { orderNodes } from './order.ts';
export { shareLink } from './links/subscription.ts';
export { singboxOutbound } from './singbox/outbounds.ts';
export { mihomoProxy, certFingerprint } from './mihomo/proxies.ts';
export { mihomoYaml, type ProfileBytes, type ProfileFiles } from './files.ts';

/** Throws InactiveUserError for a disabled or expired user. */
export function singboxProfile(fleet: Fleet, user: User, store: CredentialStore, now: Date, order?: readonly string[]): Record<string, unknown> {
  return singboxProfileOf(fleet.settings, profileEndpoints(fleet, user, store, now, order));
}

/** Throws InactiveUserError for a disabled or expired user. */
export function mihomoProfile(fleet: Fleet, user: User, store: CredentialStore, now: Date, order?: readonly string[]): Record<string, unknown> {
  return mihomoProfileOf(fleet.settings, profileEndpoints(fleet, user, store, now, order));
}

/** Share links in profile order, without self-signed endpoints. Throws InactiveUserError. */
export function shareLinks(fleet: Fleet, user: User, store: CredentialStore, now: Date, order?: readonly string[]): string[] {
  return shareLinksOf(profileEndpoints(fleet, user, store, now, order));
}

/**
 * The files of one user, or undefined for a user who gets no profile (disabled or
 * expired): the caller publishes nothing for them. `order` = node names ranked by health.
 * Users with the same node list share a template (cache.ts); the bytes are those of
 * renderProfilesDirect.
 */
export function renderProfiles(fleet: Fleet, user: User, store: CredentialStore, now: Date, order?: readonly string[], choice?: InboundChoice): ProfileFiles | undefined {
  if (userState(user, now) !== 'active') return undefined;
  return profileCache(fleet, store).render(profileNodes(fleet, user, order, choice), userIdentity(store, user.name, user.rev));
}

/** renderProfiles as UTF-8 bytes, the same bytes as encoding its strings (what the site writes). */
export function renderProfileBytes(fleet: Fleet, user: User, store: CredentialStore, now: Date, order?: readonly string[], choice?: InboundChoice): ProfileBytes | undefined {
  if (userState(user, now) !== 'active') return undefined;
  return profileCache(fleet, store).renderBytes(profileNodes(fleet, user, order, choice), userIdentity(store, user.name, user.rev));
}

/** renderProfiles without templates: the reference the templates are checked against. */
export function renderProfilesDirect(fleet: Fleet, user: User, store: CredentialStore, now: Date, order?: readonly string[], choice?: InboundChoice): ProfileFiles | undefined {
  if (userState(user, now) !== 'active') return undefined;
  return profileFiles(directProfile(fleet.settings, profileEndpoints(fleet, user, store, now, order, choice)));
}
