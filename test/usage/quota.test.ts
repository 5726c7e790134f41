// #18 item 3 and 4, pure parts: the quota period (fleet.yaml usage.reset_day), who is over,
// what the plan says, what the page and the subscription-userinfo header show. The real
// server refusing a user over quota is test/usage/stats.test.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { statusPullCommand } from '../../scripts/status/store.ts';
import { main } from '../../scripts/fleet.ts';
import { quotaState, usagePeriod, withQuota, BYTES_PER_GB, type UsageMonths } from '../../scripts/model/quota.ts';
import { diffUsers } from '../../scripts/render/plan/users.ts';
import { userInfo } from '../../scripts/site/headers.ts';
import { userPages } from '../../scripts/site/user-page.ts';
import { rankNodes } from '../../scripts/site/health-order.ts';
import { loadTemplates } from '../../scripts/site/templates.ts';
import { load, makeFleet, NOW, removeAll, SECRET_A, tempDir } from '../site/helpers.ts';

const GiB = BYTES_PER_GB;

describe('the quota period', () => {
  it('runs from reset_day to reset_day (UTC), across the year, labelled by the month it starts in', () => {
    const p = (t: string, day: number) => { const x = usagePeriod(new Date(t), day); return [x.label, x.start.toISOString().slice(0, 10), x.end.toISOString().slice(0, 10)]; };
    expect(p('2026-12-03T10:00:00Z', 1)).toEqual(['2026-12', '2026-12-01', '2027-01-01']);
    expect(p('2026-12-03T10:00:00Z', 15)).toEqual(['2026-11', '2026-11-15', '2026-12-15']);
    expect(p('2026-12-15T00:00:00Z', 15)).toEqual(['2026-12', '2026-12-15', '2027-01-15']);
    expect(p('2027-01-02T00:00:00Z', 28)).toEqual(['2026-12', '2026-12-28', '2027-01-28']);
  });
});

describe('quotas', () => {
  const root = makeFleet(tempDir('quota-fleet'), { settings: { singbox: { version: '1.12.25', build: 'stats' } } });
  afterAll(() => removeAll(root));
  const fleet = load(root);
  const user = fleet.users.find((u) => u.quota_gb === 50)!;
  const months = (bytes: number): UsageMonths => new Map([['2026-11', { [user.name]: { up: Math.floor(bytes / 4), down: bytes - Math.floor(bytes / 4) } }]]);

  it('put a user at or past quota_gb (GiB, as apps are told the total) over, and nobody without a quota', () => {
    expect(quotaState(fleet.settings, fleet.users, months(50 * GiB - 1), NOW).over.size).toBe(0);
    expect([...quotaState(fleet.settings, fleet.users, months(50 * GiB), NOW).over]).toEqual([user.name]);
    const others = new Map([['2026-11', Object.fromEntries(fleet.users.filter((u) => u.quota_gb === undefined).map((u) => [u.name, { up: 10 ** 15, down: 0 }]))]]);
    expect(quotaState(fleet.settings, fleet.users, others, NOW).over.size).toBe(0);
    // Another period's bytes do not count.
    expect(quotaState(fleet.settings, fleet.users, new Map([['2026-10', { [user.name]: { up: 60 * GiB, down: 0 } }]]), NOW).over.size).toBe(0);
  });

  it('the plan gives "over quota" as the reason a user loses every node', () => {
    const head = withQuota(fleet, months(51 * GiB), NOW);
    const change = diffUsers(fleet, head, NOW).find((c) => c.user === user.name)!;
    expect(change.loses.length).toBeGreaterThan(0);
    expect(change.gains).toEqual([]);
    expect(change.changes.join('; ')).toMatch(/over quota \(51\.00 of 50 GB used since 2026-11-01\): off every node until 2026-12-01/);
  });

  it('the header carries what was counted, and no usage where nothing was', () => {
    expect(userInfo(user)).toBe(`total=${50 * GiB}; expire=${Date.UTC(2027, 5, 30, 23, 59, 59) / 1000}`);
    const q = withQuota(fleet, months(2 * GiB), NOW).quota!;
    expect(userInfo(user, q)).toBe(`upload=${GiB / 2}; download=${1.5 * GiB}; total=${50 * GiB}; expire=${Date.UTC(2027, 5, 30, 23, 59, 59) / 1000}`);
    const idle = fleet.users.find((u) => u.name !== user.name && u.enabled && !u.expires && u.quota_gb === undefined)!;
    expect(userInfo(idle, q)).toBe('upload=0; download=0');
  });

  it('`fleet usage` prints the current period\'s table from a pulled store (GB as apps count them), and JSON', async () => {
    const dir = tempDir('quota-status');
    try {
      const used = { up: 1 * GiB, down: 10 * GiB };
      const file = { schema_version: 1, month: '2026-11', users: { [user.name]: used }, nodes: {} };
      mkdirSync(join(dir, 'usage'));
      writeFileSync(join(dir, 'usage', '2026-11.json'), JSON.stringify(file));
      const out: string[] = [];
      const err: string[] = [];
      const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
      expect(await main(['usage', '--root', root, '--status', dir, '--now', NOW.toISOString()], io, {})).toBe(0);
      expect(out[0]).toBe('usage 2026-11');
      expect(out.find((l) => l.startsWith(user.name))).toMatch(new RegExp(`^${user.name}\\s+1\\.000 GB\\s+10\\.000 GB\\s+11\\.000 GB\\s+50 GB \\(22%\\)$`));
      out.length = 0;
      expect(await main(['usage', '--root', root, '--status', dir, '--now', NOW.toISOString(), '--format', 'json'], io, {})).toBe(0);
      const json = JSON.parse(out.join('\n'));
      expect(json).toMatchObject({ month: '2026-11', build: 'stats', collected: true });
      expect(json.users.find((u: { user: string }) => u.user === user.name)).toMatchObject({ up: GiB, down: 10 * GiB, total: 11 * GiB, quota_gb: 50 });
      // A bad month is a usage error (exit 2).
      expect(await main(['usage', '--root', root, '--status', dir, '--month', '2026-13'], io, {})).toBe(2);
      // A missing status folder is a failed operation (exit 1) with the command that fills it,
      // for every command that reads one.
      const missing = join(dir, 'not-pulled');
      for (const cmd of [['usage', '--status'], ['incidents', '--dry-run', '--status'], ['recovery', '--status'], ['github', 'propose-recovery', '--status'], ['render', '--out', join(dir, 'out'), '--usage']]) {
        const err: string[] = [];
        const code = await main([...cmd, missing, '--root', root], { out: () => {}, err: (t: string) => err.push(t) }, { FLEET_SECRET: SECRET_A });
        expect(code, cmd[0]).toBe(1);
        // The fleet is not where `npm run fleet` runs: the command names it.
        expect(err.join('\n'), cmd[0]).toContain(`no status directory ${missing} — fill it with \`npm run fleet -- status pull --out ${missing} --root ${root}\` first`);
      }
      // A path a shell would split is quoted, so the command works as printed.
      expect(statusPullCommand("/tmp/it's here", process.cwd())).toBe("npm run fleet -- status pull --out '/tmp/it'\\''s here'");
    } finally {
      removeAll(dir);
    }
  });

  it('--usage refuses what is not a pulled status store (a file, a stranger\'s folder): quotas would silently go unenforced', async () => {
    const dir = tempDir('quota-not-a-store');
    try {
      writeFileSync(join(dir, 'bad.json'), '{}');
      for (const [what, path] of [['a file', join(dir, 'bad.json')], ['a folder', dir]] as const) {
        const err: string[] = [];
        const io = { out: () => {}, err: (t: string) => err.push(t) };
        const code = await main(['render', '--root', root, '--usage', path, '--out', join(dir, 'out'), '--now', NOW.toISOString()], io, { FLEET_SECRET: SECRET_A });
        expect(code, what).toBe(1);
        expect(err.join('\n'), what).toMatch(/(is a file, not a status directory|is not a pulled status store .*) — give a folder `status pull` filled: `npm run fleet -- status pull --out \S+\/build\/status --root \S+`, then --usage build\/status/);
      }
    } finally {
      removeAll(dir);
    }
  });

  it('the page shows the share used, warns from 80%, and says when a reached quota comes back, in both languages', () => {
    const page = (bytes: number) => userPages({ fleet: withQuota(fleet, months(bytes), NOW), tpl: loadTemplates(), demo: false, now: NOW }, user, 'https://sub.example.com/s/t/', rankNodes(fleet, user))[0]![1];
    expect(page(10 * GiB)).toContain('>10.00 of 50 GB used this period (until 2026-12-01)<');
    expect(page(40 * GiB)).toMatch(/class="quota-near">40\.00 of 50 GB used this period, 80%/);
    const over = page(50 * GiB);
    expect(over).toMatch(/class="quota-over">Quota reached: 50\.00 of 50 GB used\. Your connections stop until 2026-12-01/);
    expect(over).toContain('流量已用完：已用 50.00 GB，共 50 GB。连接将暂停，直到 2026-12-01 新周期开始。');
    // Without counted usage: the allowance alone, as before.
    expect(userPages({ fleet, tpl: loadTemplates(), demo: false, now: NOW }, user, 'https://sub.example.com/s/t/', rankNodes(fleet, user))[0]![1]).toContain('>50 GB per month<');
  });
});
