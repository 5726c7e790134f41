// A strict, small argument parser: unknown options are usage errors (exit 2), never ignored.
import { UsageError, type ParsedArgs } from '../core/command.ts';
import { type Command, type OptionSpec } from './types.ts';

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: 'root', value: 'DIR', help: 'directory holding fleet.yaml, nodes/ and users/ (default: current directory)' },
  { name: 'now', value: 'ISO-TIME', help: 'the clock for expiry and grace periods, e.g. 2026-11-26T12:00:00Z (default: now)' },
  { name: 'help', help: 'show help for the command' },
];

export function parseArgs(argv: string[], command: Pick<Command, 'name' | 'options' | 'formats' | 'args'>): ParsedArgs {
  const specs = new Map<string, OptionSpec>();
  for (const s of [...GLOBAL_OPTIONS, ...command.options]) specs.set(s.name, s);
  if (command.formats && !specs.has('format')) specs.set('format', { name: 'format', value: command.formats.join('|'), help: 'output format' });
  const parsed: ParsedArgs = { positionals: [], options: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { parsed.positionals.push(...argv.slice(i + 1)); break; }
    // `-format json` would otherwise be two arguments that the command quietly ignores.
    if (/^-[^-]/.test(arg)) throw new UsageError(`unknown option ${arg}: options start with two dashes (${arg === '-h' ? '--help' : `-${arg}`})`);
    if (!arg.startsWith('--') || arg === '--') { parsed.positionals.push(arg); continue; }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs.get(name);
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (!spec.value) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      parsed.options[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value (${spec.value})`);
    if (spec.repeat) parsed.options[name] = [...((parsed.options[name] as string[]) ?? []), value];
    else parsed.options[name] = value;
  }
  if (!command.args && parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}": \`${command.name}\` takes options only`);
  if (command.formats) {
    const f = (parsed.options.format as string | undefined) ?? command.formats[0];
    if (!command.formats.includes(f as never)) throw new UsageError(`--format must be one of ${command.formats.join(', ')}, not "${f}"`);
    parsed.options.format = f;
  }
  return parsed;
}

/** Reads an integer option with bounds, as a usage error when it is not one. */
