// Deploy benchmark (not a test): 4 harness hosts bootstrapped like test/deploy does, then the
// same change (a user added, so every node's config changes) rolled out side by side by
//   (a) `fleet deploy` as a whole process (node --import tsx scripts/fleet.ts deploy …),
//   (b) a tuned ansible-playbook doing the same steps (bench/deploy/playbook.yml),
//   (c) a bare parallel ssh/scp script doing the same steps (bench/deploy/bare.sh), the floor,
// each also with a no-change run; warm-up first, then the median of 3 (tools interleaved).
// Extra rows: the bare script with boxfleet's sequencing (canary alone first, 0.3 s settle),
// and `fleet deploy` spawned with only PATH and HOME (as test/deploy/helpers.ts does).
// Also boxfleet's in-process time without start-up and rendering (the `ms` of its JSON
// report: plan + rollout + closing sessions), and where its time goes: start-up phases,
// Session call costs, deployNode() alone in this process, every ssh invocation of one run
// (shim on PATH), a V8 CPU profile of one run, and an xtrace of `boxfleet-node apply`.
// Goals: Ansible / boxfleet whole process ≥ 10×; boxfleet rollout / bare script ≤ 2×.
// Run: npx tsx bench/deploy.ts   (root; only loopback and the harness's namespaces)
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHosts, type TestHosts } from '../test/harness/fleet.ts';
import type { TestHost } from '../test/harness/host.ts';
import { killAllSync, pidsWithCmdline, run, runSync, type RunResult } from '../test/harness/proc.ts';
import { singboxBin } from '../test/tools/index.ts';
import { leftovers, makeTestFleet, markTestHost, startCamouflage, TEST_SECRET, VERSION, type TestFleet } from '../test/deploy/helpers.ts';
import { loadFleet } from '../scripts/model/load.ts';
import { renderNodeConfigs } from '../scripts/render/server/index.ts';
import { CredentialStore } from '../scripts/secrets/index.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const HERE = join(REPO, 'bench/deploy');
const NOW = '2026-06-01T00:00:00Z';
const REPS = 3;
const COMMIT = 'bench';
const SYS_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

type Tool = 'boxfleet' | 'boxfleetMinEnv' | 'ansible' | 'bare' | 'bareSeq';
type Kind = 'change' | 'nochange';

interface Sample {
  wallMs: number;
  /** boxfleet only: the report's own total (after start-up and rendering). */
  reportMs?: number;
  /** boxfleet only: per-node times from the report. */
  nodes?: { node: string; outcome: string; ms: number }[];
}

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const secs = (ms: number): string => (ms / 1000).toFixed(2);
const tail = (r: RunResult): string => (r.stderr + '\n' + r.stdout).trim().split('\n').slice(-15).join('\n');

// ---- the bench's world -------------------------------------------------------------------

let hosts: TestHosts | undefined;
let tf: TestFleet | undefined;
let work = '';
let cmDir = '';
let userCount = 0;
const leftoversBefore = leftovers();

/** The config every node should run now, rendered as `fleet deploy` renders it. */
function renderAll(): Map<string, string> {
  const now = new Date(NOW);
  const fleet = loadFleet(tf!.dir, now).fleet;
  if (!fleet) throw new Error('bench fleet does not load');
  return renderNodeConfigs(fleet, new CredentialStore(Buffer.from(TEST_SECRET), fleet.settings.epoch), now);
}

/** The change: one more user, who reaches every node, so every node's config changes. */
function addUser(): void {
  userCount++;
  writeFileSync(join(tf!.dir, 'users', `bench-${userCount}.yaml`), `name: bench-${userCount}\nrev: 1\n`);
}

/** Writes each node's rendered config where Ansible and the bare script read it. */
function writeConfigs(configs: Map<string, string>): void {
  mkdirSync(join(work, 'configs'), { recursive: true });
  for (const [name, text] of configs) writeFileSync(join(work, 'configs', `${name}.json`), text);
}

function writeAnsibleFiles(configs: Map<string, string>): void {
  const hostVars = Object.fromEntries(hosts!.hosts.map((h) => [h.name, {
    ansible_host: h.ip,
    config_file: join(work, 'configs', `${h.name}.json`),
    config_sha256: sha256(configs.get(h.name)!),
  }]));
  const inventory = {
    all: {
      vars: { ansible_user: 'root', ansible_python_interpreter: '/usr/bin/python3', singbox_version: VERSION, commit: COMMIT, deployed_at: NOW },
      children: { fleet: { hosts: hostVars } },
    },
  };
  writeFileSync(join(work, 'inventory.json'), JSON.stringify(inventory, null, 2));
}

function writeBarePlan(configs: Map<string, string>): void {
  const lines = hosts!.hosts.map((h) => [h.name, h.ip, join(work, 'configs', `${h.name}.json`), sha256(configs.get(h.name)!), VERSION, COMMIT, NOW].join(' '));
  writeFileSync(join(work, 'plan.txt'), lines.join('\n') + '\n');
}

/** ssh settings for Ansible and the bare script: the harness's options plus a warm ControlMaster. */
function writeSshSettings(): void {
  const opts = hosts!.sshOptions().filter((x) => x !== '-o');
  const persist = ['ControlMaster=auto', 'ControlPersist=600', 'LogLevel=ERROR'];
  // ssh_config for the bare script.
  writeFileSync(join(work, 'ssh_config'), ['Host *', ...[...opts, ...persist, `ControlPath=${cmDir}/bare-%h-%p-%r`].map((o) => `  ${o.replace('=', ' ')}`), ''].join('\n'));
  // ansible.cfg: ssh_args replaces Ansible's default (-C -o ControlMaster=auto -o ControlPersist=60s).
  const sshArgs = ['-F /dev/null', ...[...opts, ...persist].map((o) => `-o ${o}`)].join(' ');
  writeFileSync(join(work, 'ansible.cfg'), [
    '[defaults]',
    `inventory = ${join(work, 'inventory.json')}`,
    'forks = 4',
    'gathering = explicit',
    'host_key_checking = True',
    'interpreter_python = /usr/bin/python3',
    'retry_files_enabled = False',
    'nocolor = True',
    `local_tmp = ${join(work, 'ansible-local')}`,
    'remote_tmp = /tmp/.ansible-remote',
    '',
    '[ssh_connection]',
    'pipelining = True',
    `ssh_args = ${sshArgs}`,
    `control_path = ${cmDir}/ans-%%h-%%p-%%r`,
    '',
  ].join('\n'));
}

// ---- the three tools ---------------------------------------------------------------------

/**
 * `fleet deploy` as an operator's shell starts it: with the caller's environment. minimalEnv:
 * only PATH and HOME, as test/deploy/helpers.ts spawns it; then SHLVL is missing, and every
 * `bash -c` that zx starts for an ssh call sees its stdin is a socket (libuv's stdio) at shell
 * level 1, takes itself for an rshd-started shell and sources ~/.bashrc (pyenv init here).
 */
async function runBoxfleet(extraEnv: Record<string, string> = {}, nodeFlags: string[] = [], minimalEnv = false): Promise<Sample> {
  const argv = [...nodeFlags, '--import', 'tsx', join(REPO, 'scripts/fleet.ts'), 'deploy', '--root', tf!.dir, '--identity', hosts!.clientKeyPath, '--now', NOW, '--format', 'json'];
  const base = minimalEnv ? { PATH: process.env.PATH ?? SYS_PATH, HOME: process.env.HOME ?? '/root' } : process.env;
  const env = { ...base, FLEET_SECRET: TEST_SECRET, BOXFLEET_SSH_CONNECT_TIMEOUT: '3', ...extraEnv };
  const t0 = performance.now();
  const r = await run(process.execPath, argv, { cwd: REPO, env, timeoutMs: 120_000 });
  const wallMs = performance.now() - t0;
  if (r.code !== 0) throw new Error(`fleet deploy exited ${r.code}:\n${tail(r)}`);
  const report = JSON.parse(r.stdout) as { ms: number; nodes: { node: string; outcome: string; ms: number }[] };
  return { wallMs, reportMs: report.ms, nodes: report.nodes };
}

async function runAnsible(): Promise<Sample> {
  const env = { PATH: SYS_PATH, HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ANSIBLE_CONFIG: join(work, 'ansible.cfg'), ANSIBLE_HOME: join(work, 'ansible-home') };
  const t0 = performance.now();
  const r = await run('ansible-playbook', [join(HERE, 'playbook.yml')], { cwd: work, env, timeoutMs: 180_000 });
  const wallMs = performance.now() - t0;
  if (r.code !== 0) throw new Error(`ansible-playbook exited ${r.code}:\n${tail(r)}`);
  return { wallMs };
}

/** seq: boxfleet's sequencing (canary alone first) and its test-host settle time (0.3 s). */
async function runBare(seq = false): Promise<Sample> {
  const env = { PATH: SYS_PATH, HOME: process.env.HOME ?? '/root', ...(seq ? { BARE_CANARY: '1', BARE_SETTLE: '0.3' } : {}) };
  const t0 = performance.now();
  const r = await run('bash', [join(HERE, 'bare.sh'), join(work, 'ssh_config'), join(work, 'plan.txt')], { cwd: work, env, timeoutMs: 60_000 });
  const wallMs = performance.now() - t0;
  if (r.code !== 0) throw new Error(`bare.sh exited ${r.code}:\n${tail(r)}`);
  return { wallMs };
}

// ---- state checks (untimed): every tool must leave every node right ------------------------

interface NodeState {
  hash: string;
  pid: string;
  alive: boolean;
  marker: string;
}

async function nodeState(h: TestHost): Promise<NodeState> {
  const out = (await h.exec(['bash', '-c', [
    'sha256sum /etc/sing-box/config.json | cut -c1-64',
    'p=$(cat /run/sing-box.pid 2>/dev/null || echo 0); echo $p',
    's=$(sed "s/^.*) //" /proc/$p/stat 2>/dev/null | cut -d" " -f1); echo ${s:-gone}',
    '/usr/bin/python3 -c "import json; print(json.load(open(\'/var/lib/boxfleet/deployed.json\'))[\'config_sha256\'])" 2>/dev/null || echo none',
    'ss -Hltn "sport = :443" | grep -q . && echo listening || echo closed',
  ].join('; ')], { check: true })).stdout.trim().split('\n');
  const [hash = '', pid = '0', st = 'gone', marker = 'none', port = 'closed'] = out;
  return { hash, pid, alive: /^[RSD]$/.test(st) && port === 'listening', marker };
}

async function verify(label: string, configs: Map<string, string>, before?: NodeState[]): Promise<NodeState[]> {
  const states = await Promise.all(hosts!.hosts.map(nodeState));
  for (const [i, s] of states.entries()) {
    const h = hosts!.hosts[i]!;
    const want = sha256(configs.get(h.name)!);
    const bad = [s.hash !== want && 'live config is not the rendered one', s.marker !== want && 'marker does not name the live config', !s.alive && 'sing-box is not running or not listening',
      before && before[i]!.pid !== s.pid && 'a no-change run restarted sing-box'].filter(Boolean);
    if (bad.length) throw new Error(`${label}: ${h.name}: ${bad.join('; ')}`);
  }
  return states;
}

// ---- one round: each tool rolls out a fresh change, then runs again with no change -----------

type Results = Record<Tool, Record<Kind, Sample[]>>;
const results: Results = { boxfleet: { change: [], nochange: [] }, boxfleetMinEnv: { change: [], nochange: [] }, ansible: { change: [], nochange: [] }, bare: { change: [], nochange: [] }, bareSeq: { change: [], nochange: [] } };

async function round(label: string, record: boolean): Promise<void> {
  const runners: Record<Tool, () => Promise<Sample>> = { boxfleet: () => runBoxfleet(), boxfleetMinEnv: () => runBoxfleet({}, [], true), ansible: runAnsible, bare: () => runBare(), bareSeq: () => runBare(true) };
  for (const tool of ['boxfleet', 'ansible', 'bare', 'bareSeq', 'boxfleetMinEnv'] as Tool[]) {
    addUser();
    const configs = renderAll();
    writeConfigs(configs);
    writeAnsibleFiles(configs);
    writeBarePlan(configs);
    const change = await runners[tool]();
    const after = await verify(`${label} ${tool} change`, configs);
    const nochange = await runners[tool]();
    await verify(`${label} ${tool} no-change`, configs, after);
    if (tool === 'boxfleet' || tool === 'boxfleetMinEnv') {
      const outs = [...change.nodes!, ...nochange.nodes!].map((n) => n.outcome);
      if (!outs.slice(0, 4).every((o) => o === 'deployed') || !outs.slice(4).every((o) => o === 'unchanged')) throw new Error(`${label}: boxfleet outcomes ${outs.join(',')}`);
    }
    if (record) {
      results[tool].change.push(change);
      results[tool].nochange.push(nochange);
    }
    const extra = (s: Sample): string => (s.reportMs !== undefined ? ` (report ${secs(s.reportMs)} s)` : '');
    console.error(`  ${label.padEnd(8)} ${tool.padEnd(14)} change ${secs(change.wallMs)} s${extra(change)}, no change ${secs(nochange.wallMs)} s${extra(nochange)}`);
  }
}

// ---- profile of one boxfleet change run -----------------------------------------------------

interface SshCall {
  t0: number;
  t1: number;
  host: string;
  what: string;
}

/** An `ssh` first on PATH that logs each invocation (start, end, host, remote command) and runs the real one. */
function writeSshShim(log: string): string {
  const dir = join(work, 'shim');
  mkdirSync(dir, { recursive: true });
  const shim = `#!/bin/bash
last=\${@: -1}
host=$(printf '%s\\n' "$@" | grep -m1 -E '^[a-z_][a-z0-9_-]*@' || echo -)
if [ "$last" = "bash -s" ]; then
  tmp=$(mktemp); cat > "$tmp"; what="bash -s: $(sed -n 2p "$tmp" | cut -c1-160)"
  t0=$EPOCHREALTIME; /usr/bin/ssh "$@" < "$tmp"; rc=$?; t1=$EPOCHREALTIME; rm -f "$tmp"
else
  what=$last; [ "\${@: -2:1}" = exit ] && what="-O exit"
  t0=$EPOCHREALTIME; /usr/bin/ssh "$@"; rc=$?; t1=$EPOCHREALTIME
fi
printf '%s\\t%s\\t%s\\t%s\\n' "$t0" "$t1" "$host" "$what" >> ${JSON.stringify(log)}
exit $rc
`;
  writeFileSync(join(dir, 'ssh'), shim);
  chmodSync(join(dir, 'ssh'), 0o755);
  return dir;
}

/** Names one ssh invocation of a deploy by what it asks the node. */
function classify(what: string): string {
  if (what === '-O exit') return 'close ControlMaster';
  if (what === 'true') return 'connect (new ControlMaster)';
  if (what.startsWith('umask 077')) return 'upload';
  const m = what.match(/boxfleet-node '([a-z-]+)'/);
  if (m) return `boxfleet-node ${m[1]}${m[1] === 'lock' ? ' (held until done)' : ''}`;
  if (what.includes('rm -f')) return 'remove upload';
  return what.slice(0, 60);
}

/** One boxfleet run with every ssh invocation logged: per node, its round trips and their times. */
async function profiledRun(label: string, shimDir: string, log: string, configs: Map<string, string>): Promise<string[]> {
  writeFileSync(log, '');
  const t0 = Date.now() / 1000;
  const s = await runBoxfleet({ PATH: `${shimDir}:${process.env.PATH ?? SYS_PATH}` });
  await verify(`profile ${label}`, configs);
  const calls: SshCall[] = readFileSync(log, 'utf8').trim().split('\n').map((l) => {
    const [a, b, host, what] = l.split('\t');
    return { t0: Number(a), t1: Number(b), host: (host ?? '-').replace(/^.*@/, ''), what: what ?? '' };
  });
  const nameOf = new Map(hosts!.hosts.map((h) => [h.ip, h.name]));
  const first = Math.min(...calls.map((c) => c.t0));
  const last = Math.max(...calls.map((c) => c.t1));
  const out: string[] = [];
  out.push(`profile, ${label}: one boxfleet run through an ssh-logging shim (whole process ${secs(s.wallMs)} s, report ${secs(s.reportMs!)} s).`);
  out.push(`  First ssh call ${(first - t0).toFixed(2)} s after spawn, last one ends ${(last - t0).toFixed(2)} s after spawn. Times relative to the first call;`);
  out.push('  the shim itself adds a few ms per call (bash, and for `bash -s` calls a temp copy of stdin).');
  for (const h of hosts!.hosts) {
    const mine = calls.filter((c) => nameOf.get(c.host) === h.name).sort((a, b) => a.t0 - b.t0);
    const remote = mine.filter((c) => c.what !== '-O exit');
    const node = s.nodes!.find((n) => n.node === h.name);
    out.push(`  ${h.name}: ${remote.length} remote round trips + ${mine.length - remote.length} local -O exit; report says ${node?.outcome} in ${secs(node?.ms ?? 0)} s`);
    for (const c of mine) out.push(`    ${(c.t0 - first).toFixed(3).padStart(6)} → ${(c.t1 - first).toFixed(3).padStart(6)}  ${((c.t1 - c.t0) * 1000).toFixed(0).padStart(5)} ms  ${classify(c.what)}`);
  }
  return out;
}

/** A V8 CPU profile of one whole `fleet deploy` change run: is the process busy, and with what? */
async function cpuProfile(): Promise<string[]> {
  const dir = join(work, 'cpuprof');
  mkdirSync(dir, { recursive: true });
  addUser();
  const configs = renderAll();
  const s = await runBoxfleet({}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  await verify('cpu profile', configs);
  interface PNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
  const out: string[] = [`CPU profile of one whole \`fleet deploy\` change run (${secs(s.wallMs)} s wall, report ${secs(s.reportMs!)} s), main thread, self time:`];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
    const prof = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { nodes: PNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    prof.samples.forEach((id, i) => {
      const n = byId.get(id)!;
      const url = n.callFrame.url.replace(/^file:\/\//, '').replace(REPO, '').replace(/^.*node_modules\//, 'node_modules/');
      const key = n.callFrame.url ? `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}` : n.callFrame.functionName;
      self.set(key, (self.get(key) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000);
    });
    const total = (prof.endTime - prof.startTime) / 1000;
    const idle = self.get('(idle)') ?? 0;
    if (total < 500) continue; // a helper thread, not the main one
    out.push(`  profiled ${total.toFixed(0)} ms: idle ${idle.toFixed(0)} ms, busy ${(total - idle).toFixed(0)} ms; top self time:`);
    for (const [k, v] of [...self].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 10)) out.push(`    ${v.toFixed(0).padStart(5)} ms  ${k}`);
  }
  return out;
}

async function profile(): Promise<string[]> {
  const log = join(work, 'ssh-calls.tsv');
  const shimDir = writeSshShim(log);
  addUser();
  const configs = renderAll();
  const change = await profiledRun('change', shimDir, log, configs);
  const nochange = await profiledRun('no change', shimDir, log, configs);
  return [...change, '', ...nochange];
}

/** xtrace of `boxfleet-node with-lock apply` of the live config on one node (no ssh): where apply spends its time. */
async function applyTrace(h: TestHost): Promise<string[]> {
  const script = [
    'cp /etc/sing-box/config.json /tmp/bench-apply.json',
    'sha=$(sha256sum /tmp/bench-apply.json | cut -c1-64)',
    // bash ignores PS4 from the environment when run as root, but sources BASH_ENV.
    `printf '%s\\n' "PS4='+ \\\${EPOCHREALTIME} '" 'set -x' > /tmp/bench-xtrace.sh`,
    'start=$EPOCHREALTIME',
    'BASH_ENV=/tmp/bench-xtrace.sh /usr/local/sbin/boxfleet-node with-lock apply /tmp/bench-apply.json --sha256 "$sha" 2> /tmp/bench-trace.txt >/dev/null',
    'rc=$?; end=$EPOCHREALTIME; echo "$start $end $rc"; cat /tmp/bench-trace.txt; rm -f /tmp/bench-trace.txt /tmp/bench-apply.json /tmp/bench-xtrace.sh',
  ].join('\n');
  const r = await h.exec(['bash', '-c', script], { check: true, timeoutMs: 60_000 });
  const [head = '', ...lines] = r.stdout.split('\n');
  const [start, end, rc] = head.split(' ').map(Number) as [number, number, number];
  if (rc !== 0) throw new Error(`apply trace on ${h.name} exited ${rc}`);
  const events = lines.map((l) => l.match(/^(\++) (\d+\.\d+) (.*)$/)).filter((m): m is RegExpMatchArray => !!m).map((m) => ({ t: Number(m[2]), cmd: m[3]! }));
  const at = (re: RegExp, from = 0): number => events.find((e) => e.t >= from && re.test(e.cmd))?.t ?? NaN;
  const tApply = at(/^cmd_apply /);
  const tCheck = at(/^singbox_check /);
  const tCheckEnd = at(/^svc_pid$/, tCheck);
  const tFw = at(/^firewall_apply$/);
  const tRestart = at(/^svc_restart$/);
  const tSetsid = at(/^setsid /);
  const tVerify = at(/^verify_started /);
  const tDone = at(/^say result=applied$/);
  // The settle sleep is the last sleep that is not a 50 ms poll before "result=applied".
  const settle = events.filter((e) => e.t <= tDone && /^sleep /.test(e.cmd) && e.cmd !== 'sleep 0.05').pop()?.t ?? NaN;
  const ms = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) ? `${((b - a) * 1000).toFixed(0)} ms` : '?');
  return [
    `apply on ${h.name} (run as root inside the host, no ssh, xtrace on): ${ms(start, end)} in all`,
    `  lock + start of apply (bash, flock, token, re-exec)      ${ms(start, tApply)}`,
    `  copy + sha256 + \`sing-box check\` (real sing-box)      ${ms(tApply, tCheckEnd)}`,
    `  back up + swap + firewall (python config_ports, nft)     ${ms(tCheckEnd, tRestart)}   (firewall_apply ${ms(tFw, tRestart)})`,
    `  stop old sing-box + start new                           ${ms(tRestart, tVerify)}   (old stopped after ${ms(tRestart, tSetsid)})`,
    `  verify: new PID binds every port (python, ss polling)    ${ms(tVerify, settle)}`,
    `  settle (BOXFLEET_SETTLE_SEC=0.3 on test hosts, 2 default) ${ms(settle, tDone)}`,
    `  exit + unlock                                           ${ms(tDone, end)}`,
  ];
}

/** Median time of n runs of an ssh command over a warm ControlMaster. */
async function roundTrip(args: string[], n = 9): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await run('ssh', args, { env: { PATH: SYS_PATH, HOME: process.env.HOME ?? '/root' }, timeoutMs: 30_000 });
    xs.push(performance.now() - t0);
    if (r.code !== 0) throw new Error(`ssh ${args.slice(-1)} failed:\n${tail(r)}`);
  }
  return median(xs);
}

/** Start-up phases of a fresh process (bench/deploy/startup.ts), median of 3 each. */
async function startupPhases(): Promise<{ startup: number; imports: number; load: number; render: number }> {
  const xs: { startup: number; imports: number; load: number; render: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await run(process.execPath, ['--import', 'tsx', join(HERE, 'startup.ts'), tf!.dir, TEST_SECRET, NOW], { cwd: REPO, env: { PATH: process.env.PATH ?? SYS_PATH, HOME: process.env.HOME ?? '/root' } });
    if (r.code !== 0) throw new Error(`startup phases:\n${tail(r)}`);
    xs.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
  }
  const m = (k: 'startup' | 'imports' | 'load' | 'render'): number => median(xs.map((x) => x[k]));
  return { startup: m('startup'), imports: m('imports'), load: m('load'), render: m('render') };
}

// ---- cleanup ------------------------------------------------------------------------------

function closeControlMasters(): void {
  if (!cmDir || !existsSync(cmDir)) return;
  for (const sock of readdirSync(cmDir)) runSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${join(cmDir, sock)}`, '-O', 'exit', 'bench'], { timeoutMs: 5_000 });
  killAllSync(pidsWithCmdline(`${cmDir}/`));
}

// ---- main ---------------------------------------------------------------------------------

/** What the bench needs besides the test harness's packages, with how to get it. */
function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (runSync('sh', ['-c', 'command -v ansible-playbook']).code !== 0) missing.push('ansible-playbook: apt-get install -y ansible-core');
  try { singboxBin(VERSION); } catch (e) { missing.push((e as Error).message); }
  return missing;
}

async function main(): Promise<void> {
  const missing = missingPrerequisites();
  if (missing.length) {
    console.error(`bench:deploy cannot run yet:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
    process.exit(2);
  }
  console.error('starting 4 harness hosts and bootstrapping them (as test/deploy does)…');
  hosts = await startHosts(4);
  // Inside the run dir: the harness's teardown removes it (and kills ControlMasters named
  // after it) even if this process dies before its own cleanup.
  work = join(hosts.dir, 'bench');
  cmDir = join(work, 'cm');
  mkdirSync(cmDir, { recursive: true, mode: 0o700 });
  tf = await makeTestFleet(hosts);
  await startCamouflage(hosts.hosts[0]!);
  for (const h of hosts.hosts) {
    await markTestHost(h);
    const b = await tf.cli(['bootstrap', h.name, '--identity', hosts.clientKeyPath]);
    if (b.code !== 0) throw new Error(`bootstrap ${h.name} failed:\n${b.err}`);
  }
  writeSshSettings();

  console.error('warm-up (one run of each, not counted), then 3 rounds; each tool rolls out its own fresh change:');
  await round('warm-up', false);
  for (let i = 1; i <= REPS; i++) await round(`round ${i}`, true);

  // Figures that explain the gap (untimed in the table).
  const h1 = hosts.hosts[0]!;
  const bareCfg = ['-F', join(work, 'ssh_config')];
  const rtRoot = await roundTrip([...bareCfg, `root@${h1.ip}`, 'true']);
  const rtNode = await roundTrip([...bareCfg, `boxfleet@${h1.ip}`, 'bash -s < /dev/null; sudo -n /usr/local/sbin/boxfleet-node self-version']);
  const rtStatus = await roundTrip([...bareCfg, `boxfleet@${h1.ip}`, 'sudo -n /usr/local/sbin/boxfleet-node status']);
  const startup: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await run(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/fleet.ts'), '--help'], { cwd: REPO, env: { PATH: process.env.PATH ?? SYS_PATH, HOME: process.env.HOME ?? '/root' } });
    startup.push(performance.now() - t0);
  }
  const phases = await startupPhases();
  // The other nodes did not get this change: bring them level before the profiled runs.
  await runBoxfleet();
  const prof = await profile();
  const cpu = await cpuProfile();
  const trace = await applyTrace(h1);

  // ---- the table ----
  const med = (tool: Tool, kind: Kind, f: (s: Sample) => number = (s) => s.wallMs): number => median(results[tool][kind].map(f));
  const all = (tool: Tool, kind: Kind, f: (s: Sample) => number = (s) => s.wallMs): string => results[tool][kind].map((s) => secs(f(s))).join(' / ');
  const rep = (s: Sample): number => s.reportMs!;
  const rows: [string, number, number, string, string][] = [
    ['boxfleet `fleet deploy`, whole process', med('boxfleet', 'change'), med('boxfleet', 'nochange'), all('boxfleet', 'change'), all('boxfleet', 'nochange')],
    ['boxfleet in-process (report ms: plan + rollout)', med('boxfleet', 'change', rep), med('boxfleet', 'nochange', rep), all('boxfleet', 'change', rep), all('boxfleet', 'nochange', rep)],
    ['boxfleet, whole process, env = PATH+HOME only', med('boxfleetMinEnv', 'change'), med('boxfleetMinEnv', 'nochange'), all('boxfleetMinEnv', 'change'), all('boxfleetMinEnv', 'nochange')],
    ['  … its report ms (no SHLVL: ~/.bashrc per ssh)', med('boxfleetMinEnv', 'change', rep), med('boxfleetMinEnv', 'nochange', rep), all('boxfleetMinEnv', 'change', rep), all('boxfleetMinEnv', 'nochange', rep)],
    ['ansible-playbook (tuned), whole process', med('ansible', 'change'), med('ansible', 'nochange'), all('ansible', 'change'), all('ansible', 'nochange')],
    ['bare parallel ssh/scp script (floor)', med('bare', 'change'), med('bare', 'nochange'), all('bare', 'change'), all('bare', 'nochange')],
    ['bare script + canary first + 0.3 s settle', med('bareSeq', 'change'), med('bareSeq', 'nochange'), all('bareSeq', 'change'), all('bareSeq', 'nochange')],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  const lines: string[] = [];
  lines.push('', `fleet deploy benchmark: 4 harness hosts (network namespaces, Debian sshd), the real sing-box, a user added per change run`);
  lines.push(`median of ${REPS} (warm: one warm-up run each first; Ansible and the bare script reuse ControlMasters, boxfleet opens its own per run)`, '');
  lines.push(`${'tool'.padEnd(w)}  change (s)  no change (s)   runs: change | no change`);
  for (const [name, c, n, ac, an] of rows) lines.push(`${name.padEnd(w)}  ${secs(c).padStart(10)}  ${secs(n).padStart(13)}   ${ac} | ${an}`);
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(1)}×`;
  const goal = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  const rA = med('ansible', 'change') / med('boxfleet', 'change');
  const rAn = med('ansible', 'nochange') / med('boxfleet', 'nochange');
  const rB = med('boxfleet', 'change', rep) / med('bare', 'change');
  const rBn = med('boxfleet', 'nochange', rep) / med('bare', 'nochange');
  lines.push('');
  lines.push(`Ansible / boxfleet whole process:  change ${ratio(med('ansible', 'change'), med('boxfleet', 'change'))}, no change ${ratio(med('ansible', 'nochange'), med('boxfleet', 'nochange'))}   (goal ≥ 10×: change ${goal(rA >= 10)}, no change ${goal(rAn >= 10)})`);
  lines.push(`boxfleet rollout / bare script:    change ${ratio(med('boxfleet', 'change', rep), med('bare', 'change'))}, no change ${ratio(med('boxfleet', 'nochange', rep), med('bare', 'nochange'))}   (goal ≤ 2×: change ${goal(rB <= 2)}, no change ${goal(rBn <= 2)})`);
  lines.push(`boxfleet rollout / bare script + canary + settle: change ${ratio(med('boxfleet', 'change', rep), med('bareSeq', 'change'))}, no change ${ratio(med('boxfleet', 'nochange', rep), med('bareSeq', 'nochange'))}   (same sequencing and settle as boxfleet; for reference)`);
  lines.push(`boxfleet start-up + rendering + report (whole process − report ms): change ${secs(med('boxfleet', 'change') - med('boxfleet', 'change', rep))} s, no change ${secs(med('boxfleet', 'nochange') - med('boxfleet', 'nochange', rep))} s; \`fleet --help\` alone ${secs(median(startup))} s`);
  lines.push('');
  lines.push('What boxfleet does that the bare script skips: a deploy lock per node (flock held over its own ssh channel, token-checked');
  lines.push('steps), canary first and alone, then the rest (two serial phases), sha256-verified upload, sudo to the one node script, firewall');
  lines.push('sync, a new main PID that binds every declared port (TCP and UDP) and stays up for the settle time, rollback readiness (keeps');
  lines.push('previous, rolls back itself on failure), per-inbound health checks from the deployer (TCP, verified TLS, Reality), the marker');
  lines.push('written by the node after it checks the hash against the live file, upload cleanup; and fresh ssh connections each run.');
  lines.push('');
  const bf = results.boxfleet.change.map((s) => s.nodes!);
  const perNode = hosts.hosts.map((h) => `${h.name} ${secs(median(bf.map((ns) => ns.find((n) => n.node === h.name)!.ms)))} s`).join(', ');
  lines.push(`boxfleet per-node deploy step (median of the change runs; ${hosts.hosts[0]!.name} is the canary, the others run after it): ${perNode}`);
  lines.push(`one ssh round trip over a warm ControlMaster: root \`true\` ${rtRoot.toFixed(0)} ms; deploy user \`bash -s\` + sudo + node script self-version ${rtNode.toFixed(0)} ms; sudo node script status ${rtStatus.toFixed(0)} ms`);
  lines.push(`fresh process before the first ssh call (median of 3): node + tsx start-up ${phases.startup.toFixed(0)} ms, importing the deploy, model and renderer modules ${phases.imports.toFixed(0)} ms, loading + validating the fleet ${phases.load.toFixed(0)} ms, rendering ${phases.render.toFixed(0)} ms`);
  lines.push('', ...prof, '', ...cpu, '', ...trace, '');
  console.log(lines.join('\n'));
}

async function cleanup(): Promise<string[]> {
  const problems: string[] = [];
  try {
    closeControlMasters();
  } catch (e) {
    problems.push(`closing ControlMasters: ${String(e)}`);
  }
  await tf?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
  try {
    await hosts?.stop();
  } catch (e) {
    problems.push(String(e));
  }
  const left = leftovers().filter((x) => !leftoversBefore.includes(x));
  if (left.length) problems.push(`boxfleet ssh sessions left behind: ${left.join(', ')}`);
  return problems;
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  console.error(`bench failed: ${(e as Error).stack ?? String(e)}`);
} finally {
  const problems = await cleanup();
  if (problems.length) {
    failed = true;
    console.error(`cleanup problems:\n${problems.join('\n')}`);
  }
}
process.exitCode = failed ? 1 : 0;
