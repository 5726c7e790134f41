// Every stage that offers commands; each folder's commands.ts exports `commands`.
// Listing the stages here (not the commands) lets stages grow without touching this file.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from './types.ts';

const STAGES = ['model', 'render', 'site', 'deploy', 'probe', 'status', 'alert', 'monitoring', 'github'] as const;

export async function loadCommands(): Promise<Command[]> {
  const all: Command[] = [];
  for (const stage of STAGES) {
    // A stage that does not exist (yet) has no commands. Checking the file first keeps
    // the import a plain one that both Node and vitest's module runner resolve.
    const url = new URL(`../${stage}/commands.ts`, import.meta.url);
    if (!existsSync(fileURLToPath(url))) continue;
    const mod = (await import(/* @vite-ignore */ url.href)) as { commands?: Command[] };
    all.push(...(mod.commands ?? []));
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
