// Parallel user folders. Rendering a large user's profiles costs several milliseconds
// (mostly the mihomo YAML), so a 2,000-user build is CPU-bound: two worker threads each
// take small batches of users and write their folders straight into the temp directory.
// Results come back keyed by user index, so order and bytes do not depend on timing.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Fleet } from '../model/types.ts';
import type { StatusView } from './status-adapter.ts';
import type { FolderResult } from './user-folder.ts';

export interface WorkerInit {
  fleet: Omit<Fleet, 'where'>;
  secret: Uint8Array;
  demo: boolean;
  now: string;
  base: string;
  status?: StatusView;
  dir: string;
}

const BATCH = 16;

// Workers start from this small CommonJS bootstrap: it registers tsx's loader in the new
// thread (workers do not inherit it, under tsx or vitest) and then loads the TypeScript.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.tsxApi).then((tsx) => { tsx.register(); return import(workerData.entry); });`;

function tsxApiUrl(): string {
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  return pathToFileURL(pkg.replace(/package\.json$/, 'dist/esm/api/index.mjs')).href;
}

/**
 * Bundled by `npm run build`, this code sits beside `user-worker.mjs` and the worker starts
 * from it directly; from the TypeScript source, through tsx's loader.
 */
function startWorker(init: WorkerInit): Worker {
  if (import.meta.url.endsWith('.mjs')) return new Worker(new URL('./user-worker.mjs', import.meta.url), { workerData: init });
  const entry = new URL('./user-worker.ts', import.meta.url).href;
  return new Worker(BOOTSTRAP, { eval: true, workerData: { ...init, tsxApi: tsxApiUrl(), entry } });
}

/** Worker threads started ahead of the work: they load their code while the main thread still prepares. */
export interface WorkerPool {
  /** Writes every user's folder. */
  write(): Promise<{ results: FolderResult[]; files: number; bytes: number }>;
  stop(): Promise<void>;
}

export function startWorkers(init: WorkerInit, threads: number): WorkerPool {
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < threads; i++) workers.push(startWorker(init));
  } catch (e) {
    for (const w of workers) void w.terminate(); // one that started must not keep the process alive
    throw e;
  }
  // A worker that fails while loading, before write() listens, must not become an uncaught error.
  let failed: Error | undefined;
  for (const w of workers) w.on('error', (e) => { failed ??= e; });
  return {
    write: () => (failed ? Promise.reject(failed) : writeFolders(workers, init.fleet.users.length)),
    stop: async () => { await Promise.all(workers.map((w) => w.terminate())); },
  };
}

async function writeFolders(workers: Worker[], count: number): Promise<{ results: FolderResult[]; files: number; bytes: number }> {
  const results: FolderResult[] = new Array(count);
  let files = 0;
  let bytes = 0;
  let next = 0;
  await Promise.all(workers.map((worker) => new Promise<void>((resolve, reject) => {
    const send = () => {
      if (next >= count) return resolve();
      const batch = Array.from({ length: Math.min(BATCH, count - next) }, (_, k) => next + k);
      next += batch.length;
      worker.postMessage({ id: batch[0], users: batch });
    };
    worker.on('message', (m: { id: number; results?: FolderResult[]; files: number; bytes: number; error?: string }) => {
      if (m.error) return reject(new Error(`site worker: ${m.error}`));
      m.results!.forEach((r, k) => { results[m.id + k] = r; });
      files += m.files;
      bytes += m.bytes;
      send();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => { if (next < count || code !== 0) reject(new Error(`site worker exited (${code})`)); });
    send();
  })));
  return { results, files, bytes };
}
