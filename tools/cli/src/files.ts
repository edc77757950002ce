import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** A file named on the command line that cannot be read: said as a sentence (exit code 2), not as ENOENT. */
export class InputFileError extends Error {}

/** Reads the file a flag names; a missing, unreadable or directory path is an InputFileError naming the flag. */
export function readInputFile(flag: string, path: string, what: string): string {
  const full = resolve(path);
  try {
    return readFileSync(full, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'there is no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'this user may not read it'
          : code === 'EISDIR'
            ? 'it is a directory, not a file'
            : `it cannot be read (${code ?? (err as Error).message})`;
    throw new InputFileError(`${flag} names ${what} at ${full}, but ${why}.`);
  }
}
