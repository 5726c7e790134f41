// The two commands: `fleet monitoring` writes the tree; `fleet monitoring deploy` refuses
// without a monitoring host, and through an SSH session uploads filled secrets with
// owner-only modes and restarts the stack. The session here records calls; the SSH
// transport itself belongs to the deploy stage and its tests.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from '../harness/proc.ts';
import { deployMonitoring, type OpenSession } from '../../scripts/monitoring/deploy.ts';
import { openSession } from '../../scripts/deploy/ssh.ts';
import { makeFleet } from './fixtures.ts';

// The deploy stage's openSession fits what `monitoring deploy` loads at run time (tsc checks this line).
const sshFits: OpenSession = openSession;

const REPO = join(import.meta.dirname, '../..');

// A real process, as `npm run fleet` runs it.
async function fleetCli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await run(join(REPO, 'node_modules/.bin/tsx'), [join(REPO, 'scripts/fleet.ts'), ...argv], { cwd: REPO, timeoutMs: 60_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

describe('fleet monitoring', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'boxfleet-moncli-'));
  const withMon = makeFleet({ settings: (s) => { s.monitoring = { address: '192.0.2.50', ssh: { host: '192.0.2.50', port: 2222, user: 'ops', bootstrap_user: 'root', host_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDT7GtNU2w0BNhYeNbP/jqXfAhLt0cu0EbnzUGyw36Y8'] } }; } });
  afterAll(() => { rmSync(tmp, { recursive: true, force: true }); withMon.remove(); });

  it('writes the tree to --out, byte-identical on a second run', async () => {
    const r = await fleetCli(['monitoring', '--root', REPO, '--out', join(tmp, 'a')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/wrote \d+ files/);
    await fleetCli(['monitoring', '--root', REPO, '--out', join(tmp, 'b')]);
    for (const f of ['prometheus/prometheus.yml', 'prometheus/targets/node.json', 'alertmanager/alertmanager.yml', 'grafana/dashboards/fleet.json', 'docker-compose.yml']) {
      expect(readFileSync(join(tmp, 'b', f), 'utf8')).toBe(readFileSync(join(tmp, 'a', f), 'utf8'));
    }
    expect((await fleetCli(['monitoring', '--root', REPO, 'extra'])).code).toBe(2);
  });

  it('uses the deploy stage\'s SSH session', () => {
    expect(typeof sshFits).toBe('function');
  });

  it('deploy exits 1 with a clear message when fleet.yaml has no monitoring host', async () => {
    const r = await fleetCli(['monitoring', 'deploy', '--root', REPO], { TELEGRAM_BOT_TOKEN: 't', GRAFANA_ADMIN_PASSWORD: 'p' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('fleet.yaml has no `monitoring:` section');
  });

  it('deploy refuses before connecting when a secret is missing', async () => {
    let opened = false;
    const open: OpenSession = async () => { opened = true; throw new Error('unreachable'); };
    await expect(deployMonitoring(withMon.fleet, { GRAFANA_ADMIN_PASSWORD: 'p' }, open)).rejects.toThrow(/TELEGRAM_BOT_TOKEN/);
    await expect(deployMonitoring(withMon.fleet, { TELEGRAM_BOT_TOKEN: 't' }, open)).rejects.toThrow(/GRAFANA_ADMIN_PASSWORD/);
    expect(opened).toBe(false);
  });

  it('deploy uploads every file with secrets filled, to the pinned host, then installs and restarts', async () => {
    const uploads = new Map<string, string>();
    const scripts: string[] = [];
    let target: unknown;
    let closed = false;
    const open: OpenSession = async (t, o) => {
      target = { ...t, ...o };
      return {
        run: async (s: string) => { scripts.push(s); return { code: 0, stdout: '', stderr: '' }; },
        upload: async (c: string | Buffer, p: string) => { uploads.set(p, String(c)); },
        close: async () => { closed = true; },
      };
    };
    await deployMonitoring(withMon.fleet, { TELEGRAM_BOT_TOKEN: '42:secret-token', GRAFANA_ADMIN_PASSWORD: 'hunter2' }, open, { identityFile: '/k' });
    expect(target).toEqual({ host: '192.0.2.50', port: 2222, user: 'ops', hostKeys: withMon.fleet.settings.monitoring!.ssh.host_keys, identityFile: '/k' });
    expect(closed).toBe(true);
    const am = uploads.get('/opt/boxfleet-monitoring/alertmanager/alertmanager.yml.boxfleet-new')!;
    expect((parse(am) as any).receivers[0].telegram_configs[0].bot_token).toBe('42:secret-token');
    expect(uploads.get('/opt/boxfleet-monitoring/.env.boxfleet-new')).toBe("GRAFANA_ADMIN_PASSWORD='hunter2'\n");
    expect(uploads.has('/opt/boxfleet-monitoring/prometheus/targets/node.json.boxfleet-new')).toBe(true);
    expect([...uploads.values()].join('')).not.toMatch(/__BOXFLEET_ENV_[A-Z0-9_]+__/);
    const install = scripts[1]!;
    expect(install).toContain("chmod 600 'alertmanager/alertmanager.yml.boxfleet-new'");
    expect(install).toContain("chmod 600 '.env.boxfleet-new'");
    expect(install).toContain("chmod 644 'prometheus/prometheus.yml.boxfleet-new'");
    expect(install).toMatch(/docker compose up -d[^\n]*\ndocker compose kill -s HUP/);
    // Nothing secret on a command line.
    expect(scripts.join('\n')).not.toMatch(/secret-token|hunter2/);
    // The local build directory never got the filled copy.
    expect(existsSync(join(withMon.dir, 'build'))).toBe(false);
  });

  it('deploy reports a failing remote step', async () => {
    const open: OpenSession = async () => ({
      run: async () => ({ code: 1, stdout: '', stderr: 'docker: command not found' }),
      upload: async () => undefined,
      close: async () => undefined,
    });
    await expect(deployMonitoring(withMon.fleet, { TELEGRAM_BOT_TOKEN: 't', GRAFANA_ADMIN_PASSWORD: 'p' }, open)).rejects.toThrow(/exit 1.*docker: command not found/);
  });
});
