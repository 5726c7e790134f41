// A FileSource over a Git commit, so loadFleet can read the fleet as it was at a ref.
// loadFleet reads synchronously; Git is asynchronous, so the files are fetched up front.
import { childEnv } from '../../core/child-env.ts';
import { simpleGit, type SimpleGit } from 'simple-git';
import { OperationError } from '../../core/command.ts';
import type { FileSource } from '../../model/load.ts';

const DIRS = ['nodes', 'users'] as const;

export async function gitSource(root: string, ref: string, option = '--base'): Promise<{ source: FileSource; commit: string }> {
  // Parallel `git show` calls; one per file is simple and fine for hundreds of files.
  const git: SimpleGit = simpleGit({ baseDir: root, maxConcurrentProcesses: 8 }).env(childEnv());
  const commit = await resolveRef(git, ref, option);
  // The fleet may live in a sub-folder of the repository: paths at the ref are repo-relative.
  const prefix = (await git.revparse(['--show-prefix'])).trim();
  const files = new Map<string, Buffer>();
  const lists = new Map<string, string[]>();
  const paths = ['fleet.yaml'];
  for (const dir of DIRS) {
    const out = await git.raw(['ls-tree', '--full-name', '--name-only', commit, '--', `${prefix}${dir}/`]);
    const names = out.split('\n').filter(Boolean).map((p) => p.slice(`${prefix}${dir}/`.length)).sort();
    lists.set(dir, names);
    paths.push(...names.map((n) => `${dir}/${n}`));
  }
  await Promise.all(paths.map(async (path) => {
    try {
      // Raw bytes: decoding here would turn invalid UTF-8 into U+FFFD and hide it from validation.
      files.set(path, await git.showBuffer([`${commit}:${prefix}${path}`]));
    } catch {
      // Absent at that commit (fleet.yaml missing, or a sub-folder): loadFleet reports it.
    }
  }));
  return {
    commit,
    source: { read: (path) => files.get(path), list: (dir) => lists.get(dir) ?? [] },
  };
}

async function resolveRef(git: SimpleGit, ref: string, option: string): Promise<string> {
  if (ref.startsWith('-')) throw new OperationError(`${option} "${ref}" is not a Git ref`);
  const unknown = new OperationError(`${option}: "${ref}" is not a commit in this repository (in Actions, check out with fetch-depth: 0 or fetch that branch first)`);
  let commit: string;
  try {
    commit = (await git.revparse(['--verify', '--quiet', `${ref}^{commit}`])).trim();
  } catch {
    // Not a ref this repository lacks, but no repository at all: say that.
    if (!(await git.checkIsRepo().catch(() => false))) {
      throw new OperationError(`${option} ${ref}: the fleet's folder is not in a Git repository — run it in a clone of the fleet's repository (or \`git init\` and commit the fleet first)`);
    }
    throw unknown;
  }
  // --quiet makes an unknown ref an empty answer, not an error.
  if (!/^[0-9a-f]{40,64}$/.test(commit)) throw unknown;
  return commit;
}
