// Shared set-up for the trace-feature tests: compiled modules, this folder's fixtures and the
// shared real traces.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repo, tracesDir } from '../ftrace/fixtures.mjs';

export { load, repo } from '../ftrace/fixtures.mjs';
export const ownFixture = (name) => path.join(repo, 'test', 'trace', 'fixtures', name);
export const sharedFixture = (name) => path.join(tracesDir, name);

/** Skips the test (printing why) unless every path exists; returns true when it may run. */
export function need(t, ...paths) {
  for (const p of paths) {
    if (!fs.existsSync(p)) {
      console.log(`# skipped: ${p} not present`);
      t.skip(`${p} not present`);
      return false;
    }
  }
  return true;
}
