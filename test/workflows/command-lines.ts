// Finds every `npm run fleet -- …` command line in a workflow's run scripts or in the
// README, and turns it into argv the way the shell would (good enough for this purpose:
// quotes removed, `${VAR:+words}` expanded, expressions and $(…) replaced by a value).
export interface CommandLine { where: string; text: string; argv: string[] }

const START = /npm run (?:-s |--silent )?fleet -- /g;

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of text.matchAll(re)) tokens.push(m[1] ?? m[2] ?? m[3]);
  return tokens;
}

/** The argv after `npm run fleet --` on one logical line. */
export function argvOf(rest: string): string[] {
  const expanded = rest
    .replace(/\$\{\{[^}]*\}\}/g, 'X')             // ${{ expression }}
    .replace(/\$\([^)]*\)/g, 'X')                  // $(command)
    .replace(/\$\{\w+:\+([^}]*)\}/g, '$1');        // ${VAR:+words} → words
  // The command ends at a redirection, pipe, list operator or comment.
  const cut = expanded.split(/\s(?:\d?>>?|\||&&|;|#)\s?/)[0];
  return tokenize(cut);
}

export function linesOf(script: string, where: string): CommandLine[] {
  const joined = script.replace(/\\\r?\n\s*/g, ' ');
  const out: CommandLine[] = [];
  for (const line of joined.split('\n')) {
    for (const m of line.matchAll(START)) {
      const rest = line.slice(m.index! + m[0].length);
      out.push({ where, text: `npm run fleet -- ${rest.trim()}`, argv: argvOf(rest) });
    }
  }
  return out;
}

/** Command lines in fenced code blocks and inline code spans of a Markdown file. */
export function markdownLines(md: string, where: string): CommandLine[] {
  const out: CommandLine[] = [];
  for (const m of md.matchAll(/```[^\n]*\n([\s\S]*?)```/g)) out.push(...linesOf(m[1], where));
  const prose = md.replace(/```[\s\S]*?```/g, '');
  for (const m of prose.matchAll(/`([^`]+)`/g)) out.push(...linesOf(m[1].replace(/\s*\n\s*/g, ' '), where));
  return out;
}
