// `fleet --help` and `fleet <command> --help`: every option, with an example.
import { GLOBAL_OPTIONS } from './args.ts';
import type { Command, OptionSpec } from './types.ts';

export function mainHelp(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  return [
    'fleet — run a sing-box proxy fleet from a Git repository',
    '',
    'Usage: npm run fleet -- <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Exit codes: 0 success; 1 invalid input or failed operation; 2 usage error;',
    '3 the command ran and found something to report (drift, unhealthy nodes).',
    'Run `npm run fleet -- <command> --help` for a command\'s options and examples.',
  ].join('\n');
}

export function commandHelp(c: Command): string {
  const opts = [...c.options];
  if (c.formats && !opts.some((o) => o.name === 'format')) {
    opts.push({ name: 'format', value: c.formats.join('|'), help: `output format (default: ${c.formats[0]})` });
  }
  return [
    `Usage: npm run fleet -- ${c.name}${c.args ? ` ${c.args}` : ''}${opts.length ? ' [options]' : ''}`,
    '',
    c.summary,
    ...(c.details ? ['', c.details] : []),
    ...(opts.length ? ['', 'Options:', ...optionLines(opts)] : []),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Examples:',
    ...c.examples.map((e) => `  ${e}`),
  ].join('\n');
}

function optionLines(options: OptionSpec[]): string[] {
  const shown = options.map((o) => `--${o.name}${o.value ? ` ${o.value}` : ''}`);
  const width = Math.max(...shown.map((s) => s.length));
  return options.map((o, i) => `  ${shown[i].padEnd(width)}  ${o.help}`);
}
