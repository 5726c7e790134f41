// `fleet monitoring`: render and write the monitoring host's files.
import { resolve } from 'node:path';
import { requireFleet } from '../model/require.ts';
import { EXIT, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { expectPositionals } from '../core/args.ts';
import { renderMonitoring } from './render.ts';
import { writeTree } from './write.ts';
import { checkOutputDir, markOutputDir } from '../files/output-dir.ts';

export async function runGenerate(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  expectPositionals(args, 0, 'no arguments');
  const fleet = requireFleet(ctx);
  const out = checkOutputDir(resolve(ctx.root, (args.options.out as string | undefined) ?? 'build/monitoring'), ctx.root);
  const files = renderMonitoring(fleet);
  writeTree(out, files);
  markOutputDir(out);
  ctx.io.out(`wrote ${files.size} files to ${out}`);
  return EXIT.ok;
}
