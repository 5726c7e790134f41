// @actions/core, loaded only when a run can need it. Importing it costs about 130 ms on
// this project's machines (its OIDC client pulls in an HTTP client and undici) — half of
// the CLI's start-up — yet only a run inside GitHub Actions (masking) or one that writes
// workflow commands (`--format github`) uses it. The CLI loads it before such a command
// runs (scripts/fleet.ts); using it without that is a programming error and says so,
// rather than printing a secret unmasked.
type ActionsCore = typeof import('@actions/core');

let core: ActionsCore | undefined;

export async function loadActionsCore(): Promise<void> {
  core ??= await import('@actions/core');
}

export function actionsCore(): ActionsCore {
  if (!core) throw new Error('internal error: @actions/core was used before loadActionsCore() loaded it');
  return core;
}

/** Whether a run with these arguments and environment needs @actions/core. */
export function needsActionsCore(env: Readonly<Record<string, string | undefined>>, format: unknown): boolean {
  return env.GITHUB_ACTIONS === 'true' || format === 'github';
}
