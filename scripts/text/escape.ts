// Text that came from input (a YAML key, a node's answer, a certificate's name) made inert
// for the sink it goes to. Each sink has its own dangers: a terminal runs escape sequences
// and a line that starts with `::` is a workflow command in an Actions log; Markdown
// renders links, images, HTML and @mentions.

/**
 * For terminals and logs: every control character (C0, DEL, C1) and line separator shown
 * as a visible escape, so input can neither start a new line nor move the cursor.
 */
export function terminalText(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** For one line of GitHub Markdown (a table cell, a list item): shown as typed, never rendered. */
export function markdownText(s: string): string {
  // Backslashes first, then entities: an entity's own `#` must not be escaped again.
  return terminalText(s)
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    // GitHub finds mentions in the rendered text, where an entity is an `@` again: a
    // zero-width space after it (as Renovate writes them) leaves no `@name` to find.
    .replace(/@/g, '@&#8203;')
    // GitHub turns bare URLs into links: break the patterns it looks for.
    .replace(/:\/\//g, '&#58;//')
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}&#46;`);
}

/** Input text cut to `max` characters (an ellipsis marks the cut), controls made visible. */
export function clipText(s: string, max: number): string {
  const t = terminalText(s);
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}
