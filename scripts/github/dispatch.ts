// `fleet github dispatch`: starts another workflow. Events made with GITHUB_TOKEN start no
// workflow (so a push or an issue from a job would not), except workflow_dispatch and
// repository_dispatch, which is why deploy and probe start pages.yml this way.
import { expectPositionals } from '../core/args.ts';
import { EXIT, UsageError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import { apiFailure, githubClient } from './client.ts';
import { addSummary } from './summary.ts';

export function parseInputs(raw: string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const kv of raw) {
    const eq = kv.indexOf('=');
    const key = eq > 0 ? kv.slice(0, eq) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) throw new UsageError(`--input takes key=value, not "${kv}"`);
    if (key in inputs) throw new UsageError(`--input ${key} is given twice`);
    inputs[key] = kv.slice(eq + 1);
  }
  // The API accepts at most 25 inputs (the limit of workflow_dispatch inputs).
  if (Object.keys(inputs).length > 25) throw new UsageError('at most 25 --input values');
  return inputs;
}

export async function runDispatch(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const [workflow] = expectPositionals(args, 1, 'one workflow file name, e.g. pages.yml');
  if (!/^[A-Za-z0-9_.-]+\.ya?ml$/.test(workflow)) throw new UsageError(`"${workflow}" is not a workflow file name (e.g. pages.yml)`);
  const ref = (args.options.ref as string | undefined) ?? ctx.env.GITHUB_REF_NAME ?? 'main';
  const inputs = parseInputs((args.options.input as string[] | undefined) ?? []);
  const gh = githubClient(ctx);
  try {
    await gh.octokit.rest.actions.createWorkflowDispatch({
      owner: gh.owner, repo: gh.repo, workflow_id: workflow, ref,
      ...(Object.keys(inputs).length ? { inputs } : {}),
    });
  } catch (e) { throw apiFailure(`dispatching ${workflow} on ${ref}`, e); }
  const line = `dispatched ${workflow} on ${ref}${Object.keys(inputs).length ? ` with ${Object.keys(inputs).join(', ')}` : ''}`;
  ctx.io.out(line);
  addSummary(ctx, `### Dispatch\n\n${line}\n`);
  return EXIT.ok;
}
