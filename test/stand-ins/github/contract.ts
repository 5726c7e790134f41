// GitHub's REST contract, read from its own OpenAPI description (@octokit/openapi), so the
// stand-in server refuses every request the real API would refuse for its shape:
// unknown route or method, missing or mistyped parameters, a body that breaks the schema.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvModule from 'ajv';

const require = createRequire(import.meta.url);
const Ajv = AjvModule as unknown as typeof AjvModule.default;

interface Parameter { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema?: object; $ref?: string }
interface Operation { operationId: string; parameters?: Parameter[]; requestBody?: { required?: boolean; content: Record<string, { schema: object }> } }
interface Route { template: string; regex: RegExp; names: string[]; methods: Record<string, Operation> }

export interface ContractMatch { operationId: string; template: string; params: Record<string, string> }
export type ContractResult = { ok: true; match: ContractMatch } | { ok: false; status: number; violation: string };

let shared: Contract | undefined;

/** Loading and indexing the 13 MB description takes a moment: share one per process. */
export function githubContract(): Contract {
  shared ??= new Contract();
  return shared;
}

export class Contract {
  readonly #doc: { paths: Record<string, Record<string, Operation>>; components: { parameters: Record<string, Parameter> } };
  readonly #routes: Route[];
  readonly #ajv: InstanceType<typeof Ajv>;
  readonly #validators = new Map<string, (v: unknown) => boolean>();

  constructor() {
    const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
    this.#doc = JSON.parse(readFileSync(file, 'utf8'));
    dropUntypedNullable(this.#doc);
    this.#ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false, coerceTypes: false });
    // GitHub's own formats (owner/name, int64) constrain nothing ajv could check beyond the type.
    for (const f of ['repo.nwo', 'int64', 'int32']) this.#ajv.addFormat(f, true);
    this.#ajv.addSchema(this.#doc as object, 'gh');
    this.#routes = Object.entries(this.#doc.paths).map(([template, methods]) => {
      const names: string[] = [];
      const regex = new RegExp('^' + template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, n: string) => { names.push(n); return '([^/]+)'; }) + '$');
      return { template, regex, names, methods };
    });
  }

  check(method: string, url: URL, body: unknown): ContractResult {
    const m = method.toLowerCase();
    const candidates = this.#routes.map((r) => ({ r, hit: r.regex.exec(url.pathname) })).filter((x) => x.hit);
    if (candidates.length === 0) return { ok: false, status: 404, violation: `no such route: ${method} ${url.pathname}` };
    // Literal segments beat parameters: prefer the route with the fewest parameters.
    candidates.sort((a, b) => a.r.names.length - b.r.names.length);
    const found = candidates.find((c) => c.r.methods[m]);
    if (!found) return { ok: false, status: 404, violation: `${method} is not defined for ${candidates[0].r.template}` };
    const op = found.r.methods[m];
    const params: Record<string, string> = {};
    found.r.names.forEach((n, i) => { params[n] = decodeURIComponent(found.hit![i + 1]); });
    const paramError = this.#checkParams(op, params, url);
    if (paramError) return { ok: false, status: 422, violation: `${op.operationId}: ${paramError}` };
    const bodyError = this.#checkBody(found.r.template, m, op, body);
    if (bodyError) return { ok: false, status: 422, violation: `${op.operationId}: ${bodyError}` };
    return { ok: true, match: { operationId: op.operationId, template: found.r.template, params } };
  }

  #param(p: Parameter): Parameter {
    return p.$ref ? this.#doc.components.parameters[p.$ref.split('/').pop()!] : p;
  }

  #checkParams(op: Operation, path: Record<string, string>, url: URL): string | undefined {
    for (const raw of op.parameters ?? []) {
      const p = this.#param(raw);
      const value = p.in === 'path' ? path[p.name] : p.in === 'query' ? url.searchParams.get(p.name) ?? undefined : undefined;
      if (p.in === 'header') continue;
      if (value === undefined) { if (p.required) return `missing ${p.in} parameter ${p.name}`; continue; }
      const schema = p.schema as { type?: string; enum?: string[] } | undefined;
      if (schema?.type === 'integer' && !/^-?\d+$/.test(value)) return `${p.name} must be an integer, got "${value}"`;
      if (schema?.enum && !schema.enum.includes(value)) return `${p.name} must be one of ${schema.enum.join(', ')}, got "${value}"`;
    }
    const known = new Set((op.parameters ?? []).map((p) => this.#param(p).name));
    for (const key of url.searchParams.keys()) if (!known.has(key)) return `unknown query parameter ${key}`;
    return undefined;
  }

  #checkBody(template: string, method: string, op: Operation, body: unknown): string | undefined {
    const rb = op.requestBody;
    if (!rb) return body === undefined ? undefined : 'this operation takes no body';
    if (body === undefined) return rb.required ? 'a JSON body is required' : undefined;
    if (!rb.content['application/json']) return 'body is not accepted as JSON here';
    const key = `${template} ${method}`;
    let validate = this.#validators.get(key);
    if (!validate) {
      const pointer = ['paths', template, method, 'requestBody', 'content', 'application/json', 'schema']
        .map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
      const v = this.#ajv.compile({ $ref: `gh#/${pointer}` });
      validate = (x: unknown) => { const ok = v(x) as boolean; if (!ok) lastErrors = JSON.stringify(v.errors?.slice(0, 3)); return ok; };
      this.#validators.set(key, validate);
    }
    return validate(body) ? undefined : `body does not match the schema: ${lastErrors}`;
  }
}

let lastErrors = '';

/**
 * OpenAPI 3.0 allows `nullable` next to `allOf`/`$ref` without `type`; ajv refuses that.
 * Dropping it there only loosens the check for null values, never for anything else.
 */
function dropUntypedNullable(node: unknown): void {
  if (Array.isArray(node)) { for (const x of node) dropUntypedNullable(x); return; }
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if ('nullable' in o && !('type' in o)) delete o.nullable;
  for (const v of Object.values(o)) dropUntypedNullable(v);
}
