// Runs a `fleet` command in-process through the real entry point (argument parsing,
// command registry, exit codes), capturing what it prints.
import { main } from '../../scripts/fleet.ts';

export interface CliResult { code: number; out: string; err: string }

export async function cli(argv: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  let out = '';
  let err = '';
  const io = { out: (t: string) => { out += t + '\n'; }, err: (t: string) => { err += t + '\n'; } };
  const code = await main(argv, io, env);
  return { code, out, err };
}
