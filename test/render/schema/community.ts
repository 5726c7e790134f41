// @black-duty/sing-box-schema (community, targets 1.12) as a second opinion. Its file uses
// a non-standard `id` keyword that Ajv rejects, so those keys are stripped (but not
// properties literally named `id`), per reference §8.2.
// Known false negatives (it accepts what sing-box refuses): inbound `sniff`/legacy DNS
// `address`, REALITY key and short-id formats, SS-2022 key lengths; it also rejects the
// still-valid `block` outbound and only knows the object form of hysteria2 `masquerade`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);
const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

function strip(node: unknown, parentKey: string | null): void {
  if (Array.isArray(node)) { node.forEach((x) => strip(x, null)); return; }
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (parentKey !== 'properties' && typeof o.id === 'string') delete o.id;
    for (const [k, v] of Object.entries(o)) strip(v, k);
  }
}

let compiled: ValidateFunction | undefined;

export function communityValidate(config: unknown): string[] {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(require.resolve('@black-duty/sing-box-schema/schema.json'), 'utf8'));
    strip(schema, null);
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled(config) ? [] : (compiled.errors ?? []).map((e) => `${e.instancePath}: ${e.message}`);
}
