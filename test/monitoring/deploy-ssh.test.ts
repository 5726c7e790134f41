// `fleet monitoring deploy` over real SSH. A harness host plays the monitoring host: the
// deploy user `ops` (as in monitoring/README.md), and docker-stand-in.sh as
// /usr/local/bin/docker, which records its calls. The real CLI runs as a separate process
// with the run's client key as --identity; the files on the host are compared with what
// `fleet monitoring --out` writes locally. cli.test.ts covers the same command with a
// recording session; this covers the deploy stage's SSH layer underneath it.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { useHosts, type TestHost } from '../harness/index.ts';
import { run } from '../harness/proc.ts';
import { leftovers } from '../deploy/helpers.ts';
import { fillYamlSecrets, placeholdersIn } from '../../scripts/monitoring/secrets.ts';
import { DEFAULT_REMOTE_DIR } from '../../scripts/monitoring/deploy.ts';
import { makeFleet, NOW, type FleetDir } from './fixtures.ts';
import { OUTPUT_MARKER } from '../../scripts/files/output-dir.ts';

const REPO = join(import.meta.dirname, '../..');
const DOCKER_LOG = '/var/log/docker-stand-in.log';
const USER = 'ops';
const SECRETS = {
  // A ':' and a '#' in the values: the YAML filling and the .env quoting must carry them.
  TELEGRAM_BOT_TOKEN: '123456:monssh-TOKEN_z9#x',
  GRAFANA_ADMIN_PASSWORD: 'monssh grafana #pw$1',
};
/** A valid ed25519 key that is not the harness host's (the fixtures' placeholder key). */
const WRONG_HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDT7GtNU2w0BNhYeNbP/jqXfAhLt0cu0EbnzUGyw36Y8';

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** The CLI as `npm run fleet` runs it; the environment holds only what is passed. */
async function fleetCli(dir: string, argv: string[], env: Record<string, string> = {}) {
  const r = await run(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/fleet.ts'), ...argv, '--root', dir, '--now', NOW.toISOString()], {
    cwd: REPO,
    timeoutMs: 120_000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  return { code: r.code ?? -1, out: r.stdout, err: r.stderr };
}

/** Shell command output on the host (as root, without ssh); throws on failure. */
async function onHost(h: TestHost, cmd: string): Promise<string> {
  return (await h.exec(['sh', '-c', cmd], { check: true })).stdout;
}

/** Relative path → content of every generated file under dir (not boxfleet's folder marker). */
function localTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else files.set(relative(dir, join(d, e.name)), readFileSync(join(d, e.name)));
    }
  };
  walk(dir);
  files.delete(OUTPUT_MARKER);
  return files;
}

/** Relative path → {sha256, mode, owner} of every file under the host's deploy dir. */
async function remoteTree(h: TestHost): Promise<Map<string, { sha: string; mode: string; owner: string }>> {
  const cd = `cd ${DEFAULT_REMOTE_DIR} && `;
  const stats = await onHost(h, `${cd}find . -type f -printf '%P\\t%m\\t%u\\n'`);
  const sums = new Map((await onHost(h, `${cd}find . -type f -printf '%P\\0' | xargs -0 -r sha256sum --`)).split('\n').filter(Boolean).map((l) => [l.slice(66), l.slice(0, 64)] as const));
  const files = new Map<string, { sha: string; mode: string; owner: string }>();
  for (const line of stats.split('\n').filter(Boolean)) {
    const [path, mode, owner] = line.split('\t') as [string, string, string];
    files.set(path, { sha: sums.get(path) ?? '', mode, owner });
  }
  return files;
}

function withMonitoring(h: TestHost, hostKey: string): FleetDir {
  return makeFleet({ settings: (s) => { s.monitoring = { address: h.ip, ssh: { host: h.ip, port: 22, user: USER, bootstrap_user: 'root', host_keys: [hostKey] } }; } });
}

describe('fleet monitoring deploy over SSH to a harness host', () => {
  const hosts = useHosts(1);
  let h: TestHost;
  let good: FleetDir;
  let wrong: FleetDir;
  const tmp = mkdtempSync(join(tmpdir(), 'boxfleet-monssh-'));

  beforeAll(async () => {
    h = hosts().hosts[0]!;
    await h.addUser(USER);
    await h.exec(['sh', '-c', `cat > /usr/local/bin/docker && chmod 755 /usr/local/bin/docker && install -m 666 /dev/null ${DOCKER_LOG}`], {
      input: readFileSync(join(import.meta.dirname, 'docker-stand-in.sh')),
      check: true,
    });
    good = withMonitoring(h, h.hostKey);
    wrong = withMonitoring(h, WRONG_HOST_KEY);
  });
  afterAll(() => {
    good?.remove();
    wrong?.remove();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a host whose key is not the pinned one: exit 1, a clear message, nothing written', async () => {
    const r = await fleetCli(wrong.dir, ['monitoring', 'deploy', '--identity', hosts().clientKeyPath], SECRETS);
    expect(r.code, r.err).toBe(1);
    expect(r.err.trim()).toBe(`fleet monitoring deploy: the monitoring host ${USER}@${h.ip}:22 did not present the host key pinned in fleet.yaml monitoring.ssh.host_keys (a man in the middle, or the host was reinstalled); nothing was changed`);
    expect(r.out).not.toContain('monitoring deployed');
    for (const v of Object.values(SECRETS)) expect(r.out + r.err).not.toContain(v);
    // Nothing reached the host: no deploy dir, no upload, docker never called.
    expect(await onHost(h, `test -e ${DEFAULT_REMOTE_DIR} && echo exists || echo absent`)).toBe('absent\n');
    expect(await onHost(h, `find /tmp /home/${USER} -name '*boxfleet*' -print`)).toBe('');
    expect(await onHost(h, `cat ${DOCKER_LOG}`)).toBe('');
    expect(leftovers()).toEqual([]);
  }, 120_000);

  it('says how to fix a deploy dir the user cannot create (no passwordless sudo)', async () => {
    const r = await fleetCli(good.dir, ['monitoring', 'deploy', '--identity', hosts().clientKeyPath], SECRETS);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain(`fleet monitoring deploy: mkdir failed on the monitoring host (exit 1): cannot create ${DEFAULT_REMOTE_DIR} as ${USER} (no passwordless sudo): create it owned by that user, or pass --dir`);
    for (const v of Object.values(SECRETS)) expect(r.out + r.err).not.toContain(v);
    expect(await onHost(h, `test -e ${DEFAULT_REMOTE_DIR} && echo exists || echo absent`)).toBe('absent\n');
    expect(await onHost(h, `cat ${DOCKER_LOG}`)).toBe('');
    expect(leftovers()).toEqual([]);
  }, 120_000);

  it('puts every generated file on the host, secrets filled and owner-only, and runs compose up -d', async () => {
    const gen = await fleetCli(good.dir, ['monitoring', '--out', join(tmp, 'out')]);
    expect(gen.code, gen.err).toBe(0);
    const local = localTree(join(tmp, 'out'));
    expect(local.size).toBeGreaterThan(5);
    // Only the Alertmanager config holds placeholders (the fleet has no alerts.email).
    const secretFiles = [...local].filter(([, c]) => placeholdersIn(c.toString('utf8')).length > 0).map(([p]) => p);
    expect(secretFiles).toEqual(['alertmanager/alertmanager.yml']);

    // As on a cloud image, the deploy user may sudo; here only `install`, which the first
    // deploy needs to create the directory under /opt and hand it over.
    await h.exec(['sh', '-c', `echo '${USER} ALL=(root) NOPASSWD: /usr/bin/install' > /etc/sudoers.d/${USER} && chmod 440 /etc/sudoers.d/${USER}`], { check: true });

    // Twice: the second run finds the directory and files in place and replaces them.
    for (const round of [1, 2]) {
      const r = await fleetCli(good.dir, ['monitoring', 'deploy', '--identity', hosts().clientKeyPath], SECRETS);
      expect(r.code, `round ${round}: ${r.err}`).toBe(0);
      expect(r.out).toContain(`monitoring deployed to ${h.ip}`);
      for (const v of Object.values(SECRETS)) expect(r.out + r.err, `round ${round}`).not.toContain(v);
      expect(leftovers()).toEqual([]);
    }

    const remote = await remoteTree(h);
    expect([...remote.keys()].sort()).toEqual([...local.keys(), '.env'].sort());
    for (const [path, content] of local) {
      const want = secretFiles.includes(path) ? fillYamlSecrets(content.toString('utf8'), SECRETS) : content;
      expect(remote.get(path), path).toEqual({ sha: sha256(want), mode: secretFiles.includes(path) ? '600' : '644', owner: USER });
    }

    const am = await onHost(h, `cat ${DEFAULT_REMOTE_DIR}/alertmanager/alertmanager.yml`);
    expect((parse(am) as any).receivers[0].telegram_configs[0].bot_token).toBe(SECRETS.TELEGRAM_BOT_TOKEN);
    expect(placeholdersIn(am)).toEqual([]);

    const uid = (await onHost(h, `id -u ${USER}`)).trim();
    const gid = (await onHost(h, `id -g ${USER}`)).trim();
    expect(remote.get('.env')).toMatchObject({ mode: '600', owner: USER });
    expect(await onHost(h, `cat ${DEFAULT_REMOTE_DIR}/.env`)).toBe(`GRAFANA_ADMIN_PASSWORD='${SECRETS.GRAFANA_ADMIN_PASSWORD}'\nBOXFLEET_UID=${uid}\nBOXFLEET_GID=${gid}\n`);
    expect(await onHost(h, `stat -c '%a %U' ${DEFAULT_REMOTE_DIR}`)).toBe(`755 ${USER}\n`);
    // Alertmanager's data directory exists for the container running as the deploy user.
    expect(await onHost(h, `stat -c '%F %U' ${DEFAULT_REMOTE_DIR}/data/alertmanager`)).toBe(`directory ${USER}\n`);

    // docker ran as the deploy user in the deploy dir, `compose … up -d` once per deploy,
    // and no secret was ever on its command line.
    const calls = (await onHost(h, `cat ${DOCKER_LOG}`)).split('\n').filter(Boolean);
    const ups = calls.filter((c) => /args=compose( \S+)* up -d( |$)/.test(c));
    expect(ups).toHaveLength(2);
    for (const c of calls) {
      expect(c).toMatch(new RegExp(`^uid=${uid} cwd=${DEFAULT_REMOTE_DIR} args=compose `));
      for (const v of Object.values(SECRETS)) expect(c).not.toContain(v);
    }
    // The uploads' temporary names are all gone.
    expect(await onHost(h, `find ${DEFAULT_REMOTE_DIR} -name '*.boxfleet-new'`)).toBe('');
  }, 180_000);
});
