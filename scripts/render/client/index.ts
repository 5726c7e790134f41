// A user's three subscription files: a full sing-box profile, a full mihomo profile and
// a base64 list of share links. Pure: same fleet, user, secret, time and order → same bytes.
import YAML from 'yaml';
import type { Fleet, User } from '../../model/types.ts';
import type { CredentialStore } from '../../secrets/index.ts';
import { stableJson } from '../json.ts';
import { InactiveUserError, profileEndpoints } from './endpoints.ts';
import { shareLinksOf, subscriptionBody } from './links/subscription.ts';
import { mihomoProfileOf } from './mihomo/profile.ts';
import { singboxProfileOf } from './singbox/profile.ts';

export { InactiveUserError, profileEndpoints } from './endpoints.ts';
export { orderNodes } from './order.ts';
export { shareLink } from './links/subscription.ts';
export { singboxOutbound } from './singbox/outbounds.ts';
export { mihomoProxy, certFingerprint } from './mihomo/proxies.ts';

export type ProfileFiles = {
  'sing-box.json': string;
  'mihomo.yaml': string;
  'links.txt': string;
};

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

export function mihomoYaml(profile: Record<string, unknown>): string {
  // lineWidth 0: never fold long values (keys, fingerprints) across lines.
  return YAML.stringify(profile, { lineWidth: 0, minContentWidth: 0 });
}

/**
 * The files of one user, or undefined for a user who gets no profile (disabled or
 * expired): the caller publishes nothing for them. `order` = node names ranked by health.
 */
export function renderProfiles(fleet: Fleet, user: User, store: CredentialStore, now: Date, order?: string[]): ProfileFiles | undefined {
  let endpoints;
  try {
    endpoints = profileEndpoints(fleet, user, store, now, order);
  } catch (e) {
    if (e instanceof InactiveUserError) return undefined;
    throw e;
  }
  return {
    'sing-box.json': stableJson(singboxProfileOf(fleet.settings, endpoints)),
    'mihomo.yaml': mihomoYaml(mihomoProfileOf(fleet.settings, endpoints)),
    'links.txt': subscriptionBody(shareLinksOf(endpoints)),
  };
}
