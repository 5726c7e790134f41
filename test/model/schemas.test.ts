// One contract (#13): node.schema.json is composed from the protocol folders' fragments and
// the model's TypeScript types are emitted from the schemas. A fragment or schema edited
// without `npm run schemas` fails here, and so does an emitter that drops a keyword.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeNodeSchema, inboundFacts } from '../../scripts/model/schema/compose.ts';
import { emitTypes } from '../../scripts/model/schema/emit-types.ts';
import { INBOUND_TYPES, needsNodeTls, transportOf, transportsOf } from '../../scripts/model/inbound-facts.ts';
import { PROTOCOLS } from '../../scripts/protocols/registry.ts';
import { generatedFiles, staleFiles } from '../../scripts/schemas.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('schemas and types from one source', () => {
  it('the committed node schema and types are what the fragments and schemas give', () => {
    expect(staleFiles()).toEqual([]);
  });

  it('npm run schemas -- --check passes on the committed tree', () => {
    const out = execFileSync('npx', ['tsx', 'scripts/schemas.ts', '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toBe('');
  });

  it('a fragment edit reaches both the node schema and the types', () => {
    const base = { definitions: { port: { type: 'integer' } }, properties: {} };
    const fragment = { 'x-boxfleet': { transports: ['udp'], node_tls: true }, additionalProperties: false,
      properties: { type: { const: 'wireguard' }, port: { $ref: '#/definitions/port' }, mtu: { type: 'integer', default: 1420 }, peer: { type: 'string' } } };
    const node = composeNodeSchema({ ...base, 'x-ts': 'NodeFile' }, [{ type: 'wireguard', file: 'x/schema.json', schema: fragment }]);
    expect((node.definitions as any).inbound.properties.type.enum).toEqual(['wireguard']);
    expect(inboundFacts(node).get('wireguard')).toEqual({ transports: ['udp'], node_tls: true });
    const ts = emitTypes([{ name: 'node.schema.json', schema: { ...node, properties: { inbounds: { type: 'array', items: { $ref: '#/definitions/inbound' } } } } }]);
    // A default means "present after loading"; the union's `required` holds in its branch.
    expect(ts).toContain('export interface WireguardInbound {\n  type: "wireguard";\n  port: number;\n  mtu: number;\n  peer?: string;\n}');
    expect(ts).toContain('export type Inbound = WireguardInbound;');
  });

  it('a keyword the emitter does not understand is an error, not a looser type', () => {
    expect(() => emitTypes([{ name: 'x.schema.json', schema: { 'x-ts': 'X', type: 'object', properties: { a: { oneOf: [{ type: 'string' }] } } } }]))
      .toThrow(/"oneOf" is not understood/);
  });

  it('the model reads each protocol\'s port space and TLS need from its fragment, in registry order', () => {
    expect(INBOUND_TYPES).toEqual(Object.keys(PROTOCOLS));
    expect(INBOUND_TYPES.filter((t) => transportOf(t) === 'udp')).toEqual(['hysteria2', 'tuic']);
    expect(INBOUND_TYPES.filter((t) => transportsOf(t).length > 1)).toEqual(['shadowsocks']);
    expect(INBOUND_TYPES.filter((t) => !needsNodeTls(t))).toEqual(['vless-reality', 'shadowsocks']);
  });

  it('generates exactly the two files it claims', () => {
    expect(generatedFiles().map((f) => f.path.slice(ROOT.length + 1))).toEqual([
      'scripts/model/schema/node.schema.json', 'scripts/model/schema/types.generated.ts',
    ]);
  });
});
