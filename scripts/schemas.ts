// `npm run schemas`: compose node.schema.json from the protocol folders' fragments and emit
// the model's TypeScript types from the schemas. `--check` writes nothing and exits 1 when a
// committed file differs from what the sources give (the test suite runs the same check).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { composeNodeSchema, type Fragment, type JsonSchema } from './model/schema/compose.ts';
import { emitTypes } from './model/schema/emit-types.ts';
import { PROTOCOLS } from './protocols/registry.ts';

const ROOT = join(import.meta.dirname, '..');
const SCHEMA_DIR = join(ROOT, 'scripts/model/schema');

export interface GeneratedFile { path: string; text: string }

const readJson = (path: string): JsonSchema => JSON.parse(readFileSync(path, 'utf8')) as JsonSchema;

/** Every generated file with the bytes its sources give today. */
export function generatedFiles(): GeneratedFile[] {
  const fragments: Fragment[] = Object.keys(PROTOCOLS).map((type) => {
    const file = `scripts/protocols/${type}/schema.json`;
    return { type, file, schema: readJson(join(ROOT, file)) };
  });
  const node = composeNodeSchema(readJson(join(SCHEMA_DIR, 'node.schema.json')), fragments);
  const files = ['fleet', 'node', 'user'].map((n) => ({
    name: `${n}.schema.json`,
    schema: n === 'node' ? node : readJson(join(SCHEMA_DIR, `${n}.schema.json`)),
  }));
  return [
    { path: join(SCHEMA_DIR, 'node.schema.json'), text: JSON.stringify(node, null, 2) + '\n' },
    { path: join(SCHEMA_DIR, 'types.generated.ts'), text: emitTypes(files) },
  ];
}

/** The generated files whose committed bytes differ from what their sources give. */
export function staleFiles(): string[] {
  return generatedFiles().filter((f) => {
    try { return readFileSync(f.path, 'utf8') !== f.text; } catch { return true; }
  }).map((f) => relative(ROOT, f.path));
}

function main(argv: string[]): number {
  if (argv.includes('--check')) {
    const stale = staleFiles();
    for (const f of stale) process.stderr.write(`${f}: out of date with its sources — run: npm run schemas\n`);
    return stale.length ? 1 : 0;
  }
  if (argv.length) { process.stderr.write('usage: npm run schemas [-- --check]\n'); return 2; }
  for (const f of generatedFiles()) writeFileSync(f.path, f.text);
  process.stdout.write('wrote scripts/model/schema/node.schema.json and types.generated.ts\n');
  return 0;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) process.exitCode = main(process.argv.slice(2));
