// `fleet monitoring deploy`: the generated files, with secrets filled from the
// environment, onto the monitoring host, through the deploy stage's SSH sessions.
import { expectPositionals } from '../core/args.ts';
import { requireFleet } from '../model/require.ts';
import { EXIT, OperationError, type CommandContext, type ParsedArgs } from '../core/command.ts';
import type { Fleet } from '../model/types.ts';
import { renderMonitoring } from './render.ts';
import { ENV_VARS, fillYamlSecrets, placeholdersIn } from './secrets.ts';

export const DEFAULT_REMOTE_DIR = '/opt/boxfleet-monitoring';

/** The part of scripts/deploy/ssh.ts this command uses. */
export interface RemoteSession {
  run(script: string): Promise<unknown>;
  upload(content: string | Buffer, remotePath: string): Promise<unknown>;
  close(): Promise<unknown> | unknown;
}
export interface SshTargetSpec { host: string; port: number; user: string; hostKeys: string[] }
export type OpenSession = (target: SshTargetSpec, opts: { identityFile?: string }) => Promise<RemoteSession>;

/** Files whose placeholders become secrets; they are uploaded readable by the owner only. */
const SECRET_FILES = new Set(['alertmanager/alertmanager.yml', '.env']);

/** The files as they go to the host: placeholders filled, plus .env for compose. */
export function deployFiles(fleet: Fleet, env: NodeJS.ProcessEnv): Map<string, string> {
  const files = renderMonitoring(fleet);
  for (const [path, content] of files) if (placeholdersIn(content).length > 0) files.set(path, fillYamlSecrets(content, env));
  const password = env[ENV_VARS.grafanaPassword];
  if (!password) throw new OperationError(`set ${ENV_VARS.grafanaPassword} in the environment: Grafana's admin password`);
  // Compose reads single-quoted .env values literally; these two characters cannot be carried.
  if (/['\n]/.test(password)) throw new OperationError(`${ENV_VARS.grafanaPassword} must not contain a quote or a newline`);
  files.set('.env', `${ENV_VARS.grafanaPassword}='${password}'\n`);
  return files;
}

function checkResult(what: string, r: unknown): void {
  const res = r as { code?: number; exitCode?: number; stderr?: string } | undefined;
  const code = res?.code ?? res?.exitCode;
  if (typeof code === 'number' && code !== 0) throw new OperationError(`${what} failed on the monitoring host (exit ${code}): ${(res?.stderr ?? '').trim().slice(-500)}`);
}

/** The deploy stage's SshError (loaded at run time, so matched by name) in words an operator can act on. */
function connectFailure(e: unknown, t: SshTargetSpec): Error {
  const err = e as { name?: string; kind?: string; message?: string };
  if (err?.name !== 'SshError') return e as Error;
  const where = `${t.user}@${t.host}:${t.port}`;
  // ssh's own text for a changed key suggests `ssh-keygen -R` on a temporary file: not useful here.
  if (err.kind === 'host-key') return new OperationError(`the monitoring host ${where} did not present the host key pinned in fleet.yaml monitoring.ssh.host_keys (a man in the middle, or the host was reinstalled); nothing was changed`);
  const what = err.kind === 'auth' ? `login refused for ${t.user} (check --identity)` : err.kind === 'unreachable' ? 'no connection' : 'ssh failed';
  return new OperationError(`cannot reach the monitoring host ${where}: ${what}: ${err.message ?? ''}; nothing was changed`);
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function deployMonitoring(fleet: Fleet, env: NodeJS.ProcessEnv, open: OpenSession, opts: { identityFile?: string; dir?: string } = {}): Promise<number> {
  const mon = fleet.settings.monitoring;
  if (!mon) throw new OperationError('fleet.yaml has no `monitoring:` section (address and ssh of the monitoring host); add it, or run `npm run fleet -- monitoring` and copy build/monitoring yourself');
  const dir = opts.dir ?? DEFAULT_REMOTE_DIR;
  const files = deployFiles(fleet, env);
  const target = { host: mon.ssh.host || mon.address, port: mon.ssh.port, user: mon.ssh.user, hostKeys: mon.ssh.host_keys };
  let session: RemoteSession;
  try {
    session = await open(target, { identityFile: opts.identityFile });
  } catch (e) {
    throw connectFailure(e, target);
  }
  try {
    const dirs = [...new Set([...files.keys()].map((p) => p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '.'))];
    // A non-root deploy user cannot create a directory under /opt: sudo -n makes it theirs once.
    const create = `mkdir -p ${q(dir)} 2>/dev/null || sudo -n install -d -o "$(id -u)" -g "$(id -g)" -m 755 ${q(dir)} 2>/dev/null || { echo "cannot create "${q(dir)}" as $(id -un) (no passwordless sudo): create it owned by that user, or pass --dir" >&2; exit 1; }`;
    checkResult('mkdir', await session.run(`set -eu\numask 022\ncd ${q(dir)} 2>/dev/null || ${create}\ncd ${q(dir)}\nmkdir -p ${dirs.map(q).join(' ')} data/alertmanager\n`));
    // Upload next to the target, then rename all at once: Prometheus never sees half a file.
    for (const [path, content] of files) await session.upload(content, `${dir}/${path}.boxfleet-new`);
    const moves = [...files.keys()].map((p) => `chmod ${SECRET_FILES.has(p) ? 600 : 644} ${q(p + '.boxfleet-new')} && mv -f ${q(p + '.boxfleet-new')} ${q(p)}`);
    checkResult('install', await session.run([
      'set -eu', `cd ${q(dir)}`, ...moves,
      // Alertmanager runs as the deploy user to read its 0600 config (see docker-compose.yml).
      `printf 'BOXFLEET_UID=%s\\nBOXFLEET_GID=%s\\n' "$(id -u)" "$(id -g)" >> .env`,
      'docker compose up -d --remove-orphans',
      // Running containers re-read their configs on SIGHUP; new ones read them at start.
      'docker compose kill -s HUP prometheus alertmanager blackbox',
    ].join('\n') + '\n'));
  } finally {
    await session.close();
  }
  return EXIT.ok;
}

export async function runDeploy(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  expectPositionals(args, 0, 'no arguments');
  const fleet = requireFleet(ctx);
  if (!fleet.settings.monitoring) {
    throw new OperationError('fleet.yaml has no `monitoring:` section (address and ssh of the monitoring host); add it, or run `npm run fleet -- monitoring` and copy build/monitoring yourself');
  }
  // Loaded by path at run time: the deploy stage owns SSH (host key pinning, identities).
  const sshModule = '../deploy/ssh.ts';
  let open: OpenSession;
  try {
    open = ((await import(sshModule)) as { openSession: OpenSession }).openSession;
  } catch (e) {
    throw new OperationError(`the deploy stage's SSH module (scripts/deploy/ssh.ts) is not available: ${(e as Error).message}`);
  }
  const code = await deployMonitoring(fleet, ctx.env, open, {
    identityFile: args.options.identity as string | undefined,
    dir: args.options.dir as string | undefined,
  });
  ctx.io.out(`monitoring deployed to ${fleet.settings.monitoring.ssh.host || fleet.settings.monitoring.address}`);
  return code;
}
