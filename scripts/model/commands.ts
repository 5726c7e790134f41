// Commands of the model stage: checking and editing the fleet's YAML.
import type { Command } from '../cli/types.ts';

export const commands: Command[] = [
  {
    name: 'validate',
    summary: 'check fleet.yaml, nodes/ and users/ and report every problem with its file, line and column',
    options: [],
    formats: ['text', 'json', 'github'],
    examples: ['npm run fleet -- validate', 'npm run fleet -- validate --format github   # annotations + job summary in Actions'],
    details: 'Exits 1 when there is an error, 0 otherwise (warnings are printed but do not fail).',
    run: async (ctx, args) => (await import('./validate.ts')).runValidate(ctx, args),
  },
];
