// Worker thread of a parallel site build: writes the folders of the users it is given
// into the build's temp directory and reports what it wrote. See workers.ts.
import { parentPort, workerData } from 'node:worker_threads';
import type { Fleet } from '../model/types.ts';
import { openCredentialStore } from '../secrets/index.ts';
import { FileWriter, SITE_MODES } from './output.ts';
import { loadTemplates } from './templates.ts';
import { writeUserFolder, type FolderContext, type FolderResult } from './user-folder.ts';
import type { WorkerInit } from './workers.ts';

const init = workerData as WorkerInit;
// `where` only points into YAML for error messages; nothing here reports one.
const fleet: Fleet = { ...init.fleet, where: (file) => ({ file, line: 1, col: 1 }) };
const c: FolderContext = {
  fleet, tpl: loadTemplates(), demo: init.demo, now: new Date(init.now), base: init.base, status: init.status,
  // mask: false: the main thread masks every value a worker hands out before it prints
  // anything a worker reports (site/build.ts deriveForWorkers).
  store: openCredentialStore({ secret: Buffer.from(init.secret), demo: init.demo, mask: false }, fleet.settings.epoch),
};
// Synchronous writes: this thread has nothing else to do meanwhile (writer.ts).
const out = new FileWriter(init.dir, { ...SITE_MODES, sync: true });

parentPort!.on('message', async (job: { id: number; users: number[] }) => {
  const [files, bytes] = [out.files, out.bytes];
  try {
    const results: FolderResult[] = [];
    for (const i of job.users) {
      results.push(await writeUserFolder(c, fleet.users[i], out));
    }
    parentPort!.postMessage({ id: job.id, results, files: out.files - files, bytes: out.bytes - bytes });
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: (e as Error).stack ?? String(e) });
  }
});
