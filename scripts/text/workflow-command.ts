// GitHub workflow commands, made by @actions/core itself (its escaping of data and
// properties is the runner's contract), but returned as a line instead of printed: the
// commands print through their own output, which tests capture and `--format` chooses.
import type { AnnotationProperties } from '@actions/core';
import { actionsCore } from './actions-core.ts';
import { terminalText } from './escape.ts';

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Where { title?: string; file?: string; line?: number; col?: number }

/** What @actions/core writes to stdout while `fn` runs, instead of writing it. */
function capture(fn: () => void): string {
  let text = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => { text += String(chunk); return true; }) as typeof process.stdout.write;
  try { fn(); } finally { process.stdout.write = write; }
  return text.replace(/\r?\n$/, '');
}

/**
 * `::error title=…,file=…,line=…,col=…::message` for one annotation. The message is input
 * text: its control characters are made visible first, so it stays one line and inert.
 */
export function annotationLine(level: AnnotationLevel, message: string, where: Where = {}): string {
  // Only the properties given: core would otherwise write `::notice ::` for none.
  const all: AnnotationProperties = { title: where.title, file: where.file, startLine: where.line, startColumn: where.col };
  const props = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as AnnotationProperties;
  return capture(() => actionsCore()[level](terminalText(message), props));
}
