/**
 * Finds the `.c`/`.h` files of a tree. Symbolic links are not followed: the kernel's few links point
 * inside the tree anyway, and not following them makes link loops harmless.
 */
import { promises as fs, readdirSync } from 'node:fs';
import * as path from 'node:path';

export interface WalkResult {
  /** Paths relative to the root, forward slashes. */
  files: string[];
  skippedLinks: number;
  unreadableDirs: string[];
}

export function findSourceFiles(root: string, exclude: ReadonlySet<string>): WalkResult {
  const result: WalkResult = { files: [], skippedLinks: 0, unreadableDirs: [] };
  const pending: string[] = [''];
  while (pending.length > 0) {
    const rel = pending.pop()!;
    let entries: import('node:fs').Dirent[];
    try {
      // Blocking reads on the walk's own thread (treeScan.ts): a promise round trip for each of
      // a kernel tree's ~5,000 directories made the walk a third of a warm start.
      entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      result.unreadableDirs.push(rel || '.');
      continue;
    }
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) { result.skippedLinks++; continue; }
      if (e.isDirectory()) {
        if (!exclude.has(e.name)) pending.push(child);
      } else if (e.isFile() && (e.name.endsWith('.c') || e.name.endsWith('.h'))) {
        result.files.push(child);
      }
    }
  }
  result.files.sort();
  return result;
}

/** `VERSION = 6`, `PATCHLEVEL = 1`, … from the root Makefile; undefined when it is not a kernel tree. */
export async function readKernelVersion(root: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(root, 'Makefile'), 'utf8');
  } catch {
    return undefined;
  }
  const field = (k: string) => new RegExp(`^${k}[ \\t]*=[ \\t]*(\\S*)`, 'm').exec(text)?.[1];
  const version = field('VERSION');
  const patch = field('PATCHLEVEL');
  if (!version || !patch || !/^\d+$/.test(version)) return undefined;
  const sub = field('SUBLEVEL');
  const extra = field('EXTRAVERSION') ?? '';
  return `${version}.${patch}${sub !== undefined && sub !== '' ? '.' + sub : ''}${extra}`;
}
