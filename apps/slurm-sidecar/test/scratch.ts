import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const dirs: string[] = [];
let registered = false;

/** A temporary directory removed after the test file (call it from tests or at top level). */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Registers the clean-up; call once at the top level of a test file that uses scratchDir. */
export function cleanScratchDirsAfterAll(): void {
  if (registered) return;
  registered = true;
  afterAll(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
}
