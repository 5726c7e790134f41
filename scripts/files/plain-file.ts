// Reading files that came from somewhere else (the status branch, a probe run another
// vantage uploaded): a symlink there could lead to any file of the runner's, and an error
// that quotes the text read (JSON.parse does) would then print the first characters of a
// secret. So such files are read only as plain files, checked on the open descriptor:
// nothing can swap the file between the check and the read.
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readSync } from 'node:fs';

/** A file that is not a plain file where one was expected: a symlink, a folder, a device. */
export class NotPlainFileError extends Error {
  constructor(readonly path: string, readonly what: 'a symlink' | 'a folder' | 'a FIFO' | 'a device or socket') {
    super(`${path}: ${what}, not a plain file`);
    this.name = 'NotPlainFileError';
  }
}

/**
 * The bytes of `path`, which must be a plain file: a symlink is refused without being
 * followed (O_NOFOLLOW), and so is anything else but a regular file (O_NONBLOCK: a FIFO
 * cannot hang the open). With `maxBytes`, no read goes past one byte more than it, whatever
 * the file claims (the caller tells "too large" by that byte). `shown` is how the path
 * appears in the error. A missing file throws as readFileSync does (ENOENT).
 */
export function readPlainBytes(path: string, shown = path, maxBytes?: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new NotPlainFileError(shown, 'a symlink');
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new NotPlainFileError(shown, st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a FIFO' : 'a device or socket');
    if (maxBytes === undefined) return readFileSync(fd);
    const buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** readPlainBytes as UTF-8 text, the whole file. */
export function readPlainFile(path: string, shown = path): string {
  return readPlainBytes(path, shown).toString('utf8');
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
