// The endpoints one user's profiles list: active users only, ordered nodes, names that
// people can tell apart. Every client format reads this one list, so sing-box, mihomo
// and share links always show the same proxies under the same names.
import { userState } from '../../model/access.ts';
import { NO_CHOICE, publishedNode, type InboundChoice } from '../../model/published.ts';
import type { Fleet, Node, User } from '../../model/types.ts';
import type { CredentialStore } from '../../secrets/index.ts';
import { endpointsOf, userIdentity, type Endpoint, type Identity } from '../endpoint.ts';
import { orderNodes, regionsInOrder } from './order.ts';

export class InactiveUserError extends Error {
  constructor(readonly user: string, readonly state: string) {
    super(`user \`${user}\` is ${state}: no profile is rendered`);
  }
}

/** Group and built-in names a proxy must never take (apps resolve names, not types). */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['proxy', 'auto', 'fallback', 'direct', 'DIRECT', 'REJECT', 'GLOBAL']);
export const autoGroupOf = (region: string): string => `auto · ${region}`;

/**
 * Endpoints for the user's current credentials. Throws InactiveUserError for disabled or
 * expired users.
 */
export function profileEndpoints(fleet: Fleet, user: User, store: CredentialStore, now: Date, order?: readonly string[], choice?: InboundChoice): Endpoint[] {
  const state = userState(user, now);
  if (state !== 'active') throw new InactiveUserError(user.name, state);
  return endpointsFor(profileNodes(fleet, user, order, choice), store, userIdentity(store, user.name, user.rev));
}

/**
 * The nodes a user's profile lists, in profile order, each with the inbounds listed for the
 * user (model/published.ts: no standby unless recovery promoted it for the user's region).
 * A self-signed node without its certificate yet is left out: clients could neither verify
 * nor pin it, and the server renderer refuses such a node anyway. So is a node left with no
 * inbound.
 */
export function profileNodes(fleet: Fleet, user: User, order?: readonly string[], choice: InboundChoice = NO_CHOICE): Node[] {
  return orderNodes(fleet, user, order)
    .filter((n) => n.tls?.mode !== 'self-signed' || n.tls.certificate)
    .map((n) => publishedNode(n, choice))
    .filter((n) => n.inbounds.length > 0);
}

/**
 * Endpoints of these (ordered) nodes for one identity. Labels depend on the nodes alone,
 * never on the identity: profile templates (template.ts) rely on that.
 */
export function endpointsFor(nodes: readonly Node[], store: CredentialStore, who: Identity): Endpoint[] {
  // Region group names are taken up front, so a node titled like one is renamed, not the group.
  const taken = new Set<string>([...RESERVED_NAMES, ...regionsInOrder(nodes).map(autoGroupOf)]);
  const out: Endpoint[] = [];
  for (const node of nodes) {
    for (const ep of endpointsOf(node, store, who)) {
      const label = uniqueName(ep.label, node.name, taken);
      out.push(label === ep.label ? ep : { ...ep, label });
    }
  }
  return out;
}

// Two nodes may share a title ("Tokyo"); the node name is unique, so it settles ties the
// same way on every render.
function uniqueName(label: string, nodeName: string, taken: Set<string>): string {
  let name = label;
  if (taken.has(name)) name = `${label} (${nodeName})`;
  for (let i = 2; taken.has(name); i++) name = `${label} (${nodeName}) ${i}`;
  taken.add(name);
  return name;
}
