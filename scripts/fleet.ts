// The `fleet` command line: parses arguments, finds the command, maps failures to the
// exit codes every command shares. All work happens in the stages.
import { resolve } from 'node:path';
import { parseNow } from './model/time.ts';
import { FleetInputError, formatDiagnostic } from './model/diagnostics.ts';
import { parseArgs } from './cli/args.ts';
import { commandHelp, mainHelp } from './cli/help.ts';
import { findCommand, loadCommands } from './cli/registry.ts';
import { EXIT, OperationError, UsageError, type CommandContext, type Io } from './core/command.ts';
import { SecretError } from './secrets/master.ts';
import { loadActionsCore, needsActionsCore } from './text/actions-core.ts';
import { terminalText } from './text/escape.ts';

export async function main(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const commands = await loadCommands();
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(mainHelp(commands));
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const { command, rest } = findCommand(commands, argv);
  if (!command) {
    io.err(`fleet: unknown command "${argv.slice(0, 2).join(' ')}" — run \`npm run fleet -- --help\` for the list`);
    return EXIT.usage;
  }
  try {
    const args = parseArgs(rest, command);
    if (args.options.help) { io.out(commandHelp(command)); return EXIT.ok; }
    // Masking and workflow commands need it; every other run starts 130 ms sooner without.
    if (needsActionsCore(env, args.options.format)) await loadActionsCore();
    const root = (args.options.root as string | undefined) ?? env.FLEET_ROOT ?? process.cwd();
    const ctx: CommandContext = {
      root,
      now: parseNowOption(args.options.now as string | undefined),
      env,
      io,
      // Commands that take --usage see the model with its quota state (#18).
      ...(typeof args.options.usage === 'string' ? await usageOption(resolve(root, args.options.usage), root) : {}),
    };
    return await command.run(ctx, args);
  } catch (e) {
    return reportFailure(e, command.name, io, env);
  }
}

/** `--usage DIR`: the bytes per period and the status commit they are from (the marker records it). */
async function usageOption(dir: string, root: string): Promise<Pick<CommandContext, 'usage' | 'usageCommit'>> {
  const { months, commit } = (await import('./usage/state.ts')).readUsageDir(dir, root);
  return { usage: months, ...(commit ? { usageCommit: commit } : {}) };
}

function parseNowOption(text: string | undefined): Date {
  try { return parseNow(text); } catch (e) { throw new UsageError((e as Error).message); }
}

function reportFailure(e: unknown, name: string, io: Io, env: NodeJS.ProcessEnv): number {
  if (e instanceof UsageError) {
    // A usage error echoes what was typed, which can come from a file a fork wrote (plan-comment's
    // PR number): one line, controls shown, so it cannot start a workflow command.
    io.err(`fleet ${name}: ${terminalText(e.message)}\nRun \`npm run fleet -- ${name} --help\` for usage.`);
    return EXIT.usage;
  }
  if (e instanceof FleetInputError) {
    for (const d of e.diagnostics) io.err(formatDiagnostic(d));
    io.err(`fleet ${name}: ${e.diagnostics.length} error${e.diagnostics.length === 1 ? '' : 's'}; nothing was changed`);
    return EXIT.failed;
  }
  const err = e as Error;
  const known = e instanceof OperationError || e instanceof SecretError;
  io.err(`fleet ${name}: ${known ? '' : 'failed: '}${err?.message ?? String(e)}`);
  if (!known && env.BOXFLEET_DEBUG) io.err(err?.stack ?? '');
  return EXIT.failed;
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/scripts\//, '/scripts/'));
if (isEntry) {
  const io: Io = { out: (t) => process.stdout.write(t + '\n'), err: (t) => process.stderr.write(t + '\n') };
  main(process.argv.slice(2), io).then((code) => { process.exitCode = code; });
}
