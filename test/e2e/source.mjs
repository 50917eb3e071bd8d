// Finds where things are in the tree's files, so tests target positions by content, not by
// line numbers that differ between kernel versions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** 1-based { line, col } of capture group 1 of the first match of `re` in root/rel. */
export function locate(root, rel, re) {
  const text = readFileSync(join(root, rel), 'utf8');
  const m = re.exec(text);
  if (!m) throw new Error(`${re} not found in ${rel}`);
  const offset = m.index + m[0].indexOf(m[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return { line, col, lineText: text.split('\n')[line - 1] };
}
