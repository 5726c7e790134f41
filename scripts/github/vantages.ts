// `fleet github vantages`: the self-hosted vantages of fleet.yaml, for the matrix of
// probe-vantage.yml (one job per vantage, each in its own GitHub environment
// `vantage-<name>` that holds only that vantage's signing key).
import { requireFleet } from '../model/require.ts';
import { EXIT, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { setOutput } from './summary.ts';

export async function runVantages(ctx: CommandContext, _args: ParsedArgs): Promise<number> {
  const names = requireFleet(ctx, { quiet: true }).settings.probe.vantages.filter((v) => v.self_hosted).map((v) => v.name);
  setOutput(ctx, 'matrix', JSON.stringify(names));
  setOutput(ctx, 'any', names.length ? 'true' : 'false');
  ctx.io.out(JSON.stringify(names));
  return EXIT.ok;
}
