// Reading files that came from somewhere else (the status branch, a probe run another
// vantage uploaded): a symlink there could lead to any file of the runner's, and an error
// that quotes the text read (JSON.parse does) would then print the first characters of a
// secret. So such files are read only as plain files, checked on the open descriptor:
// nothing can swap the file between the check and the read.
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync } from 'node:fs';

/** A file that is not a plain file where one was expected: a symlink, a folder, a device. */
export class NotPlainFileError extends Error {
  constructor(readonly path: string, readonly what: string) {
    super(`${path}: ${what}, not a plain file`);
    this.name = 'NotPlainFileError';
  }
}

/**
 * The text of `path`, which must be a plain file: a symlink is refused without being followed
 * (O_NOFOLLOW), and so is anything else but a regular file (O_NONBLOCK: a FIFO cannot hang
 * the open). `shown` is how the path appears in the error.
 */
export function readPlainFile(path: string, shown = path): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new NotPlainFileError(shown, 'a symlink');
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new NotPlainFileError(shown, st.isDirectory() ? 'a folder' : 'a special file');
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether anything is at `path`, the path itself, not what a symlink there points to:
 * existsSync follows links, so a dangling one would read as "missing", that is, as an
 * empty store, instead of being refused.
 */
export function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw e;
  }
}

/** Whether `path` itself is a plain file (a symlink to one is not). */
export function isPlainFile(path: string): boolean {
  return present(path) && lstatSync(path).isFile();
}
