// recovery.mode propose: a withdrawal with a standby in its place, as the change to the
// node's YAML that makes it permanent for everyone — the standby published, the blocked
// inbound kept deployed as a standby — edited with its comments kept, like `fleet` edits.
// Pure: text in, text out; opening it as a pull request is scripts/github/recovery-pr.ts.
import { isMap, isSeq, parseDocument } from 'yaml';
import { documentText } from '../model/edit.ts';
import type { Fleet } from '../model/types.ts';
import type { RecoveryEvent } from '../status/types.ts';

export interface Proposal {
  node: string;
  /** nodes/<node>.yaml */
  file: string;
  /** The branch the change is pushed to: one per node, inbound and standby, so a flapping block proposes once. */
  branch: string;
  title: string;
  body: string;
  /** The file's new text. */
  text: string;
}

const TAG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/**
 * The proposal for a withdraw-with-standby event, or undefined when there is none to make
 * (not such an event, names that are not plain tags, inbounds the file no longer has, or a
 * file that already says it).
 */
export function proposalFor(fleet: Pick<Fleet, 'nodes'>, e: RecoveryEvent, fileText: string): Proposal | undefined {
  // Every word of the event goes into a branch name, a title and Markdown: plain names only.
  const words = [e.node, e.inbound, e.standby ?? '', e.region, ...e.evidence.vantages];
  if (e.action !== 'withdraw' || !e.standby || !words.every((w) => TAG.test(w)) || !ISO.test(e.evidence.since) || !ISO.test(e.t)) return undefined;
  const node = fleet.nodes.find((n) => n.name === e.node);
  if (!node) return undefined;
  // The loaded node's inbounds are the file's, in its order: the tag names the index.
  const blocked = node.inbounds.findIndex((i) => i.tag === e.inbound);
  const standby = node.inbounds.findIndex((i) => i.tag === e.standby);
  if (blocked < 0 || standby < 0) return undefined;
  const doc = parseDocument(fileText, { version: '1.2' });
  const list = doc.get('inbounds');
  if (doc.errors.length > 0 || !isSeq(list)) return undefined;
  const [b, s] = [list.items[blocked], list.items[standby]];
  if (!isMap(b) || !isMap(s) || s.get('standby') !== true) return undefined;
  b.set('standby', true);
  s.delete('standby');
  const file = `nodes/${e.node}.yaml`;
  const kind = e.kind ? ` (${e.kind === 'server-name' ? 'server name' : e.kind === 'address' ? 'whole address' : e.kind})` : '';
  return {
    node: e.node, file,
    branch: `boxfleet/recovery/${e.node}/${e.inbound}-to-${e.standby}`,
    title: `recovery: publish ${e.standby} instead of ${e.inbound} on ${e.node} (blocked in ${e.region})`,
    body: [
      `\`${e.inbound}\` of \`${e.node}\` is blocked in ${e.region}${kind} since ${e.evidence.since}: ${e.evidence.runs} runs from ${e.evidence.vantages.join(', ')} failed it while vantages elsewhere reached it.`,
      '',
      `Recovery already withdrew it for users in ${e.region} and published the standby \`${e.standby}\` in its place (recorded on the status branch at ${e.t}).`,
      `Merging this makes that permanent for every user: \`${e.standby}\` is published, \`${e.inbound}\` stays deployed as a standby. Both are deployed already, so no node config changes: only subscriptions do, at the next publish.`,
      '',
      'Opened by `fleet github propose-recovery` (fleet.yaml `recovery.mode: propose`). Close it to keep the current YAML; no other pull request is opened for this change.',
    ].join('\n'),
    text: documentText(doc),
  };
}
