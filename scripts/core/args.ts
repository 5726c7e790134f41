// Reading parsed arguments in a command runner: whole numbers in a range, comma lists,
// positionals, each refused with a usage error that says what was expected.
import { UsageError, type ParsedArgs } from './command.ts';

export function intOption(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const raw = args.options[name];
  if (raw === undefined) return undefined;
  // Decimal digits only: Number() would also take 0x10, 1e1 and " 5 ".
  const n = /^-?[0-9]{1,15}$/.test(String(raw)) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${String(raw)}"`);
  return n;
}

/** `--nodes a,b` → ['a','b']; undefined when absent. */
export function listOption(args: ParsedArgs, name: string): string[] | undefined {
  const raw = args.options[name];
  if (raw === undefined) return undefined;
  const list = String(raw).split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError(`--${name} needs at least one name`);
  return list;
}

export function expectPositionals(args: ParsedArgs, count: number, what: string): string[] {
  if (args.positionals.length !== count) throw new UsageError(`expected ${what}, got ${args.positionals.length ? args.positionals.map((p) => `"${p}"`).join(' ') : 'nothing'}`);
  return args.positionals;
}
