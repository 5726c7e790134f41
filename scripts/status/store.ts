// The status store's files on disk: read (always validated) and write (validated before
// writing, so a bug cannot put a file on the branch that readers would reject).
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { OperationError } from '../core/command.ts';
import { NotPlainFileError, present, readPlainFile } from '../files/plain-file.ts';
import { parseStatusJson, StatusFileError, validateStatus } from './validate.ts';
import { clipText } from '../text/escape.ts';
import type { UsageMonths } from '../model/quota.ts';
import type { HistoryFile, LatestFile, ProbeRun, StatusTree, UsageFile } from './types.ts';

const RUN_NAME = /^[0-9TZ-]+-[a-z0-9-]+\.json$/;
const HISTORY_NAME = /^[a-z0-9][a-z0-9-]{0,39}\.json$/;
const MONTH_NAME = /^[0-9]{4}-[0-9]{2}\.json$/;

/** A word for a POSIX shell: as it is when plain, else single-quoted. */
const shellWord = (s: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

/**
 * The command that fills a status directory, as it runs from where `npm run fleet` runs (the
 * project's folder; with `--root` when the fleet is elsewhere).
 */
export function statusPullCommand(dir: string, root: string): string {
  const elsewhere = resolve(root) === process.cwd() ? '' : ` --root ${shellWord(resolve(root))}`;
  return `npm run fleet -- status pull --out ${shellWord(dir)}${elsewhere}`;
}

/** A missing status directory is a failed operation (exit 1), like any missing input file. */
export function requireStatusDir(dir: string, root: string): void {
  if (!existsSync(dir)) throw new OperationError(`no status directory ${dir} — fill it with \`${statusPullCommand(dir, root)}\` first`);
}

/** Why a store holds nothing but plain files and folders, for the refusals below. */
const PLAIN_ONLY = 'a status store holds only plain files and folders (a link could lead outside it)';

/**
 * The text of one file of a store, or of a run as it arrives: never through a symlink (the
 * status branch is checked out without them, git.ts; a local folder or a run file is
 * refused here), so a link committed to the branch cannot make a reader quote a file of
 * the runner's in an error.
 */
function readStoreText(path: string, shown: string): string {
  try {
    return readPlainFile(path, shown);
  } catch (e) {
    if (e instanceof NotPlainFileError) throw new StatusFileError(shown, [`${e.what}: ${PLAIN_ONLY}`]);
    throw e;
  }
}

function readJson(dir: string, rel: string): unknown {
  return parseStatusJson(readStoreText(join(dir, rel), rel), rel);
}

/**
 * A run file as it arrives (this probe's, or one uploaded by another vantage): text a node
 * or the network put in it is cut and cleaned here, where it enters, so one endpoint's long
 * certificate names can never make the whole run, and so every node's results, be refused.
 */
export function readRunFile(path: string): ProbeRun {
  return readArrivingRun(path).run;
}

/** The run as stored (tamed, validated) and as signed (the parsed file, untouched). */
export function readArrivingRun(path: string): { run: ProbeRun; signed: unknown } {
  let text: string;
  try {
    text = readPlainFile(path);
  } catch (e) {
    if (e instanceof NotPlainFileError) throw new StatusFileError(path, [`${e.what}: ${PLAIN_ONLY}`], 'give the run file `npm run fleet -- probe` wrote itself, not a link to it; nothing was recorded');
    throw e;
  }
  try {
    const signed = parseStatusJson(text, path);
    return { run: validateStatus('run', tameRun(parseStatusJson(text, path)), path), signed };
  } catch (e) {
    throw e instanceof StatusFileError ? e.withHint('a run file is what `npm run fleet -- probe` of this boxfleet writes: run the probe again; nothing of this one was recorded') : e;
  }
}

const RUN_TEXT_LIMITS = { detail: 300, address: 300 } as const;

function tameRun(value: unknown): unknown {
  const nodes = (value as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return value;
  for (const n of nodes) {
    const endpoints = (n as { endpoints?: unknown } | null)?.endpoints;
    if (!Array.isArray(endpoints)) continue;
    for (const e of endpoints) {
      if (!e || typeof e !== 'object') continue;
      const rec = e as Record<string, unknown>;
      for (const [k, max] of Object.entries(RUN_TEXT_LIMITS)) if (typeof rec[k] === 'string') rec[k] = clipText(rec[k] as string, max);
    }
  }
  return value;
}

/** Reads runs/, history/, incidents/, recovery/, usage/ and latest.json under `dir` (missing parts are empty). */
export function readTree(dir: string): StatusTree {
  const tree: StatusTree = { runs: new Map(), history: new Map(), incidents: new Map(), recovery: new Map(), usage: new Map() };
  const list = (sub: string): string[] => (present(join(dir, sub)) ? jsonFiles(dir, sub) : []);
  for (const f of list('runs')) {
    const rel = `runs/${f}`;
    if (!RUN_NAME.test(f)) throw new Error(`${rel}: run files are named <UTC time>-<vantage>.json`);
    tree.runs.set(rel, validateStatus('run', readJson(dir, rel), rel));
  }
  for (const f of list('history')) {
    const rel = `history/${f}`;
    if (!HISTORY_NAME.test(f)) throw new Error(`${rel}: history files are named <node>.json`);
    const h = validateStatus('history', readJson(dir, rel), rel);
    if (`${h.node}.json` !== f) throw new Error(`${rel}: holds node "${h.node}"`);
    tree.history.set(h.node, h);
  }
  for (const f of list('incidents')) {
    const rel = `incidents/${f}`;
    if (!MONTH_NAME.test(f)) throw new Error(`${rel}: incident files are named <YYYY-MM>.json`);
    const m = validateStatus('incidents', readJson(dir, rel), rel);
    if (`${m.month}.json` !== f) throw new Error(`${rel}: holds month "${m.month}"`);
    tree.incidents.set(m.month, m);
  }
  for (const f of list('recovery')) {
    const rel = `recovery/${f}`;
    if (!MONTH_NAME.test(f)) throw new Error(`${rel}: recovery files are named <YYYY-MM>.json`);
    const m = validateStatus('recovery', readJson(dir, rel), rel);
    if (`${m.month}.json` !== f) throw new Error(`${rel}: holds month "${m.month}"`);
    tree.recovery.set(m.month, m);
  }
  tree.usage = readUsageFiles(dir);
  if (present(join(dir, 'latest.json'))) tree.latest = validateStatus('latest', readJson(dir, 'latest.json'), 'latest.json');
  return tree;
}

/**
 * The .json files of one folder of the store, sorted; a folder that is not a directory (a
 * symlink to one elsewhere included) is refused, as readJson refuses a file that is not a
 * plain file: nothing the store names may lead outside it.
 */
function jsonFiles(dir: string, sub: string): string[] {
  const st = lstatSync(join(dir, sub));
  if (!st.isDirectory()) throw new StatusFileError(sub, [`${st.isSymbolicLink() ? 'a symlink' : 'a file'}, not a folder: ${PLAIN_ONLY}`]);
  return readdirSync(join(dir, sub)).filter((f) => f.endsWith('.json')).sort();
}

/** The file `status pull` leaves beside the tree: the status-branch commit it holds, one line. */
export const STATUS_COMMIT_FILE = 'commit';

/** usage/<YYYY-MM>.json under `dir` alone (validated), by period: what `--usage DIR` reads. */
export function readUsageFiles(dir: string): Map<string, UsageFile> {
  const out = new Map<string, UsageFile>();
  if (!present(join(dir, 'usage'))) return out;
  for (const f of jsonFiles(dir, 'usage')) {
    const rel = `usage/${f}`;
    if (!MONTH_NAME.test(f)) throw new Error(`${rel}: usage files are named <YYYY-MM>.json`);
    const m = validateStatus('usage', readJson(dir, rel), rel);
    if (`${m.month}.json` !== f) throw new Error(`${rel}: holds month "${m.month}"`);
    out.set(m.month, m);
  }
  return out;
}

/** The usage files as the model's UsageMonths: per quota period, bytes per user. */
export function usageMonths(files: ReadonlyMap<string, UsageFile>): UsageMonths {
  return new Map([...files].map(([label, f]) => [label, f.users]));
}

/** readUsageFiles as UsageMonths; undefined when DIR has no usage/. */
export function readUsageMonths(dir: string): UsageMonths | undefined {
  return present(join(dir, 'usage')) ? usageMonths(readUsageFiles(dir)) : undefined;
}

function put(dir: string, rel: string, value: unknown): void {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), JSON.stringify(value, null, 2) + '\n');
}

/** Writes the tree: adds/overwrites its files and deletes runs and history files it no longer has. */
export function writeTree(dir: string, tree: StatusTree): void {
  try {
    writeCheckedTree(dir, tree);
  } catch (e) {
    throw e instanceof StatusFileError ? e.withHint('boxfleet made a status file it would not read (a bug: please report it); this file and those after it were not written') : e;
  }
}

function writeCheckedTree(dir: string, tree: StatusTree): void {
  for (const [rel, run] of tree.runs) put(dir, rel, validateStatus('run', run, rel));
  for (const h of tree.history.values()) put(dir, `history/${h.node}.json`, validateStatus('history', h, `history/${h.node}.json`));
  // Incident months are only ever added to: none is deleted here.
  for (const m of tree.incidents.values()) put(dir, `incidents/${m.month}.json`, validateStatus('incidents', m, `incidents/${m.month}.json`));
  // Recovery decisions are history too: months are only ever added to.
  for (const m of tree.recovery.values()) put(dir, `recovery/${m.month}.json`, validateStatus('recovery', m, `recovery/${m.month}.json`));
  // Usage is the ledger of what users moved: months are only ever written, never deleted.
  for (const m of tree.usage.values()) put(dir, `usage/${m.month}.json`, validateStatus('usage', m, `usage/${m.month}.json`));
  if (tree.latest) put(dir, 'latest.json', validateStatus('latest', tree.latest, 'latest.json'));
  for (const sub of ['runs', 'history'] as const) {
    if (!present(join(dir, sub))) continue;
    for (const f of readdirSync(join(dir, sub))) {
      const keep = sub === 'runs' ? tree.runs.has(`runs/${f}`) : tree.history.has(f.replace(/\.json$/, ''));
      // Whatever else is there goes, a folder someone pushed included (readers skip it; a
      // push that could not delete it would fail on every run).
      if (!keep) rmSync(join(dir, sub, f), { recursive: true, force: true });
    }
  }
}

export type { HistoryFile, LatestFile };
