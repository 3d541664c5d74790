// Small files in the data dir (the admin token, the secret key), written so that a full
// disk can never leave one half-written: the content goes to a temporary file that is
// renamed over the name only once complete. A plain write on a full disk created the
// file and then failed, and the next start read an empty token or key and refused to
// start until someone deleted it by hand.
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

/**
 * Creates `path` with `content` unless it exists; returns false when it already existed
 * (another process created it first). Throws the file system's error (ENOSPC) after
 * leaving nothing behind.
 */
export function createDataFile(path: string, content: string, mode: number): boolean {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', mode);
  try {
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // link, not rename: it fails with EEXIST instead of replacing a file created meanwhile.
    try {
      linkSync(temporary, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    return true;
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // already gone
    }
  }
}

/** The trimmed content of a data file, or null when it is missing or empty (a write that never completed). */
export function readDataFile(path: string): string | null {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text === '' ? null : text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
