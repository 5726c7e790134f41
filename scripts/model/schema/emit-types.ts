// The TypeScript types of the model are emitted from the JSON Schemas, so one edit of a
// schema changes both and a test fails while the committed types lag behind. The types
// describe a file *after loading*: a property with a `default` (ajv fills it in) or marked
// `x-filled` (model/defaults.ts computes it) is always present.
//
// Only the schema vocabulary the three schemas use is understood; anything else throws, so
// a schema that grows a new keyword cannot silently emit a looser type.
import { TS_NAME_KEY, type JsonSchema } from './compose.ts';

export interface SchemaFile { name: string; schema: JsonSchema }

const HEADER = `// Generated from scripts/model/schema/*.schema.json by \`npm run schemas\`. Do not edit:
// change the schema (or scripts/protocols/<type>/schema.json) and run it again.
`;

const IGNORED = new Set(['$schema', '$id', '$comment', 'title', 'description', 'default', 'pattern', 'minimum', 'maximum',
  'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'propertyNames', 'x-boxfleet', 'x-filled', TS_NAME_KEY]);
const UNDERSTOOD = new Set([...IGNORED, '$ref', 'type', 'const', 'enum', 'items', 'properties', 'required',
  'additionalProperties', 'definitions', 'allOf', 'if', 'then']);

export function emitTypes(files: readonly SchemaFile[]): string {
  const byName = new Map(files.map((f) => [f.name, f.schema]));
  const declared = new Map<string, string>();
  const pending: { name: string; schema: JsonSchema; file: string }[] = [];
  // A union's `required` (type, port) holds in every branch: ajv checks it before the dispatch.
  const inherited = new Map<JsonSchema, string[]>();

  const resolve = (ref: string, file: string): { schema: JsonSchema; file: string } => {
    const [target, pointer] = ref.split('#');
    const owner = target ? target : file;
    let node: unknown = byName.get(owner);
    for (const part of (pointer ?? '').split('/').filter(Boolean)) node = (node as JsonSchema)?.[part];
    if (!node) throw new Error(`${file}: $ref ${ref} resolves to nothing`);
    return { schema: node as JsonSchema, file: owner };
  };

  const named = (s: JsonSchema, file: string): string => {
    const name = s[TS_NAME_KEY] as string;
    if (!declared.has(name)) { declared.set(name, ''); pending.push({ name, schema: s, file }); }
    return name;
  };

  const typeOf = (s: JsonSchema, file: string, indent: string, declaring = false): string => {
    for (const key of Object.keys(s)) if (!UNDERSTOOD.has(key)) throw new Error(`${file}: schema keyword "${key}" is not understood by emit-types.ts`);
    if (!declaring && typeof s[TS_NAME_KEY] === 'string') return named(s, file);
    if (typeof s.$ref === 'string') {
      const r = resolve(s.$ref, file);
      return typeOf(r.schema, r.file, indent);
    }
    if ('const' in s) return JSON.stringify(s.const);
    if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
    if (Array.isArray(s.allOf)) return unionOf(s, file);
    switch (s.type) {
      case 'string': return 'string';
      case 'integer': case 'number': return 'number';
      case 'boolean': return 'boolean';
      case 'array': return `${wrap(typeOf(s.items as JsonSchema, file, indent))}[]`;
      case 'object': return objectOf(s, file, indent);
      default:
        // A protocol fragment leaves `type: object` implicit.
        if (s.type === undefined && s.properties) return objectOf(s, file, indent); throw new Error(`${file}: a schema without a type this emitter knows: ${JSON.stringify(s).slice(0, 120)}`);
    }
  };

  // `allOf: [{ if: {type: const X}, then: {$ref} }, …]` is a union discriminated by `type`.
  const unionOf = (s: JsonSchema, file: string): string => (s.allOf as JsonSchema[]).map((branch) => {
    const then = branch.then as JsonSchema | undefined;
    if (!then || typeof then.$ref !== 'string') throw new Error(`${file}: allOf is understood only as if/then dispatch`);
    const target = resolve(then.$ref, file);
    inherited.set(target.schema, (s.required ?? []) as string[]);
    return typeOf(then, file, '');
  }).join(' | ');

  const objectOf = (s: JsonSchema, file: string, indent: string): string => {
    const props = (s.properties ?? {}) as Record<string, JsonSchema>;
    const extra = s.additionalProperties;
    if (!Object.keys(props).length && extra && typeof extra === 'object') return `Record<string, ${typeOf(extra as JsonSchema, file, indent)}>`;
    const required = new Set([...(inherited.get(s) ?? []), ...(s.required ?? []) as string[]]);
    const inner = indent + '  ';
    const lines = Object.entries(props).map(([key, p]) => {
      const present = required.has(key) || 'default' in p || p['x-filled'] === true;
      const doc = typeof p.description === 'string' ? `${inner}/** ${p.description.replaceAll('*/', '*\\/')} */\n` : '';
      return `${doc}${inner}${propertyKey(key)}${present ? '' : '?'}: ${typeOf(p, file, inner)};`;
    });
    return `{\n${lines.join('\n')}\n${indent}}`;
  };

  for (const f of files) named(f.schema, f.name);
  const out: string[] = [];
  for (let i = 0; i < pending.length; i++) {
    const { name, schema, file } = pending[i]!;
    const body = typeOf(schema, file, '', true);
    const doc = typeof schema.description === 'string' ? `/** ${schema.description} */\n` : '';
    out.push(body.startsWith('{') ? `${doc}export interface ${name} ${body}\n` : `${doc}export type ${name} = ${body};\n`);
  }
  return HEADER + '\n' + out.join('\n');
}

function propertyKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key);
}

function wrap(t: string): string {
  return t.includes('|') ? `(${t})` : t;
}
