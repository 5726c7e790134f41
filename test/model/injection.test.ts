// Workflow-command and terminal injection through diagnostics (#12 item 6): a YAML key
// holding a newline and `::warning …`, escape sequences, HTML, a link and a mention. The
// plain lines (stderr), the annotations (stdout) and the job summary (Markdown) each show
// them as inert text.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { markdownText, terminalText } from '../../scripts/text/escape.ts';
import { cleanTemps, fleet, REPO, tempDir } from '../workflows/helpers.ts';

afterAll(() => cleanTemps());

const HOSTILE = [
  'name: zed',
  '"\\n::warning file=x::pwned": 1',
  '"\\e]0;owned\\a\\rOK <img src=x> @org/team [Re-key now](https://attacker.example/fix) www.evil.example": 2',
].join('\n') + '\n';

describe('diagnostics quoting hostile input', () => {
  it('--format github: no injected workflow command, no raw control character, an inert job summary', async () => {
    const root = tempDir('boxfleet-inject-');
    for (const p of ['fleet.yaml', 'nodes', 'users']) cpSync(join(REPO, p), join(root, p), { recursive: true });
    writeFileSync(join(root, 'users/zed.yaml'), HOSTILE);
    const summary = join(root, 'summary.md');
    writeFileSync(summary, '');
    const r = await fleet(['validate', '--format', 'github'], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary }, root);
    expect(r.code).toBe(1);
    for (const line of `${r.out}\n${r.err}`.split('\n')) {
      if (line.startsWith('::')) expect(line).toMatch(/^::error title=fleet validate,file=users\/zed\.yaml,line=[23],col=1::unknown key /);
    }
    expect(r.out + r.err).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(r.err).toContain('unknown key `\\n::warning file=x::pwned`');
    const md = readFileSync(summary, 'utf8');
    for (const raw of ['<img', '[Re-key now](', '@org', 'https://', 'www.evil']) expect(md).not.toContain(raw);
  });

  it('the escapes keep what was typed visible', () => {
    expect(terminalText('a\nb\r\u001b[31m\u2028')).toBe('a\\nb\\r\\u001b[31m\\u2028');
    expect(markdownText('<b>@x [y](https://z) | `c`')).toBe('&lt;b&gt;@&#8203;x \\[y\\]\\(https&#58;//z\\) \\| \\`c\\`');
  });
});
