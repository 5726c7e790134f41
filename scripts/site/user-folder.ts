// One user's folder(s): the unit of work of a site build, run in the main thread for a
// small fleet and in worker threads for a large one. Its output depends only on its
// inputs, never on which thread ran it, so a parallel build gives the same bytes.
import { graceRev, userState } from '../model/access.ts';
import { directoryIndex } from '../model/site-host.ts';
import type { Fleet, User } from '../model/types.ts';
import { renderProfileBytes } from '../render/client/index.ts';
import type { CredentialStore } from '../secrets/index.ts';
import { PROFILE_FILES } from './deeplinks.ts';
import { profileOrder, rankNodes } from './health-order.ts';
import type { FileWriter } from './output.ts';
import { inactivePages, type PageCommon } from './pages.ts';
import { userPageFile } from './page-template.ts';
import { regionChoice, type StatusView } from './status-adapter.ts';

export interface FolderContext extends PageCommon {
  store: CredentialStore;
  now: Date;
  /** base_url without a trailing slash. */
  base: string;
  status?: StatusView;
}

export interface FolderResult {
  user: string;
  /** The page URL for an active user (what `fleet links` prints). */
  url?: string;
  /** Every token folder written for an active user (current, then grace). */
  tokens: string[];
}

export async function writeUserFolder(c: FolderContext, user: User, out: FileWriter): Promise<FolderResult> {
  const token = c.store.user(user.name, user.rev).token;
  const state = userState(user, c.now);
  if (state !== 'active') {
    out.writeAll([`s/${token}`], inactivePages(c, user, state));
    return { user: user.name, tokens: [] };
  }
  const ranked = rankNodes(c.fleet, user, c.status);
  // Users in a region where an inbound is blocked get the standby recovery promoted instead.
  const profiles = renderProfileBytes(c.fleet, user, c.store, c.now, profileOrder(ranked), regionChoice(c.status, user.region));
  if (!profiles) throw new Error(`renderProfileBytes gave no profile for active user ${user.name}`);
  const url = `${c.base}/s/${token}/`;
  // Make before break: during the grace period the previous token's folder gets the
  // same (new) files, so an app still holding the old URL learns the new credentials.
  const rev = graceRev(user, c.fleet, c.now);
  const tokens = [token, ...(rev === undefined ? [] : [c.store.user(user.name, rev).token])];
  // Four files: the three profiles apps fetch and one page (both languages, QR codes inline).
  out.writeAll(tokens.map((t) => `s/${t}`), [
    ...PROFILE_FILES.map((f) => [f, profiles[f]] as [string, Buffer]),
    userPageFile(c, user, url, ranked),
  ]);
  return { user: user.name, url: `${url}${directoryIndex(c.fleet.settings.site)}`, tokens };
}

/** The fleet as plain data a worker can receive (`where` is a function: rebuilt there). */
export function fleetData(fleet: Fleet): Omit<Fleet, 'where'> {
  return { root: fleet.root, settings: fleet.settings, nodes: fleet.nodes, users: fleet.users };
}
