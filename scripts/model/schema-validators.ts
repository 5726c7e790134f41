// The three model validators (fleet, node, user), compiled by ajv. `npm run build` writes
// them once as standalone code (model-validators.cjs beside the bundle): compiling the schemas costs
// ~0.15 s on every run, most of a no-change deploy's start-up. The file names the SHA-256
// of the schema texts it was made from and is used only while they match, so a schema
// edited after the build is compiled at run time instead, never checked by stale code.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { projectPath } from '../core/paths.ts';

export type FileKind = 'fleet' | 'node' | 'user';

export const SCHEMA_FILES: Record<FileKind, string> = {
  fleet: 'scripts/model/schema/fleet.schema.json',
  node: 'scripts/model/schema/node.schema.json',
  user: 'scripts/model/schema/user.schema.json',
};

/** The file `npm run build` writes beside the bundle (.build/ unless --outdir says otherwise). */
export const PRECOMPILED = 'model-validators.cjs';

/** The ajv options the model is validated with, at run time and in the standalone file alike. */
const OPTIONS = { allErrors: true, verbose: true, useDefaults: true, strict: false } as const;

const KINDS: FileKind[] = ['fleet', 'node', 'user'];
const require = createRequire(import.meta.url);

function schemaTexts(): Record<FileKind, string> {
  return Object.fromEntries(KINDS.map((k) => [k, readFileSync(projectPath(SCHEMA_FILES[k]), 'utf8')])) as Record<FileKind, string>;
}

function digest(texts: Record<FileKind, string>): string {
  const h = createHash('sha256');
  for (const k of KINDS) h.update(`${k}\0${texts[k]}\0`);
  return h.digest('hex');
}

/** An ajv instance holding the three schemas (`source`: keeps the code for standalone output). */
function loadAjv(texts: Record<FileKind, string>, source: boolean) {
  // ajv itself is loaded only here: a run with current precompiled validators never needs it.
  const Ajv = require('ajv').default as typeof import('ajv').default;
  const ajv = new Ajv({ ...OPTIONS, ...(source ? { code: { source: true } } : {}) });
  const ids = {} as Record<FileKind, string>;
  for (const k of KINDS) {
    const schema = JSON.parse(texts[k]) as { $id: string };
    ajv.addSchema(schema);
    ids[k] = schema.$id;
  }
  return { ajv, ids };
}

/** Bundled, this module is in the build's folder; run through tsx, .build/ is looked at. */
const PLACES = [join(import.meta.dirname, PRECOMPILED), projectPath(join('.build', PRECOMPILED))];

/** The validators: precompiled when the build's file matches the schemas, else compiled now. */
export function modelValidators(places = PLACES): Record<FileKind, ValidateFunction> {
  const texts = schemaTexts();
  const file = places.find(existsSync);
  if (file) {
    const pre = require(file) as { schemaSha256: string } & Record<FileKind, ValidateFunction>;
    if (pre.schemaSha256 === digest(texts)) return { fleet: pre.fleet, node: pre.node, user: pre.user };
  }
  const { ajv, ids } = loadAjv(texts, false);
  return Object.fromEntries(KINDS.map((k) => [k, ajv.getSchema(ids[k])!])) as Record<FileKind, ValidateFunction>;
}

/** The standalone CommonJS module `npm run build` writes to PRECOMPILED. */
export function standaloneValidators(): string {
  const texts = schemaTexts();
  const { ajv, ids } = loadAjv(texts, true);
  const standaloneCode = require('ajv/dist/standalone').default as (a: unknown, refs: Record<string, string>) => string;
  const code = standaloneCode(ajv, Object.fromEntries(KINDS.map((k) => [k, ids[k]])));
  return `${code}\nexports.schemaSha256 = ${JSON.stringify(digest(texts))};\n`;
}
