// The plan of a change as data: what `--format json` prints and the text and Markdown
// formatters read. Names, ports, types and field paths only — never a credential.

export interface InboundChange {
  change: 'added' | 'removed' | 'changed';
  tag: string;
  type: string;
  port: number;
  /** Human lines: `port 443 → 8443`, `tls.server_name: a → b`, `tls.reality.private_key changed`. */
  details: string[];
}

export interface NodeChange {
  node: string;
  change: 'added' | 'removed' | 'changed';
  /** Why a node appears or disappears: new file, removed file, enabled, disabled, keys. */
  reason?: string;
  usersAdded: string[];
  usersRemoved: string[];
  /** Users present on both sides whose credentials on this node differ. */
  usersRotated: string[];
  /** Previous credentials accepted (grace period started) or dropped. */
  graceAdded: string[];
  graceRemoved: string[];
  inbounds: InboundChange[];
  /** Changes outside inbounds and user lists, as field paths. */
  other: string[];
}

export interface UserChange {
  user: string;
  /** `new user`, `removed`, `disabled`, `rotated (rev 1 → 2, routine: ...)`, `revoked ...`, `expired` ... */
  changes: string[];
  gains: string[];
  loses: string[];
}

export interface Plan {
  base: { ref: string; commit?: string; valid: boolean; problems: string[] };
  head: string;
  now: string;
  nodes: NodeChange[];
  users: UserChange[];
  unchangedNodes: string[];
}
