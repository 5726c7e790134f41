// Runs a probe/status command the way `fleet` does (parseArgs, context, exit codes) without
// scripts/cli/registry.ts, whose template-literal dynamic import fails under vitest's
// module runner ("Unknown variable dynamic import: ../alert/commands.ts").
import { parseArgs } from '../../scripts/cli/args.ts';
import { EXIT, OperationError, UsageError, type CommandContext } from '../../scripts/cli/types.ts';
import { FleetInputError } from '../../scripts/model/diagnostics.ts';
import { parseNow } from '../../scripts/model/time.ts';
import { commands } from '../../scripts/probe/commands.ts';

export interface CliResult { code: number; out: string; err: string }

export async function cli(argv: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  let out = '';
  let err = '';
  const io = { out: (t: string) => { out += t + '\n'; }, err: (t: string) => { err += t + '\n'; } };
  const two = argv.slice(0, 2).join(' ');
  const command = commands.find((c) => c.name === two) ?? commands.find((c) => c.name === argv[0]);
  if (!command) throw new Error(`no command ${two}`);
  const rest = argv.slice(command.name.split(' ').length);
  try {
    const args = parseArgs(rest, command);
    const ctx: CommandContext = { root: (args.options.root as string) ?? process.cwd(), now: parseNow(args.options.now as string | undefined), env, io };
    return { code: await command.run(ctx, args), out, err };
  } catch (e) {
    io.err((e as Error).message);
    const code = e instanceof UsageError ? EXIT.usage : e instanceof OperationError || e instanceof FleetInputError || (e as Error).name === 'SecretError' ? EXIT.failed : -1;
    if (code === -1) throw e;
    return { code, out, err };
  }
}
