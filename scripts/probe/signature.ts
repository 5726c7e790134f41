// Signed probe runs: a run names its vantage, and only that vantage's key (vantage.ts in
// secrets/) can make its MAC. The MAC covers the run's canonical JSON (keys sorted, no
// whitespace) without the signature itself, so the file's formatting does not matter but
// every value does. Admission also bounds the run's time, so a signed run cannot be
// post-dated (9999-12-31 would make every later real run "late") or replayed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ProbeRun } from './types.ts';

export const SIGNATURE_ALG = 'hmac-sha256-v1';

export interface RunSignature { alg: typeof SIGNATURE_ALG; mac: string }

/** A run is refused when it is dated further ahead of the merging job's clock than this. */
export const MAX_FUTURE_MS = 5 * 60_000;
/** ... or older than this. */
export const MAX_AGE_MS = 24 * 3600_000;

/** JSON with object keys sorted at every level: one text per value. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function macOf(run: object, keyHex: string): string {
  const { signature: _ignored, ...body } = run as { signature?: unknown };
  return createHmac('sha256', Buffer.from(keyHex, 'hex')).update(canonicalJson(body)).digest('hex');
}

/** The run with its signature (any old one replaced). */
export function signRun(run: ProbeRun, keyHex: string): ProbeRun {
  return { ...run, signature: { alg: SIGNATURE_ALG, mac: macOf(run, keyHex) } };
}

/**
 * Why `run` may not be merged now, or undefined when it may. The MAC is checked on
 * `signed`, the file as it arrived: the stored copy has over-long text cut, which must not
 * break the signature of an honest vantage.
 */
export function admissionProblem(run: ProbeRun, signed: unknown, keyHex: string, now: Date): string | undefined {
  const sig = run.signature;
  if (!sig) return `it is not signed (the vantage needs its key: \`npm run fleet -- probe vantage-key ${run.vantage.name}\` on your machine, stored as BOXFLEET_VANTAGE_KEY in the GitHub environment vantage-${run.vantage.name})`;
  if (sig.alg !== SIGNATURE_ALG) return `its signature algorithm "${sig.alg}" is not ${SIGNATURE_ALG}`;
  const want = Buffer.from(macOf(signed as object, keyHex), 'hex');
  const got = Buffer.from(sig.mac, 'hex');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return `its signature does not verify with the key of vantage "${run.vantage.name}" (forged, altered, or signed with another vantage's key)`;
  const t = Date.parse(run.time);
  if (t > now.getTime() + MAX_FUTURE_MS) return `it is dated ${run.time}, more than 5 minutes ahead of this job's clock (${now.toISOString()})`;
  if (t < now.getTime() - MAX_AGE_MS) return `it is dated ${run.time}, more than 24 hours before this job's clock (${now.toISOString()})`;
  return undefined;
}
