// Shared set-up for the trace-feature tests: compiled modules, this folder's fixtures and the
// shared real traces.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
export const load = (m) => require(path.join(repo, 'server', 'out', m));
export const ownFixture = (name) => path.join(repo, 'test', 'trace', 'fixtures', name);
export const sharedFixture = (name) => path.join(repo, '..', 'shared', 'fixtures', 'traces', name);

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
