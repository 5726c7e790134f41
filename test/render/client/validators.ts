// Schema checks for rendered profiles: meta-json-schema for mihomo (draft-07), the
// community sing-box schema (draft 2020-12), and the project's strict sing-box schema
// once that module exists.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ROOT } from './fixture.ts';

const readJson = (p: string): any => JSON.parse(readFileSync(join(ROOT, 'node_modules', p), 'utf8'));

let mihomo: ((v: unknown) => string[]) | undefined;
export function mihomoErrors(value: unknown): string[] {
  if (!mihomo) {
    const ajv = new (Ajv as any).default({ allErrors: true, strict: false }) as import('ajv').default;
    (addFormats as any).default(ajv);
    const validate = ajv.compile(readJson('meta-json-schema/schemas/meta-json-schema.json'));
    mihomo = (v) => (validate(v) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
  }
  return mihomo(value);
}

let community: ((v: unknown) => string[]) | undefined;
/** @black-duty/sing-box-schema 1.12: structural only (README: editor hints, smoke tests). */
export function communitySingBoxErrors(value: unknown): string[] {
  if (!community) {
    const schema = readJson('@black-duty/sing-box-schema/schema.json');
    // Its non-standard `id` keyword breaks Ajv; drop it (but keep properties named id).
    const strip = (n: any, parentKey: string | null): void => {
      if (Array.isArray(n)) { n.forEach((x) => strip(x, null)); return; }
      if (n && typeof n === 'object') {
        if (parentKey !== 'properties' && typeof n.id === 'string') delete n.id;
        for (const [k, v] of Object.entries(n)) strip(v, k);
      }
    };
    strip(schema, null);
    const ajv = new (Ajv2020 as any).default({ allErrors: true, strict: false }) as import('ajv').default;
    (addFormats as any).default(ajv);
    const validate = ajv.compile(schema);
    community = (v) => (validate(v) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
  }
  return community(value);
}

/** The project's strict schema (scripts/render/singbox-schema), or undefined until it exists. */
export async function projectSingBoxValidator(): Promise<((v: unknown) => string[]) | undefined> {
  const file = join(ROOT, 'scripts', 'render', 'singbox-schema', 'index.ts');
  if (!existsSync(file)) return undefined;
  const mod = await import(pathToFileURL(file).href);
  return typeof mod.validateSingBoxConfig === 'function' ? mod.validateSingBoxConfig : undefined;
}
