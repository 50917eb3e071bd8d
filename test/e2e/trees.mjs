// The kernel trees the e2e tests open, extracted from Debian's linux-source packages by
// scripts/kernel-tree.sh (idempotent, ~10 s for the subset).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './harness.mjs';

export const SUBSET_6_1 = join(REPO, 'test/.data/linux-6.1-subset');
// Kbuild at the root is what the extension's workspaceContains:Kbuild activation looks for.
export const SUBSET_6_1_PARTS = ['Kbuild', 'net/ipv4', 'net/ipv6', 'net/core', 'net/socket.c', 'kernel/sched', 'fs/ext4', 'include'];

/** Extracts the 6.1 subset if needed; resolves to { dir } or { missing: reason }. */
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
