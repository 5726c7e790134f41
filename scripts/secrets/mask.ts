// Masking in GitHub Actions: every secret value is handed to the runner's log masker
// (`::add-mask::`) the moment it exists, before anything could print it. This file and
// CredentialStore are the only ways secrets reach the runner; callers never mask by hand.
import { actionsCore } from '../text/actions-core.ts';

/** True when running as a GitHub Actions step (the runner sets GITHUB_ACTIONS=true). */
export function inActions(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/**
 * core.setSecret, with its command written to stderr instead of stdout. The runner reads
 * workflow commands from both; stdout of `plan` and `drift` is saved to a file that becomes
 * a pull-request comment or an issue, and a mask command there would carry the very value
 * it masks. setSecret escapes CR, LF and % so a multi-line PEM is masked whole.
 */
export function maskValue(value: string): void {
  if (value === '') return;
  const stdoutWrite = process.stdout.write;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    actionsCore().setSecret(value);
  } finally {
    process.stdout.write = stdoutWrite;
  }
}

/** Masks every string found under the given keys anywhere in `value` (manifests, targets). */
export function maskFields(value: unknown, keys: ReadonlySet<string>): void {
  const walk = (v: unknown, depth: number): void => {
    if (depth > 16 || v === null || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      if (typeof child === 'string' && keys.has(k)) maskValue(child);
      else walk(child, depth + 1);
    }
  };
  walk(value, 0);
}
