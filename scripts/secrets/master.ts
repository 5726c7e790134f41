// Loading the master secret FLEET_SECRET: every credential of the fleet is derived from it,
// so this is the one place that decides which secrets are acceptable for which purpose.
import { inActions, maskValue } from './mask.ts';

/** Thrown for an unusable master secret. Messages never contain the secret itself. */
export class SecretError extends Error {
  override name = 'SecretError';
}

/** The environment variable that holds the master secret. */
export const SECRET_ENV = 'FLEET_SECRET';

/** Minimum length in UTF-8 bytes: 256 bits, the HMAC-SHA256 key size. */
export const MIN_SECRET_BYTES = 32;

/** The command the error messages suggest (48 random bytes → 64 base64 characters). */
export const GENERATE_HINT = 'openssl rand -base64 48';

/**
 * Public demo secret for local previews and tests. Anything derived from it is known to
 * everyone who can read this file, so it must never reach a node or a published site.
 */
export const DEMO_SECRET = 'boxfleet-demo-secret-not-for-production-use-0000';

/** What a caller prints to stderr when loadMasterSecret() returned the demo secret. */
export const DEMO_WARNING =
  `warning: ${SECRET_ENV} is not set (or is the demo secret); using the public DEMO secret. ` +
  `Every credential derived ` +
  `from it is public knowledge: fine for a local preview, never for a real fleet ` +
  `(deploy and publish refuse it). Set ${SECRET_ENV} to your fleet's secret (the one its nodes were deployed with: ` +
  `a new one gives every user new links); a new fleet makes one with: ${GENERATE_HINT}`;

export type SecretPurpose = 'preview' | 'publish';

export interface MasterSecret {
  /** UTF-8 bytes of the secret, used as the HMAC key. */
  readonly secret: Buffer;
  /** True when this is DEMO_SECRET (pages built with it must carry a demo banner). */
  readonly demo: boolean;
  /**
   * True in GitHub Actions: every credential derived from this secret is masked in the log
   * when first derived (openCredentialStore). The secret itself was masked on loading.
   */
  readonly mask?: boolean;
}

// Surrounding whitespace is dropped: a trailing newline from `openssl ... > file` or a
// copy-paste must not silently give different keys on different machines (that would lock
// every user out). The secret's inner bytes are used exactly as given.
function normalise(value: string | undefined): string {
  return (value ?? '').trim();
}

export function isDemoSecret(secret: Buffer | string): boolean {
  const text = typeof secret === 'string' ? normalise(secret) : secret.toString('utf8');
  return text === DEMO_SECRET;
}

/**
 * Reads FLEET_SECRET from `env`.
 * - 'preview': a missing (or empty) secret gives the demo secret with demo=true; the caller
 *   prints DEMO_WARNING to stderr.
 * - 'publish' (deploy and publish): a missing secret and the demo secret are refused.
 * - Any purpose: a secret shorter than 32 bytes is refused.
 */
export function loadMasterSecret(
  env: Readonly<Record<string, string | undefined>>,
  options: { purpose: SecretPurpose },
): MasterSecret {
  const { purpose } = options;
  if (purpose !== 'preview' && purpose !== 'publish') {
    throw new SecretError(`unknown secret purpose "${String(purpose)}" (expected preview or publish)`);
  }
  // GitHub Actions expands an undefined secret to "", so empty counts as missing.
  const text = normalise(env[SECRET_ENV]);
  if (text === '') {
    if (purpose === 'publish') {
      throw new SecretError(
        `${SECRET_ENV} is not set; deploy and publish need the fleet's real master secret. ` +
          `Set it as a GitHub Actions secret (or in your shell) to the one the fleet was deployed with (a new one ` +
          `gives every user new links); a new fleet makes one with: ${GENERATE_HINT}`,
      );
    }
    return { secret: Buffer.from(DEMO_SECRET, 'utf8'), demo: true, mask: inActions(env) };
  }
  const secret = Buffer.from(text, 'utf8');
  if (secret.length < MIN_SECRET_BYTES) {
    throw new SecretError(
      `${SECRET_ENV} is too short: ${secret.length} bytes, at least ${MIN_SECRET_BYTES} are required. ` +
        `Generate one with: ${GENERATE_HINT}`,
    );
  }
  const mask = inActions(env);
  if (mask) maskValue(text);
  const demo = isDemoSecret(text);
  if (demo && purpose === 'publish') {
    throw new SecretError(
      `${SECRET_ENV} is the public demo secret; deploy and publish refuse it because every ` +
        `credential derived from it is public. Generate a real one with: ${GENERATE_HINT}`,
    );
  }
  return { secret, demo, mask };
}
