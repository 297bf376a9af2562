/**
 * File writes shared by the build, the local voicemail spool and the scripts. No dependencies
 * beyond Node's own, so the router's bundle can include it (lambda/build.ts cannot be: it
 * imports esbuild).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes via a temporary file and a rename, so a process reading the file meanwhile (a test,
 * `npm start`, the local worker reading its spool) never sees half of it.
 */
export function writeFileAtomically(file: string, contents: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, contents, { mode });
  fs.renameSync(temporary, file);
}
