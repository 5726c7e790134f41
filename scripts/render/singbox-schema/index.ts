// validateSingBoxConfig: the strict schema of the sing-box subset boxfleet emits (server
// and client side) plus the checks a schema cannot express. Returns readable messages,
// `<JSON pointer>: <problem>`, and an empty list for a valid config.
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { extraChecks } from './checks.ts';
import { singBoxSchema } from './top.ts';

export { singBoxSchema } from './top.ts';
export { extraChecks } from './checks.ts';

// ajv is CommonJS; under NodeNext its default export is the module object.
const Ajv = AjvModule as unknown as typeof AjvModule.default;

let compiled: ValidateFunction | undefined;

function validator() {
  // strictTypes/strictRequired off: the if/then selectors deliberately test `type` and
  // `action` without restating `type: object` and their properties.
  compiled ??= new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true }).compile(singBoxSchema);
  return compiled;
}

export function validateSingBoxConfig(config: unknown): string[] {
  const validate = validator();
  const schemaErrors = validate(config) ? [] : formatErrors(validate.errors ?? []);
  return [...new Set([...schemaErrors, ...extraChecks(config)])];
}

function formatErrors(errors: ErrorObject[]): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const at = e.instancePath || '/';
    // `if` failures and the inner errors of propertyNames/anyOf repeat what another
    // error already says more precisely.
    if (e.keyword === 'if' || e.schemaPath.includes('/propertyNames/')) continue;
    if (e.keyword === 'additionalProperties') out.push(`${at}: unknown key "${String(e.params.additionalProperty)}"`);
    else if (e.keyword === 'propertyNames') out.push(`${at}: key "${String(e.params.propertyName)}" is not allowed with this action`);
    else if (e.keyword === 'enum') out.push(`${at}: ${e.message} (${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`);
    else out.push(`${at}: ${e.message}`);
  }
  return out;
}
