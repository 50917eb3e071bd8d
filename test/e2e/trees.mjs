// The kernel trees the e2e tests open, extracted from Debian's linux-source packages by
// scripts/kernel-tree.sh (idempotent, ~10 s for the subset).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './harness.mjs';

export const SUBSET_6_1 = join(REPO, 'test/.data/linux-6.1-subset');
// Kbuild at the root is what the extension's workspaceContains:Kbuild activation looks for.
export const SUBSET_6_1_PARTS = ['Kbuild', 'net/ipv4', 'net/ipv6', 'net/core', 'net/socket.c', 'kernel/sched', 'fs/ext4', 'include'];

/** Extracts the 6.1 subset if needed; resolves to { dir } or { missing: reason }. */
/** Skips `t` with the reason printed when a tree (anything with `missing`) cannot be had here; true when it did. */
export function skipWithoutTree(tree, t) {
  if (!tree.missing) return false;
  console.log(`# skipped: ${tree.missing}`);
  t.skip(tree.missing);
  return true;
}

export async function ensureSubsetTree() {
  const tarball = '/usr/src/linux-source-6.1.tar.xz';
  const canInstall = process.getuid?.() === 0;
  if (!existsSync(tarball) && !canInstall) {
    return { missing: `${tarball} absent and not root to apt-get install linux-source-6.1` };
  }
  try {
    await promisify(execFile)('bash', [join(REPO, 'scripts/kernel-tree.sh'), '6.1', SUBSET_6_1, ...SUBSET_6_1_PARTS],
      { maxBuffer: 1 << 20, timeout: 600_000 });
  } catch (err) {
    return { missing: `scripts/kernel-tree.sh failed: ${err.stderr || err.message}` };
  }
  return { dir: SUBSET_6_1 };
}

/**
 * A whole Debian linux-source tree ('6.1' or '6.12'), extracted once into test/.data by
 * scripts/kernel-tree.sh (about a minute; the package is installed when root). KPN_LINUX_61 /
 * KPN_LINUX_612 name an existing tree instead. Returns the folder; when it could not be had the
 * folder is absent, and tests that check for their files skip with the printed reason.
 */
export function fullTree(version) {
  const given = process.env[`KPN_LINUX_${version.replace('.', '')}`];
  if (given) return given;
  const dest = join(REPO, `test/.data/linux-source-${version}`);
  if (!existsSync(join(dest, '.kpn-tree'))) {
    try {
      execFileSync('bash', [join(REPO, 'scripts/kernel-tree.sh'), version, dest], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 900_000 });
    } catch (err) {
      console.log(`# full ${version} tree unavailable: ${String(err.stderr || err.message).trim().split('\n').pop()}`);
    }
  }
  return dest;
}
