// The JSON Schemas are the contract; this turns ajv's findings into positioned,
// human sentences with a suggestion, and applies the schema's defaults.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { nearest, type Diagnostic } from './diagnostics.ts';
import { positionOf, type ParsedFile } from './parse.ts';
import { modelValidators, SCHEMA_FILES, type FileKind } from './schema-validators.ts';

export { SCHEMA_FILES, type FileKind };

let validators: Record<FileKind, ValidateFunction> | undefined;

/** Validates in place (defaults are filled in) and returns positioned diagnostics. */
export function validateAgainstSchema(kind: FileKind, parsed: ParsedFile): Diagnostic[] {
  validators ??= modelValidators();
  const validate = validators[kind];
  if (validate(parsed.value)) return [];
  const all = relevant(validate.errors ?? []);
  // Positions and suggestions cost a walk of the document per problem: a file with 90,000
  // unknown keys must not take minutes. Nobody reads past the first few anyway.
  const errors = all.slice(0, MAX_PROBLEMS_PER_FILE);
  const misspelt = misspeltRequired(errors);
  const out = errors
    .filter((e) => !(e.keyword === 'required' && misspelt.has(`${e.instancePath}|${(e.params as { missingProperty: string }).missingProperty}`)))
    .map((e) => toDiagnostic(parsed, e, misspelt));
  if (all.length > errors.length) {
    out.push({ severity: 'error', file: parsed.file, line: 1, col: 1, message: `and ${all.length - errors.length} more problem(s) in this file`, hint: 'fix the ones above and run validate again' });
  }
  return out;
}

/** The schema problems of one file that get a position and a suggestion. */
export const MAX_PROBLEMS_PER_FILE = 25;

/**
 * `handshak_server:` is reported twice by ajv: an unknown key and a missing required one.
 * Saying "did you mean `handshake_server`?" at the typo is the whole story, so the
 * required error of the suggested key is dropped. Keys: `<instancePath>|<required key>`.
 */
function misspeltRequired(errors: ErrorObject[]): Set<string> {
  const missing = new Set(errors.filter((e) => e.keyword === 'required')
    .map((e) => `${e.instancePath}|${(e.params as { missingProperty: string }).missingProperty}`));
  const out = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    const guess = nearest(String((e.params as { additionalProperty: string }).additionalProperty), allowed);
    if (guess && missing.has(`${e.instancePath}|${guess}`)) out.add(`${e.instancePath}|${guess}`);
  }
  return out;
}

/** ajv reports a failing `then` twice (the branch and "must match then"); keep the branch. */
function relevant(errors: ErrorObject[]): ErrorObject[] {
  const kept = errors.filter((e) => e.keyword !== 'if');
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function pathOf(instancePath: string): (string | number)[] {
  if (!instancePath) return [];
  return instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function label(path: (string | number)[]): string {
  if (path.length === 0) return 'the file';
  return '`' + path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[') + '`';
}

function describe(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text "${value.length > 40 ? value.slice(0, 37) + '...' : value}"`;
  return `${typeof value} ${String(value)}`;
}

function toDiagnostic(parsed: ParsedFile, e: ErrorObject, misspelt: Set<string>): Diagnostic {
  const path = pathOf(e.instancePath);
  const schema = (e.parentSchema ?? {}) as { description?: string; properties?: Record<string, unknown> };
  const base = { severity: 'error' as const, file: parsed.file };
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const pos = positionOf(parsed, [...path, key], 'key');
      const allowed = Object.keys(schema.properties ?? {});
      const guess = nearest(key, allowed);
      const where = path.length ? ` in ${label(path)}` : '';
      const required = guess && misspelt.has(`${e.instancePath}|${guess}`) ? ' (a required key)' : '';
      return { ...base, ...pos, message: `unknown key \`${key}\`${where}`, hint: guess ? `did you mean \`${guess}\`?${required}` : `allowed keys: ${allowed.join(', ')}` };
    }
    case 'required': {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      const pos = positionOf(parsed, path, 'value');
      return { ...base, ...pos, message: `missing required key \`${key}\`${path.length ? ` in ${label(path)}` : ''}`, hint: `add \`${key}:\`${hintFor(schema, key)}` };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const guess = typeof e.data === 'string' ? nearest(e.data, allowed) : undefined;
      return { ...base, ...positionOf(parsed, path), message: `${label(path)} is ${describe(e.data)}, which is not allowed`, hint: guess ? `did you mean \`${guess}\`?` : `use one of: ${allowed.join(', ')}` };
    }
    case 'const':
      return { ...base, ...positionOf(parsed, path), message: `${label(path)} is ${describe(e.data)}`, hint: `it must be \`${String((e.params as { allowedValue: unknown }).allowedValue)}\`` };
    case 'type': {
      const want = String((e.params as { type: string }).type);
      const hint = typeof e.data === 'string' && want === 'integer' && /^\d+$/.test(e.data) ? `write ${e.data} without quotes`
        : want === 'string' && (typeof e.data === 'number' || typeof e.data === 'boolean') ? 'put the value in quotes'
          : `write ${article(want)}`;
      return { ...base, ...positionOf(parsed, path), message: `${label(path)} must be ${article(want)}, found ${describe(e.data)}`, hint };
    }
    case 'pattern':
      return { ...base, ...positionOf(parsed, path), message: `${label(path)} has the wrong form: ${describe(e.data)}`, hint: (e.parentSchema as { description?: string } | undefined)?.description ?? `it must match ${String(e.schema)}` };
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum': {
      const p = e.params as { comparison: string; limit: number };
      return { ...base, ...positionOf(parsed, path), message: `${label(path)} is ${String(e.data)}, out of range`, hint: `it must be ${p.comparison} ${p.limit}` };
    }
    case 'minItems':
      return { ...base, ...positionOf(parsed, path), message: `${label(path)} is empty`, hint: `list at least ${(e.params as { limit: number }).limit} item(s)` };
    case 'uniqueItems':
      return { ...base, ...positionOf(parsed, path), message: `${label(path)} lists the same item twice`, hint: 'remove the duplicate' };
    case 'maxLength': case 'minLength':
      return { ...base, ...positionOf(parsed, path), message: `${label(path)} ${e.message}`, hint: 'shorten or fill in the text' };
    default:
      return { ...base, ...positionOf(parsed, path), message: `${label(path)} ${e.message ?? 'is invalid'}`, hint: schema.description ?? 'see the schema' };
  }
}

function article(type: string): string {
  const words: Record<string, string> = { integer: 'a whole number', number: 'a number', string: 'text', boolean: 'true or false', array: 'a list', object: 'a mapping (key: value lines)' };
  return words[type] ?? type;
}

function hintFor(schema: { properties?: Record<string, unknown> }, key: string): string {
  const p = schema.properties?.[key] as { description?: string } | undefined;
  return p?.description ? ` (${p.description})` : '';
}
