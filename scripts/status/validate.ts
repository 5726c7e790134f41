// Schema validation of every status file, with errors that name the file and the field:
// a reader must never act on a half-written or hand-edited file without saying so.
import AjvModule, { type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { OperationError } from '../core/command.ts';
import { readProjectJson } from '../core/paths.ts';
import type { HistoryFile, IncidentsFile, LatestFile, ProbeRun, RecoveryFile, UsageFile } from './types.ts';

const Ajv = AjvModule as unknown as typeof AjvModule.default;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export type StatusKind = 'run' | 'latest' | 'history' | 'incidents' | 'recovery' | 'usage';

export const STATUS_SCHEMA_VERSION = 1;

/** A status file that is not what boxfleet writes: the operator's problem to see, not a crash. */
export class StatusFileError extends OperationError {
  constructor(readonly file: string, readonly problems: string[], readonly hint = READ_HINT) {
    super(`${file}: not a valid status file: ${problems.join('; ')} — ${hint}`);
    this.name = 'StatusFileError';
  }

  /** The same problems, with what would be right where the file came from elsewhere. */
  withHint(hint: string): StatusFileError {
    return new StatusFileError(this.file, this.problems, hint);
  }
}

/** A stored file boxfleet cannot read: never "delete it" (a usage month is the quota ledger). */
const READ_HINT = 'status files are written only by boxfleet\'s runs: if it was edited by hand or cut short, restore it from the status branch\'s history (git log -p on that branch)';
const NEWER_HINT = 'it was written by a newer boxfleet: update this repository\'s boxfleet (scripts/, package.json) to read it';

let validators: Record<StatusKind, ValidateFunction> | undefined;

function compile(): Record<StatusKind, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const run = readProjectJson('scripts/status/schema/run.schema.json') as { $id: string };
  const latest = readProjectJson('scripts/status/schema/latest.schema.json') as { $id: string };
  const history = readProjectJson('scripts/status/schema/history.schema.json') as { $id: string };
  const incidents = readProjectJson('scripts/status/schema/incidents.schema.json') as { $id: string };
  const recovery = readProjectJson('scripts/status/schema/recovery.schema.json') as { $id: string };
  const usage = readProjectJson('scripts/status/schema/usage.schema.json') as { $id: string };
  for (const s of [run, latest, history, incidents, recovery, usage]) ajv.addSchema(s);
  return {
    run: ajv.getSchema(run.$id)!, latest: ajv.getSchema(latest.$id)!, history: ajv.getSchema(history.$id)!,
    incidents: ajv.getSchema(incidents.$id)!, recovery: ajv.getSchema(recovery.$id)!, usage: ajv.getSchema(usage.$id)!,
  };
}

/** Throws StatusFileError unless `value` is a valid file of `kind`. */
export function validateStatus(kind: 'run', value: unknown, file: string): ProbeRun;
export function validateStatus(kind: 'latest', value: unknown, file: string): LatestFile;
export function validateStatus(kind: 'history', value: unknown, file: string): HistoryFile;
export function validateStatus(kind: 'incidents', value: unknown, file: string): IncidentsFile;
export function validateStatus(kind: 'recovery', value: unknown, file: string): RecoveryFile;
export function validateStatus(kind: 'usage', value: unknown, file: string): UsageFile;
export function validateStatus(kind: StatusKind, value: unknown, file: string): unknown {
  validators ??= compile();
  const v = value as { schema_version?: unknown } | null;
  if (v && typeof v === 'object' && v.schema_version !== undefined && v.schema_version !== STATUS_SCHEMA_VERSION) {
    const newer = typeof v.schema_version === 'number' && v.schema_version > STATUS_SCHEMA_VERSION;
    throw new StatusFileError(file, [`schema_version ${String(v.schema_version)} is not supported (this boxfleet reads ${STATUS_SCHEMA_VERSION})`], newer ? NEWER_HINT : READ_HINT);
  }
  const validate = validators[kind];
  if (!validate(value)) {
    const problems = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(top)'} ${e.message ?? 'is invalid'}`);
    throw new StatusFileError(file, problems);
  }
  return value;
}

/** JSON.parse with the file name in the error. */
export function parseStatusJson(text: string, file: string): unknown {
  try { return JSON.parse(text); } catch (e) { throw new StatusFileError(file, [`not JSON (${(e as Error).message})`]); }
}
