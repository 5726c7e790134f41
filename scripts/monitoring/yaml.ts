// Deterministic YAML: key order is the order the renderers build objects in, no line
// folding (long PromQL stays on one line, diffs stay readable), a comment header.
import { stringify } from 'yaml';

export function toYaml(value: unknown, header?: string): string {
  const body = stringify(value, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
  return (header ? comment(header) : '') + body;
}

/** "# " before every line of text. */
export function comment(text: string): string {
  return text.split('\n').map((l) => (l ? `# ${l}` : '#')).join('\n') + '\n';
}

/** JSON with sorted-as-built keys and a final newline (file_sd, dashboards). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
