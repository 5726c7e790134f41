// Every command of every stage: the lists in ./commands/ hold metadata and lazy imports of
// the runners only, so loading them all costs little and `fleet --help` stays fast.
import type { Command } from './types.ts';
import { commands as alert } from './commands/alert.ts';
import { commands as deploy } from './commands/deploy.ts';
import { commands as github } from './commands/github.ts';
import { commands as model } from './commands/model.ts';
import { commands as monitoring } from './commands/monitoring.ts';
import { commands as probe } from './commands/probe.ts';
import { commands as render } from './commands/render.ts';
import { commands as site } from './commands/site.ts';
import { commands as status } from './commands/status.ts';
import { commands as usage } from './commands/usage.ts';
import { byText } from '../core/order.ts';

export async function loadCommands(): Promise<Command[]> {
  return [model, render, site, deploy, probe, status, alert, usage, monitoring, github].flat().sort((a, b) => byText(a.name, b.name));
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
