// Shared set-up for the build-evidence tests: Debian's 6.1 vmlinux (downloaded once into
// test/.data by scripts/debian-6.1-btf.sh) and tool probes.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = path.join(repo, 'test', '.data');

export function hasCommand(cmd) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status === 0;
}

let cached;
/** Path of the Debian 6.1.0-56 vmlinux, or `{ skip: reason }` when it cannot be had here. */
export function debian61Vmlinux() {
  if (cached) return cached;
  const file = path.join(dataDir, 'vmlinux-6.1.0-56');
  if (!fs.existsSync(file)) {
    try {
      execFileSync('bash', [path.join(repo, 'scripts', 'debian-6.1-btf.sh'), dataDir], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 });
    } catch (e) {
      const why = String(e.stderr ?? e.message).trim().split('\n').pop();
      return (cached = { skip: `Debian 6.1 vmlinux unavailable: ${why}` });
    }
  }
  return (cached = file);
}

/** Path of the Debian 6.1.0-56 build's .config (fetched with its vmlinux), or `{ skip: reason }`. */
export function debian61Config() {
  const vmlinux = debian61Vmlinux();
  if (typeof vmlinux !== 'string') return vmlinux;
  const file = path.join(dataDir, 'config-6.1.0-56');
  return fs.existsSync(file) ? file : { skip: `${file} absent although scripts/debian-6.1-btf.sh ran` };
}
