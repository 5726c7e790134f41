// Where recovery stands: the decisions on the status branch folded, oldest first, into
// which inbound is withdrawn and which standby promoted, per region. The site reads the
// choice for a user's region; `fleet recovery` decides from it what changes next.
import { inboundKey, NO_CHOICE, type InboundChoice } from '../model/published.ts';
import type { RecoveryEvent } from '../status/types.ts';
import { byText } from '../core/order.ts';

export { inboundKey, isPublished, NO_CHOICE, type InboundChoice } from '../model/published.ts';

export interface Withdrawal { since: string; standby?: string }

export interface RecoveryState {
  /** region → "node/tag" → since when it is withdrawn there, and the standby in its place. */
  withdrawn: Map<string, Map<string, Withdrawal>>;
  /** region → "node/tag" of standbys published there. */
  promoted: Map<string, Set<string>>;
}


export function foldRecovery(events: readonly RecoveryEvent[]): RecoveryState {
  const state: RecoveryState = { withdrawn: new Map(), promoted: new Map() };
  const sorted = [...events].sort((a, b) => byText(a.t, b.t));
  for (const e of sorted) {
    if (e.action === 'hold') continue; // changes nothing: it says why
    const withdrawn = state.withdrawn.get(e.region) ?? new Map<string, Withdrawal>();
    const promoted = state.promoted.get(e.region) ?? new Set<string>();
    const key = inboundKey(e.node, e.inbound);
    if (e.action === 'withdraw') {
      withdrawn.set(key, { since: e.t, ...(e.standby ? { standby: e.standby } : {}) });
      if (e.standby) promoted.add(inboundKey(e.node, e.standby));
    } else if (e.action === 'restore') {
      const was = withdrawn.get(key);
      withdrawn.delete(key);
      const back = e.standby ?? was?.standby;
      if (back) promoted.delete(inboundKey(e.node, back));
    }
    state.withdrawn.set(e.region, withdrawn);
    state.promoted.set(e.region, promoted);
  }
  return state;
}

export function choiceFor(state: RecoveryState, region: string | undefined): InboundChoice {
  if (!region) return NO_CHOICE;
  return { withdrawn: new Set(state.withdrawn.get(region)?.keys() ?? []), promoted: new Set(state.promoted.get(region) ?? []) };
}
