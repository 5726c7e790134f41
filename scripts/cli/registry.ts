// Every stage that offers commands; each folder's commands.ts exports `commands`.
// Listing the stages here (not the commands) lets stages grow without touching this file.
import type { Command } from './types.ts';

const STAGES = ['model', 'render', 'site', 'deploy', 'probe', 'alert', 'monitoring', 'github'] as const;

export async function loadCommands(): Promise<Command[]> {
  const all: Command[] = [];
  for (const stage of STAGES) {
    try {
      const mod = (await import(`../${stage}/commands.ts`)) as { commands?: Command[] };
      all.push(...(mod.commands ?? []));
    } catch (e) {
      // A stage that does not exist yet has no commands; any other failure is a bug.
      if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' || !String((e as Error).message).includes(`/${stage}/commands.ts`)) throw e;
    }
  }
  return all.sort((a, b) => a.name.localeCompare(b.name));
}

/** The longest command name that prefixes argv (`user rotate` before `user`). */
export function findCommand(commands: Command[], argv: string[]): { command?: Command; rest: string[] } {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const command = commands.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(words) };
  }
  return { rest: argv };
}
