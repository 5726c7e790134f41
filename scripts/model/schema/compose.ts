// node.schema.json is composed, not kept by hand where protocols are concerned: each
// protocol folder owns its inbound's schema fragment (scripts/protocols/<type>/schema.json)
// and this writes them into the node schema, in registry order, with the `type` enum and the
// if/then dispatch that ajv and editors read. Everything else in node.schema.json (ssh,
// tls, shared definitions) is edited in place; composing twice gives the same bytes.

export type JsonSchema = { [key: string]: unknown };

export interface Fragment {
  type: string;
  /** Where it lives, for the `$comment` that tells an editor of the node schema where to edit. */
  file: string;
  schema: JsonSchema;
}

/** What a fragment says about its protocol beyond the YAML shape (read by the model). */
export interface InboundFacts {
  /** Where its port listens: Shadowsocks on both TCP and UDP, QUIC protocols on UDP only. */
  transports: ('tcp' | 'udp')[];
  /** Needs the node's `tls:` block (its certificate); Reality brings its own handshake. */
  node_tls: boolean;
}

export const FACTS_KEY = 'x-boxfleet';
/** The TypeScript name a definition is emitted under (emit-types.ts). */
export const TS_NAME_KEY = 'x-ts';

export function inboundTypeName(type: string): string {
  return type.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('') + 'Inbound';
}

export function composeNodeSchema(node: JsonSchema, fragments: readonly Fragment[]): JsonSchema {
  const types = new Set(fragments.map((f) => f.type));
  const oldInbound = ((node.definitions as JsonSchema).inbound ?? {}) as JsonSchema;
  const kept = Object.entries(node.definitions as JsonSchema)
    .filter(([name, def]) => name !== 'inbound' && !types.has(name) && !isComposed(def));
  const inbound: JsonSchema = {
    $comment: 'composed from scripts/protocols/*/schema.json by `npm run schemas`; edit those',
    [TS_NAME_KEY]: 'Inbound',
    ...(oldInbound.description ? { description: oldInbound.description } : {}),
    type: 'object',
    required: ['type', 'port'],
    properties: { type: { enum: fragments.map((f) => f.type) } },
    allOf: fragments.map((f) => ({ if: { properties: { type: { const: f.type } } }, then: { $ref: `#/definitions/${f.type}` } })),
  };
  const composed = Object.fromEntries(fragments.map((f) => [f.type, {
    $comment: `composed from ${f.file} by \`npm run schemas\`; edit it there`,
    [TS_NAME_KEY]: inboundTypeName(f.type),
    ...f.schema,
  }]));
  return { ...node, definitions: { ...Object.fromEntries(kept), inbound, ...composed } };
}

function isComposed(def: unknown): boolean {
  const comment = (def as JsonSchema | undefined)?.$comment;
  return typeof comment === 'string' && comment.startsWith('composed from ');
}

/** The protocol facts of every inbound type, read back from a composed node schema. */
export function inboundFacts(node: JsonSchema): Map<string, InboundFacts> {
  const defs = node.definitions as Record<string, JsonSchema>;
  const types = ((defs.inbound!.properties as JsonSchema).type as { enum: string[] }).enum;
  return new Map(types.map((t) => [t, defs[t]![FACTS_KEY] as InboundFacts]));
}
