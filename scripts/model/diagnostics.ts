// Every problem the loader finds becomes a Diagnostic: one line an operator can act on,
// `path:line:col: what is wrong — what would be right`, in the spirit of compilers.
import { terminalText } from '../text/escape.ts';
import { byText } from '../core/order.ts';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** Path relative to the fleet root, e.g. `nodes/tokyo-1.yaml`. */
  file: string;
  line: number;
  col: number;
  message: string;
  /** What would be right; joined with an em dash. */
  hint?: string;
  /**
   * Set when `file` is one a command (`node add`, `user add`) checked but did not write: the
   * text of the line the position points at, since the operator cannot open the file.
   */
  unwritten?: string;
}

/** One line for a terminal or log: whatever the message quotes from input cannot break out of it. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.col}`;
  // After the message: problem matchers read `file:line:col: message`.
  const unwritten = d.unwritten === undefined ? '' : ` (${d.file} was not written; that line would read \`${d.unwritten}\`)`;
  const tag = d.severity === 'warning' ? 'warning: ' : '';
  return terminalText(`${where}: ${tag}${d.message}${d.hint ? ` — ${d.hint}` : ''}${unwritten}`);
}

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) =>
    byText(a.file, b.file) || a.line - b.line || a.col - b.col || byText(a.message, b.message));
}

export const errorsOf = (list: Diagnostic[]) => list.filter((d) => d.severity === 'error');
export const warningsOf = (list: Diagnostic[]) => list.filter((d) => d.severity === 'warning');

/** Thrown by stages that meet invalid input; the CLI prints it and exits 1. */
export class FleetInputError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'FleetInputError';
  }
}

/** Nearest candidate by edit distance, for "did you mean `handshake_server`?". */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = editDistance(word.toLowerCase(), c.toLowerCase());
    if (score < bestScore) { best = c; bestScore = score; }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestScore <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
