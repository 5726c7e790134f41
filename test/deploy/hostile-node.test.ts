// What a node says about itself is hostile input (#12 item 3): its status answer is
// checked field by field, and a bad answer becomes that node's error, never an exception
// that aborts a drift or deploy run; a marker it cannot vouch for counts as none.
import { beforeAll, describe, expect, it } from 'vitest';
import { parseNodeStatus } from '../../scripts/deploy/inputs.ts';
import { issueBody } from '../../scripts/alert/text.ts';
import { printReport, progressLine } from '../../scripts/deploy/report.ts';
import { loadActionsCore } from '../../scripts/text/actions-core.ts';

const HEX = 'a'.repeat(64);
const good = { config_sha256: HEX, singbox_version: '1.12.25', main_pid: 42, active: true, manager: 'pidfile', script_version: 3,
  marker: { config_sha256: HEX, singbox_version: '1.12.25', commit: 'abc123', deployed_at: '2026-06-01T00:00:00.000Z' } };

describe('a node\'s status answer', () => {
  it('is taken when it has the exact shape', () => {
    expect(parseNodeStatus(JSON.stringify(good))).toEqual(good);
  });

  const attacks: [string, unknown, RegExp][] = [
    ['config_sha256: 12345', { ...good, config_sha256: 12345 }, /config_sha256 must be 64 hex digits or null/],
    ['everything null', { config_sha256: null, singbox_version: null, main_pid: null, active: null, manager: null, marker: null, script_version: null }, /main_pid must be a whole number/],
    ['Markdown in the version', { ...good, singbox_version: '[Re-key now](https://attacker.example/fix)' }, /singbox_version must be a version/],
    ['an extra field', { ...good, note: '<img src=x>' }, /unexpected field "note"/],
    ['not an object', [1, 2], /not an object/],
  ];
  for (const [name, value, message] of attacks) {
    it(`refuses ${name} with a reason, as an error of that node`, () => {
      expect(() => parseNodeStatus(JSON.stringify(value))).toThrow(message);
    });
  }

  it('refuses what is not JSON or is huge', () => {
    expect(() => parseNodeStatus('{"config_sha256":')).toThrow(/not JSON/);
    expect(() => parseNodeStatus(`{"x":"${'a'.repeat(70_000)}"}`)).toThrow(/larger than 64 KiB/);
  });

  it('treats a marker it cannot vouch for as none', () => {
    expect(parseNodeStatus(JSON.stringify({ ...good, marker: { invalid: true } })).marker).toBeNull();
    expect(parseNodeStatus(JSON.stringify({ ...good, marker: { ...good.marker, commit: '`rm -rf`' } })).marker).toBeNull();
  });

  it('takes the status commit of the marker\'s quotas only as a commit id: it is handed to git', () => {
    const usage = { ...good.marker, usage_commit: 'b'.repeat(40) };
    expect(parseNodeStatus(JSON.stringify({ ...good, marker: usage })).marker).toEqual(usage);
    for (const bad of ['--output=/etc/passwd', 'HEAD~1', 'b'.repeat(39), 7]) {
      expect(parseNodeStatus(JSON.stringify({ ...good, marker: { ...good.marker, usage_commit: bad } })).marker, String(bad)).toBeNull();
    }
  });
});

describe('an incident issue quoting a probe\'s evidence', () => {
  it('shows certificate names as typed: no link, no mention, no HTML', () => {
    const detail = 'certificate is not valid for n.example (it names DNS:[Re-key now](https://attacker.example/fix), DNS:@org/team, DNS:<img src=x onerror=alert(1)>)';
    const view = { recovery: () => [], latest: () => ({ vantages: { github: { region: 'us', state: 'down', endpoints: [{ tag: 'trojan-443', type: 'trojan', ok: false, deepest: 'tcp', error: 'tls-error', detail }] } } }) };
    const state = { state: 'down', since: '2026-06-01T00:00:00Z' };
    const node = { name: 'n1', title: 'N1', region: 'eu' };
    // With alerts.show_addresses the names are shown, inert; without, they are not shown at all.
    const shown = issueBody({ kind: 'open', node, state, runs: 3 } as never, view as never, undefined, true);
    for (const raw of ['[Re-key now](', '@org', '<img', 'https://attacker']) expect(shown).not.toContain(raw);
    expect(shown).toContain('Re-key now');
    const hidden = issueBody({ kind: 'open', node, state, runs: 3 } as never, view as never, undefined, false);
    expect(hidden).not.toContain('Re-key now');
    expect(hidden).toContain('DNS:&lt;name&gt;');
  });
});

describe('a deploy or drift report quoting what a node said', () => {
  // `--format github` writes workflow commands: the CLI loads @actions/core for it first.
  beforeAll(loadActionsCore);
  // What sing-box's stderr on a hostile node can carry into a detail line.
  const detail = 'sing-box check failed: @org/team ![x](https://attacker.example/p.png) <img src=x> \u001b[2J\r::warning file=x::owned';
  const rows = [{ node: 'n1', outcome: 'failed', detail, ms: 5 }];
  const print = (format: string): string => {
    const out: string[] = [];
    printReport({ io: { out: (t: string) => out.push(t), err: () => {} }, env: {} } as never, rows, { format, title: 'fleet drift', ms: 5 });
    return out.join('\n');
  };

  it('shows it inert in Markdown (the drift issue and job summary): no mention, image, link or HTML', () => {
    const md = print('md');
    for (const raw of ['@org', '![x](', 'https://attacker', '<img', '\u001b']) expect(md).not.toContain(raw);
    expect(md).toContain('org/team');
  });

  it('never lets it start a line or move the cursor in a terminal or an Actions log', () => {
    for (const format of ['text', 'github']) {
      const out = print(format);
      expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
      expect(out.split('\n').filter((l) => l.startsWith('::warning'))).toEqual([]);
    }
    expect(progressLine(rows[0]!)).not.toMatch(/[\r\u001b]/);
  });
});
