// The model's types: the ones emitted from the three JSON Schemas (./schema/types.generated.ts,
// `npm run schemas`), plus what loading adds (inbound tags, the fleet's root and positions).
// Field names are the YAML keys, so an error message and the code use one word.

import type * as Schema from './schema/types.generated.ts';
import type { FleetSettings, User } from './schema/types.generated.ts';
import type { QuotaState } from './quota.ts';

export type { FleetSettings, NodeTls, S3Target, SshTarget, User, Vantage } from './schema/types.generated.ts';

export type InboundType = Schema.Inbound['type'];

/** An inbound as loaded: its stable tag `<type>-<port>` is unique per node (two of one type need two ports). */
export type Inbound = Schema.Inbound & { tag: string };

/** The inbound of one protocol, for the descriptor that owns it. */
export type InboundOf<T extends InboundType> = Extract<Inbound, { type: T }>;

export type Node = Omit<Schema.NodeFile, 'inbounds'> & { inbounds: Inbound[] };

/** Where a value came from, for messages that point into the YAML. */
export interface SourcePos { file: string; line: number; col: number }

export interface Fleet {
  root: string;
  settings: FleetSettings;
  /** Sorted by name: deterministic output starts here. */
  nodes: Node[];
  users: User[];
  /** Position of a YAML path like `nodes/tokyo-1.yaml#inbounds.0.port`, when known. */
  where(file: string, path?: (string | number)[]): SourcePos;
  /** Who used what this quota period, and who is over quota (only with `--usage DIR`). */
  quota?: QuotaState;
}
