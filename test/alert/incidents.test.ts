// `fleet incidents` end to end against the GitHub and Telegram stand-ins: thresholds, state
// changes, hysteresis, caps, maintenance, escaping and addresses (failures: channels.test.ts).
// Every run pins --now; the GitHub stand-in's clock follows it.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../scripts/fleet.ts';
import { incidentRecorded, recordIncidents } from '../../scripts/status/ops.ts';
import { useChannels } from './channels.ts';
import { at, fleetRoot, NODE_ADDRESS, probeRun, Store, tempDir } from './helpers.ts';

const ch = useChannels();

describe('fleet incidents', () => {
  it('waits for the threshold, opens one issue, comments a state change, closes after close_after with the duration', async () => {
    const root = fleetRoot();
    // A human's issue with our labels but no marker must be left alone.
    ch.gh.issues.push({ number: 1, title: 'tokyo-1 feels slow', body: 'from a user', state: 'open', labels: ['incident', 'node:tokyo-1'], comments: [], created_at: at(0), updated_at: at(0), closed_at: null });
    const s = new Store().add(probeRun('github', 'us', 0, { 'tokyo-1': 'up', 'singapore-1': 'up' }));
    expect((await ch.tick(root, s, 0)).code).toBe(0);

    s.add(probeRun('github', 'us', 15, { 'tokyo-1': 'down', 'singapore-1': 'up' }));
    let r = await ch.tick(root, s, 15);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/pending tokyo-1: down since .* \(1 run\(s\)\)/);
    s.add(probeRun('github', 'us', 30, { 'tokyo-1': 'down', 'singapore-1': 'up' }));
    r = await ch.tick(root, s, 30); // 2 runs but only 15 minutes of the 30m open_after
    expect(ch.ours()).toHaveLength(0);
    expect(ch.tg.messages).toHaveLength(0);

    s.add(probeRun('github', 'us', 45, { 'tokyo-1': 'down', 'singapore-1': 'up' }));
    r = await ch.tick(root, s, 45);
    expect(r.code).toBe(0);
    expect(ch.ours()).toHaveLength(1);
    const issue = ch.ours()[0]!;
    expect(issue.labels.sort()).toEqual(['incident', 'node:tokyo-1']);
    expect(issue.title).toBe('🛑 Tokyo 1 (tokyo-1) is down');
    expect(issue.body).toContain('<!-- boxfleet-incident node=tokyo-1 -->');
    expect(issue.body).toContain(`<!-- boxfleet-state {"state":"down","since":"${at(15)}","last_change":"${at(15)}"} -->`);
    expect(ch.tg.messages).toHaveLength(1);
    expect(ch.tg.messages[0]!).toMatchObject({ chat_id: '-1001234567890', parse_mode: 'HTML', token: 'tg-test-token' });
    expect(ch.tg.messages[0]!.text).toMatch(/Tokyo 1.*is down since/);
    expect(r.out).not.toContain('tg-test-token');

    // Still down: nothing new anywhere.
    s.add(probeRun('github', 'us', 60, { 'tokyo-1': 'down', 'singapore-1': 'up' }));
    await ch.tick(root, s, 60);
    expect(ch.ours()).toHaveLength(1);
    expect(issue.comments).toHaveLength(0);
    expect(ch.tg.messages).toHaveLength(1);

    // Healthy from us, failing from cn: blocked in cn → one comment, state block updated.
    s.add(probeRun('github', 'us', 75, { 'tokyo-1': 'up', 'singapore-1': 'up' }), probeRun('home-cn', 'cn', 75, { 'tokyo-1': 'down', 'singapore-1': 'up' }));
    r = await ch.tick(root, s, 75);
    expect(r.code).toBe(0);
    expect(issue.comments.map((c) => c.body)).toEqual([`State change: now **blocked in cn** (was down) since ${at(75)}.`]);
    expect(issue.body).toContain(`"state":"blocked","since":"${at(15)}","last_change":"${at(75)}","blocked_in":["cn"]`);
    expect(issue.title).toBe('🚧 Tokyo 1 (tokyo-1) is blocked in cn');
    expect(ch.tg.messages).toHaveLength(2);
    expect(ch.tg.messages[1]!.text).toMatch(/now blocked in cn \(was down\)/);

    // Recovered at 90; not closed until up for close_after (30m).
    s.add(probeRun('github', 'us', 90, { 'tokyo-1': 'up', 'singapore-1': 'up' }), probeRun('home-cn', 'cn', 90, { 'tokyo-1': 'up', 'singapore-1': 'up' }));
    await ch.tick(root, s, 90);
    s.add(probeRun('github', 'us', 105, { 'tokyo-1': 'up', 'singapore-1': 'up' }), probeRun('home-cn', 'cn', 105, { 'tokyo-1': 'up', 'singapore-1': 'up' }));
    await ch.tick(root, s, 105);
    expect(issue.state).toBe('open');
    s.add(probeRun('github', 'us', 120, { 'tokyo-1': 'up', 'singapore-1': 'up' }), probeRun('home-cn', 'cn', 120, { 'tokyo-1': 'up', 'singapore-1': 'up' }));
    r = await ch.tick(root, s, 120);
    expect(r.code).toBe(0);
    expect(issue.state).toBe('closed');
    expect(issue.comments.at(-1)!.body).toBe(`Resolved after 1h 15m: up since ${at(90)} (healthy for at least 30m).`);
    expect(ch.tg.messages).toHaveLength(3);
    expect(ch.tg.messages[2]!.text).toMatch(/resolved after 1h 15m/);
    expect(ch.gh.issues.find((i) => i.number === 1)).toMatchObject({ state: 'open', comments: [] });
    expect(ch.gh.issues).toHaveLength(2); // never deleted, nothing extra
  });

  it('--history records what GitHub did on the status branch; status pull brings it and the status page shows it', async () => {
    const root = fleetRoot();
    const branchRepo = join(tempDir(), 'status.git');
    execFileSync('git', ['init', '--quiet', '--bare', branchRepo]);
    const history = ['--history', '--repo', branchRepo, '--branch', 'fleet-status'];
    const s = new Store().add(probeRun('github', 'us', 0, { 'tokyo-1': 'up', 'singapore-1': 'up' }));
    for (const m of [15, 30, 45]) s.add(probeRun('github', 'us', m, { 'tokyo-1': 'down', 'singapore-1': 'up' }));
    expect((await ch.tick(root, s, 45, undefined, history)).out).toContain('history: 1 event(s) recorded on the status branch');
    s.add(probeRun('github', 'us', 75, { 'tokyo-1': 'up', 'singapore-1': 'up' }), probeRun('home-cn', 'cn', 75, { 'tokyo-1': 'down', 'singapore-1': 'up' }));
    await ch.tick(root, s, 75, undefined, history);
    for (const m of [90, 105, 120]) s.add(probeRun('github', 'us', m, { 'tokyo-1': 'up', 'singapore-1': 'up' }), probeRun('home-cn', 'cn', m, { 'tokyo-1': 'up', 'singapore-1': 'up' }));
    for (const m of [90, 105]) await ch.tick(root, s, m, undefined, history);
    const last = await ch.tick(root, s, 120, undefined, history);
    expect(last.code).toBe(0);
    const out = join(tempDir(), 'status');
    const pull = await main(['status', 'pull', '--out', out, '--repo', branchRepo, '--branch', 'fleet-status', '--root', root], { out: () => undefined, err: () => undefined }, { PATH: process.env.PATH });
    expect(pull).toBe(0);
    const month = JSON.parse(readFileSync(join(out, 'incidents', '2026-11.json'), 'utf8'));
    expect(month.events.map((e: { event: string; state?: string; blocked_in?: string[]; duration_ms?: number }) => [e.event, e.state ?? '', (e.blocked_in ?? []).join(','), e.duration_ms ?? 0]))
      .toEqual([['opened', 'down', '', 0], ['changed', 'blocked', 'cn', 0], ['resolved', '', '', 75 * 60_000]]);
    // A retried workflow records the same event again: it is not added twice.
    const again = await recordIncidents({ repo: branchRepo, branch: 'fleet-status', now: new Date(at(120)), config: [] }, [month.events[2]]);
    expect(again.added).toBe(0);
    // The page reads only the pulled store: no GitHub call.
    const site = join(tempDir(), 'site');
    const built = await main(['site', '--out', site, '--status', out, '--root', root, '--now', at(120)], { out: () => undefined, err: () => undefined }, { PATH: process.env.PATH });
    expect(built).toBe(0);
    const page = readFileSync(join(site, 'status', 'index.html'), 'utf8').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(page).toContain(`${at(120).slice(0, 16).replace('T', ' ')} UTC Tokyo 1 Resolved after 1 h 15 min`);
    expect(page).toContain('Tokyo 1 Now: blocked in Mainland China');
    expect(page).toContain('Tokyo 1 Began: down');
  });

  it('a node flapping down/up for 20 runs opens at most one issue and sends at most one message', async () => {
    const root = fleetRoot();
    const s = new Store();
    // Pure flapping from the start, then flapping inside an open incident.
    for (const start of [0, 400]) {
      if (start === 400) for (const m of [400, 415, 430, 445]) { s.add(probeRun('github', 'us', m, { 'tokyo-1': 'down' })); expect((await ch.tick(root, s, m)).code).toBe(0); }
      const base = start === 400 ? 460 : 0;
      for (let i = 0; i < 20; i++) {
        const m = base + i * 15;
        s.add(probeRun('github', 'us', m, { 'tokyo-1': i % 2 ? 'up' : 'down' }));
        expect((await ch.tick(root, s, m)).code).toBe(0);
      }
      if (start === 0) { expect(ch.ours()).toHaveLength(0); expect(ch.tg.messages).toHaveLength(0); }
    }
    expect(ch.ours()).toHaveLength(1);
    expect(ch.ours()[0]!.state).toBe('open');
    expect(ch.ours()[0]!.comments).toHaveLength(0);
    expect(ch.tg.messages).toHaveLength(1);
  });

  it('an incident opened twice for one node (a vantage merge and the schedule decided at once) is closed as a duplicate of the older', async () => {
    const root = fleetRoot();
    const s = new Store();
    for (const m of [0, 15, 30, 45]) { s.add(probeRun('github', 'us', m, { 'tokyo-1': 'down' })); expect((await ch.tick(root, s, m)).code).toBe(0); }
    expect(ch.ours()).toHaveLength(1);
    const kept = ch.ours()[0]!;
    // What the racing run opened: the same node, a later number.
    const twin: typeof kept = { ...kept, number: kept.number + 100, comments: [], labels: [...kept.labels] };
    ch.gh.issues.push(twin);
    s.add(probeRun('github', 'us', 60, { 'tokyo-1': 'down' }));
    const r = await ch.tick(root, s, 60);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`closed #${twin.number}, a duplicate of #${kept.number}`);
    expect(twin.state).toBe('closed');
    expect(twin.comments.map((c) => c.body)).toEqual([`Duplicate of #${kept.number}, which tracks this node (two probe runs decided at the same time). Closed by boxfleet.`]);
    expect(kept.state).toBe('open');
    expect(ch.gh.violations).toEqual([]);
  });

  it('two runs deciding at once (--history) announce the incident once: the step the other recorded first is not told again', async () => {
    const root = fleetRoot();
    const branchRepo = join(tempDir(), 'status.git');
    execFileSync('git', ['init', '--quiet', '--bare', branchRepo]);
    const history = ['--history', '--repo', branchRepo, '--branch', 'fleet-status'];
    const s = new Store();
    for (const m of [0, 15, 30]) {
      s.add(probeRun('github', 'us', m, { 'tokyo-1': m === 0 ? 'up' : 'down' }));
      expect((await ch.tick(root, s, m, undefined, history)).code).toBe(0);
    }
    expect(ch.ours()).toHaveLength(0);
    // The scheduled run opens the incident and tells the chat.
    s.add(probeRun('github', 'us', 45, { 'tokyo-1': 'down' }));
    const first = await ch.tick(root, s, 45, undefined, history);
    expect(first.code).toBe(0);
    expect(ch.ours()).toHaveLength(1);
    expect(ch.tg.messages).toHaveLength(1);
    // A vantage merge listed the issues a moment before that one existed: it opens its own.
    const kept = ch.ours()[0]!;
    const labels = kept.labels;
    kept.labels = []; // not in that run's listing
    const racing = await ch.tick(root, s, 46, undefined, history);
    kept.labels = labels;
    expect(racing.code).toBe(0);
    expect(ch.ours().map((i) => i.number)).toEqual([kept.number, kept.number + 1]);
    expect(racing.out).toContain('history: 0 event(s) recorded on the status branch (1 already recorded by another run, not announced again)');
    expect(ch.tg.messages).toHaveLength(1);
    // The next run closes the twin, quietly.
    s.add(probeRun('github', 'us', 60, { 'tokyo-1': 'down' }));
    expect((await ch.tick(root, s, 60, undefined, history)).code).toBe(0);
    expect(ch.ours().filter((i) => i.state === 'open').map((i) => i.number)).toEqual([kept.number]);
    expect(ch.tg.messages).toHaveLength(1);
  });

  it('two runs on either side of a month\'s end record the opening once, whichever records first', async () => {
    const opened = (t: string) => ({ t, node: 'tokyo-1', event: 'opened' as const, state: 'down' as const, since: '2026-12-31T23:15:00.000Z' });
    for (const [first, second] of [['2026-12-31T23:58:00.000Z', '2027-01-01T00:01:00.000Z'], ['2027-01-01T00:01:00.000Z', '2026-12-31T23:58:00.000Z']]) {
      const branchRepo = join(tempDir(), 'status.git');
      execFileSync('git', ['init', '--quiet', '--bare', branchRepo]);
      const ref = (t: string) => ({ repo: branchRepo, branch: 'fleet-status', now: new Date(t), config: [] });
      expect((await recordIncidents(ref(first!), [opened(first!)])).fresh).toEqual([true]);
      expect((await recordIncidents(ref(second!), [opened(second!)])).fresh).toEqual([false]);
    }
  });

  it('a step of an incident is recorded once, but a flap back and forth is each time a new step', () => {
    const S = at(15);
    const ev = (m: number, event: 'opened' | 'changed' | 'resolved', state?: 'down' | 'blocked', blocked_in?: string[]) =>
      ({ t: at(m), node: 'tokyo-1', event, since: S, ...(state ? { state } : {}), ...(blocked_in ? { blocked_in } : {}) });
    const told = [ev(45, 'opened', 'down'), ev(75, 'changed', 'blocked', ['cn'])];
    expect(incidentRecorded(told, ev(46, 'opened', 'down'))).toBe(true);
    expect(incidentRecorded(told, ev(76, 'changed', 'blocked', ['cn']))).toBe(true);
    expect(incidentRecorded(told, ev(76, 'changed', 'blocked', ['cn', 'ir']))).toBe(false);
    expect(incidentRecorded(told, ev(90, 'changed', 'down'))).toBe(false);
    told.push(ev(90, 'changed', 'down'));
    expect(incidentRecorded(told, ev(105, 'changed', 'blocked', ['cn']))).toBe(false);
    expect(incidentRecorded(told, ev(120, 'resolved'))).toBe(false);
    told.push(ev(120, 'resolved'));
    expect(incidentRecorded(told, ev(121, 'resolved'))).toBe(true);
    // The next incident of the node began later: its opening is new.
    expect(incidentRecorded(told, { ...ev(200, 'opened', 'down'), since: at(170) })).toBe(false);
    // A person closed the issue while the node was still down; a run half an hour later opens it again.
    expect(incidentRecorded(told, ev(75, 'opened', 'down'))).toBe(false);
    expect(incidentRecorded(told, ev(54, 'opened', 'down'))).toBe(true);
  });

  it('opens at most max_new_issues_per_run issues, longest-failing first; the rest wait for the next run', async () => {
    const root = fleetRoot([
      { file: 'fleet.yaml', path: ['probe', 'incident', 'max_new_issues_per_run'], value: 1 },
      { file: 'fleet.yaml', path: ['alerts', 'github_labels'], value: ['incident', 'probe'] },
    ]);
    const s = new Store();
    s.add(probeRun('github', 'us', 0, { 'tokyo-1': 'up', 'singapore-1': 'down', 'frankfurt-1': 'up' }));
    for (const m of [15, 30, 45]) s.add(probeRun('github', 'us', m, { 'tokyo-1': 'down', 'singapore-1': 'down', 'frankfurt-1': 'down' }));
    let r = await ch.tick(root, s, 45, ch.env(), ['--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { actions: { kind: string; node: string }[]; waiting: { node: string }[] };
    expect(report.actions).toMatchObject([{ kind: 'open', node: 'singapore-1' }]);
    expect(report.waiting.map((w) => w.node)).toEqual(['frankfurt-1', 'tokyo-1']);
    expect(ch.ours()).toHaveLength(1);
    expect(ch.tg.messages[0]!.text).toMatch(/2 more node\(s\) in trouble wait for the next run: frankfurt-1, tokyo-1/);
    // Labels: created when missing, once: incident, probe, node:singapore-1 now, node:frankfurt-1 next run.
    const created = () => ch.gh.requests.filter((q) => q.operationId === 'issues/create-label').length;
    expect(created()).toBe(3);
    r = await ch.tick(root, s, 45);
    expect(ch.ours()).toHaveLength(2);
    expect(ch.ours().map((i) => i.labels.sort())).toEqual([['incident', 'node:singapore-1', 'probe'], ['incident', 'node:frankfurt-1', 'probe']]);
    expect(r.out).toMatch(/waiting tokyo-1/);
    expect(created()).toBe(4);
  });

  it('a node under maintenance opens nothing; an open incident gets one comment, stays open, and is tracked again afterwards', async () => {
    const root = fleetRoot([{ file: 'nodes/tokyo-1.yaml', path: ['maintenance'], value: true }]);
    const s = new Store();
    for (const m of [0, 15, 30, 45]) s.add(probeRun('github', 'us', m, { 'tokyo-1': 'down', 'singapore-1': 'down' }));
    let r = await ch.tick(root, s, 45);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/quiet tokyo-1: in trouble but under maintenance/);
    expect(ch.ours().map((i) => i.title)).toEqual(['🛑 Singapore 1 (singapore-1) is down']);
    expect(ch.tg.messages).toHaveLength(1);
    expect(ch.tg.messages[0]!.text).not.toContain('tokyo-1');

    // singapore-1 goes into maintenance too, with its incident open, and recovers meanwhile.
    const both = fleetRoot([
      { file: 'nodes/tokyo-1.yaml', path: ['maintenance'], value: true },
      { file: 'nodes/singapore-1.yaml', path: ['maintenance'], value: true },
    ]);
    for (const m of [60, 75, 90, 105]) {
      s.add(probeRun('github', 'us', m, { 'tokyo-1': 'down', 'singapore-1': 'up' }));
      r = await ch.tick(both, s, m);
      expect(r.code).toBe(0);
    }
    const issue = ch.ours()[0]!;
    expect(ch.ours()).toHaveLength(1);
    expect(issue.state).toBe('open'); // up for 45m, but maintenance: a person decides
    expect(issue.comments.map((c) => c.body)).toHaveLength(1);
    expect(issue.comments[0]!.body).toMatch(/under maintenance/);
    expect(issue.body).toContain('"paused":"maintenance"');
    expect(ch.tg.messages).toHaveLength(1);

    // Maintenance over (back to the first fleet for singapore-1): tracked again, and up
    // long enough, so it closes in the same run.
    s.add(probeRun('github', 'us', 120, { 'tokyo-1': 'down', 'singapore-1': 'up' }));
    r = await ch.tick(root, s, 120);
    expect(r.code).toBe(0);
    expect(issue.comments.map((c) => c.body)).toEqual([
      expect.stringMatching(/under maintenance/), 'Maintenance is over: this incident is tracked again.',
      `Resolved after 1h: up since ${at(60)} (healthy for at least 30m).`,
    ]);
    expect(issue.state).toBe('closed');
    expect(ch.ours()).toHaveLength(1); // tokyo-1 is still under maintenance in both fleets
    expect(ch.tg.messages).toHaveLength(2);
  });

  it('keeps addresses out of issues and messages unless alerts.show_addresses', async () => {
    for (const show of [false, true]) {
      ch.gh.issues.length = 0;
      ch.tg.messages.length = 0;
      const root = fleetRoot([{ file: 'fleet.yaml', path: ['alerts', 'show_addresses'], value: show }]);
      const s = new Store();
      for (const m of [0, 15, 30]) s.add(probeRun('github', 'us', m, { 'tokyo-1': 'down' }));
      const r = await ch.tick(root, s, 30);
      expect(r.code).toBe(0);
      const everything = [...ch.ours().map((i) => i.title + i.body), ...ch.tg.messages.map((m) => m.text), r.out].join('\n');
      if (show) expect(ch.ours()[0]!.body).toContain(NODE_ADDRESS);
      else {
        expect(everything).not.toContain('203.0.113');
        expect(everything).not.toContain(':8443');
        expect(everything).not.toContain('8443'); // not even inside the endpoint tag vless-ws-8443
        expect(everything).not.toMatch(/example\.com/); // the node's TLS name and CDN host
        expect(ch.ours()[0]!.body).toContain('| github | us | down | vless-ws | refused after none: connect ECONNREFUSED &lt;address&gt; \\(sni &lt;address&gt;, via &lt;address&gt;\\) |');
      }
    }
  });

  it('escapes a title with <&> in Telegram HTML (the stand-in refuses unescaped text)', async () => {
    const root = fleetRoot([{ file: 'nodes/tokyo-1.yaml', path: ['title'], value: 'Tokyo <&> "1"' }]);
    const s = new Store();
    for (const m of [0, 15, 30]) s.add(probeRun('github', 'us', m, { 'tokyo-1': 'down' }));
    const r = await ch.tick(root, s, 30, { ...ch.env(), TELEGRAM_CHAT_ID: '@ops_channel' });
    expect(r.code).toBe(0);
    expect(ch.tg.messages).toHaveLength(1);
    expect(ch.tg.messages[0]!.chat_id).toBe('@ops_channel'); // the environment overrides fleet.yaml
    expect(ch.tg.messages[0]!.text).toContain('<b>Tokyo &lt;&amp;&gt; &quot;1&quot;</b> (tokyo-1)');
    // In the issue: the title is plain text; the body is Markdown, where <&> would be read as HTML.
    expect(ch.ours()[0]!.title).toBe('🛑 Tokyo <&> "1" (tokyo-1) is down');
    expect(ch.ours()[0]!.body).toContain('**Tokyo &#60;&#38;&#62; "1"**');
  });

  it('--dry-run makes no call; --format github writes a job summary; no token skips Telegram with a note', async () => {
    const root = fleetRoot();
    const s = new Store();
    for (const m of [0, 15, 30]) s.add(probeRun('github', 'us', m, { 'tokyo-1': 'down' }));
    let r = await ch.tick(root, s, 30, ch.env(), ['--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^would open tokyo-1 \(down\)$/m);
    expect(ch.gh.requests).toHaveLength(0);
    expect(ch.tg.messages).toHaveLength(0);

    const dir = tempDir();
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '');
    const { TELEGRAM_BOT_TOKEN: _t, ...noTelegram } = ch.env();
    r = await ch.tick(root, s, 30, { ...noTelegram, GITHUB_STEP_SUMMARY: summary }, ['--format', 'github']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/telegram: 0 message\(s\) \(skipped: TELEGRAM_BOT_TOKEN is not set\)/);
    expect(readFileSync(summary, 'utf8')).toMatch(/### Incidents[\s\S]*\| open \| tokyo-1 \| down \| https:\/\/github.com\/acme\/fleet\/issues\/1 \| ok \|/);
  });
});
