// `fleet incidents` when a channel fails: GitHub 5xx and rate limits are retried, Telegram's
// 429 retry_after is honoured, and a channel that stays broken fails the run (exit 1)
// without keeping the other channel from doing its work.
import { describe, expect, it } from 'vitest';
import { useChannels } from './channels.ts';
import { at, fleetRoot, probeRun, Store } from './helpers.ts';

const ch = useChannels();

describe('fleet incidents: failing channels', () => {
  it('GitHub 500 is retried and a 403 rate limit waits for x-ratelimit-reset; nothing is duplicated', async () => {
    const root = fleetRoot();
    const s = new Store();
    for (const m of [0, 15, 30]) s.add(probeRun('github', 'us', m, { 'tokyo-1': 'down', 'singapore-1': m ? 'down' : 'up' }));
    ch.gh.failNext({ status: 500, message: 'Server Error' });
    let r = await ch.tick(root, s, 30);
    expect(r.code).toBe(0);
    expect(ch.ours().map((i) => i.labels.find((l) => l.startsWith('node:')))).toEqual(['node:tokyo-1']);
    expect(ch.gh.requests.filter((q) => q.operationId === 'issues/list-for-repo')).toHaveLength(2);

    s.add(probeRun('github', 'us', 45, { 'tokyo-1': 'down', 'singapore-1': 'down' }));
    const reset = String(Math.floor(Date.now() / 1000) + 1); // the throttling plugin reads it against the real clock
    ch.gh.failNext({ status: 403, message: 'API rate limit exceeded', headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } });
    r = await ch.tick(root, s, 45);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/rate limit/);
    expect(ch.ours()).toHaveLength(2);
    expect(ch.tg.messages).toHaveLength(2);
  });

  it('GitHub answering 500 past the bounded retries: Telegram still names the node, exit 1', async () => {
    const root = fleetRoot();
    const s = new Store();
    for (const m of [0, 15, 30]) s.add(probeRun('github', 'us', m, { 'tokyo-1': 'down' }));
    ch.gh.failNext({ status: 500, message: 'Server Error', times: 3 });
    const r = await ch.tick(root, s, 30);
    expect(r.code).toBe(1);
    expect(ch.gh.requests.filter((q) => q.operationId === 'issues/list-for-repo')).toHaveLength(3); // 1 + 2 retries, then give up
    expect(ch.ours()).toHaveLength(0);
    expect(ch.tg.messages).toHaveLength(1);
    expect(ch.tg.messages[0]!.text).toMatch(/is down since .*no issue written: GitHub failed[\s\S]*GitHub: listing open incidents failed: HTTP 500/);
    expect(r.out).toMatch(/github: FAILED/);
    expect(r.out).toMatch(/telegram: 1 message/);
  });

  it('GitHub refusing: Telegram still reports, exit 1; Telegram refusing: issues still written, exit 1', async () => {
    const root = fleetRoot();
    const s = new Store();
    for (const m of [0, 15, 30]) s.add(probeRun('github', 'us', m, { 'tokyo-1': 'down' }));
    ch.gh.failNext({ status: 401, message: 'Bad credentials' });
    let r = await ch.tick(root, s, 30);
    expect(r.code).toBe(1);
    expect(ch.ours()).toHaveLength(0);
    expect(ch.tg.messages).toHaveLength(1);
    expect(ch.tg.messages[0]!.text).toMatch(/GitHub: listing open incidents failed: HTTP 401/);
    expect(ch.tg.messages[0]!.text).toMatch(/<b>Tokyo 1<\/b> \(tokyo-1\) is down since .* \(no issue written: GitHub failed\)/);
    expect(r.out).toMatch(/github: FAILED/);

    ch.tg.failNext(429, 120); // longer than the wait limit: fail the channel, do not hold the runner
    r = await ch.tick(root, s, 30);
    expect(r.code).toBe(1);
    expect(ch.ours()).toHaveLength(1);
    expect(r.out).toMatch(/telegram: FAILED .*retry_after 120s exceeds/);
    expect(r.out).not.toContain('tg-test-token');
    expect(r.err).not.toContain('tg-test-token');
  });

  it('Telegram 429 waits retry_after, then delivers exactly one message', async () => {
    const root = fleetRoot();
    const s = new Store();
    for (const m of [0, 15, 30]) s.add(probeRun('github', 'us', m, { 'tokyo-1': 'down' }));
    ch.tg.failNext(429, 1);
    const r = await ch.tick(root, s, 30);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/telegram: HTTP 429: Too Many Requests: retry after 1; retrying in 1s/);
    expect(ch.tg.messages).toHaveLength(1);
    expect(ch.ours()).toHaveLength(1);
  });

});
