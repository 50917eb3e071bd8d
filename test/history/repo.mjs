// A real git repository made from the real 6.1 and 6.12 versions of a few kernel files, tagged
// v6.1 and v6.12 (plus tags the history must ignore), for the history tests.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fullTree } from '../e2e/trees.mjs';

const run = promisify(execFile);

export const TREE_6_1 = fullTree('6.1');
export const TREE_6_12 = fullTree('6.12');
export const FILES = ['Makefile', 'net/ipv4/tcp_ipv4.c', 'net/ipv4/tcp.c', 'net/socket.c', 'include/net/tcp.h'];

/**
 * Resolves to { dir } or { missing: reason }. Takes the files from the extracted trees, or from
 * Debian's tarballs when the trees are absent (a few files with --wildcards: tar still has to
 * decompress the whole archive, about a minute each).
 */
export async function makeHistoryRepo() {
  const sources = {};
  for (const [tag, tree, tarball] of [['v6.1', TREE_6_1, '/usr/src/linux-source-6.1.tar.xz'], ['v6.12', TREE_6_12, '/usr/src/linux-source-6.12.tar.xz']]) {
    if (FILES.every((f) => existsSync(join(tree, f)))) { sources[tag] = tree; continue; }
    if (!existsSync(tarball)) return { missing: `${tree} and ${tarball} absent` };
    const out = mkdtempSync(join(tmpdir(), 'kpn-hist-src-'));
    const top = tarball.replace(/^.*\//, '').replace(/\.tar\.xz$/, '');
    await run('tar', ['-xJf', tarball, '-C', out, ...FILES.map((f) => `${top}/${f}`)], { timeout: 600_000 });
    sources[tag] = join(out, top);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kpn-history-'));
  const git = (...args) => run('git', ['-c', 'user.name=kpn test', '-c', 'user.email=kpn@test', ...args], { cwd: dir });
  const put = (tree) => {
    for (const f of FILES) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      copyFileSync(join(tree, f), join(dir, f));
    }
  };
  await git('init', '-q', '-b', 'main');
  put(sources['v6.1']);
  await git('add', '-A');
  await git('commit', '-q', '-m', '6.1');
  await git('tag', 'v6.1');
  // Not releases: must not be picked.
  await git('tag', 'v6.12-rc1');
  await git('tag', 'v6.1.5');
  // A release tag on a branch HEAD does not contain: not part of this checkout's history.
  await git('checkout', '-q', '-b', 'side');
  await git('commit', '-q', '--allow-empty', '-m', 'side');
  await git('tag', 'v6.20');
  await git('checkout', '-q', 'main');
  put(sources['v6.12']);
  await git('add', '-A');
  await git('commit', '-q', '-m', '6.12');
  await git('tag', 'v6.12');
  return { dir };
}
