// Helpers every command uses: load the fleet or stop with positioned errors, get the
// secret the way the command's purpose allows, print diagnostics in the chosen format.
import { resolve } from 'node:path';
import { FleetInputError, errorsOf, formatDiagnostic, warningsOf, type Diagnostic } from '../model/diagnostics.ts';
import { loadFleet } from '../model/load.ts';
import type { Fleet } from '../model/types.ts';
import { CredentialStore, DEMO_WARNING, loadMasterSecret, type SecretPurpose } from '../secrets/index.ts';
import type { CommandContext } from './types.ts';

/** Loads the fleet; prints warnings to stderr; throws FleetInputError on errors. */
export function requireFleet(ctx: CommandContext, opts: { quiet?: boolean } = {}): Fleet {
  const result = loadFleet(resolve(ctx.root), ctx.now);
  if (!opts.quiet) for (const w of warningsOf(result.diagnostics)) ctx.io.err(formatDiagnostic(w));
  if (!result.fleet || errorsOf(result.diagnostics).length > 0) throw new FleetInputError(errorsOf(result.diagnostics));
  return result.fleet;
}

export function printDiagnostics(ctx: CommandContext, list: Diagnostic[]): void {
  for (const d of list) ctx.io.err(formatDiagnostic(d));
}

/**
 * The credential store for a command: the master secret as the purpose allows (preview
 * may fall back to the demo secret, with a warning; publish refuses it), and in GitHub
 * Actions every derived value is masked in the log the moment it exists.
 */
export function openStore(ctx: CommandContext, fleet: Fleet, purpose: SecretPurpose): { store: CredentialStore; demo: boolean } {
  const master = loadMasterSecret(ctx.env, { purpose });
  if (master.demo) ctx.io.err(DEMO_WARNING);
  const inActions = ctx.env.GITHUB_ACTIONS === 'true';
  // The runner reads workflow commands from stderr as well as stdout; stderr keeps them
  // out of files a workflow step writes from a command's stdout.
  const onSecret = inActions ? (v: string) => process.stderr.write(`::add-mask::${v}\n`) : undefined;
  return { store: new CredentialStore(master.secret, fleet.settings.epoch, { onSecret }), demo: master.demo };
}
