// Which of a node's inbounds a user's subscription lists. Standby inbounds (`standby: true`)
// are deployed and probed but listed for no one, until recovery promotes one for the
// region a user is in; a published inbound recovery withdrew for a region is not listed
// for users there. Recovery (scripts/recovery/) decides; render and site apply it here.
import type { Node } from './types.ts';

/** For users in one region: "node/tag" keys withdrawn there, and standbys promoted there. */
export interface InboundChoice { withdrawn: ReadonlySet<string>; promoted: ReadonlySet<string> }

/** No recovery decision: the published inbounds, no standby. */
export const NO_CHOICE: InboundChoice = { withdrawn: new Set(), promoted: new Set() };

export const inboundKey = (node: string, tag: string): string => `${node}/${tag}`;

export function isPublished(choice: InboundChoice, node: string, inbound: { tag: string; standby?: boolean }): boolean {
  const key = inboundKey(node, inbound.tag);
  return (!inbound.standby || choice.promoted.has(key)) && !choice.withdrawn.has(key);
}

/** The node with only the inbounds a subscription lists (the same object when that is all of them). */
export function publishedNode(node: Node, choice: InboundChoice = NO_CHOICE): Node {
  const inbounds = node.inbounds.filter((i) => isPublished(choice, node.name, i));
  return inbounds.length === node.inbounds.length ? node : { ...node, inbounds };
}
