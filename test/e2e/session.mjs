// What every real-editor test on the 6.1 subset shares: its prerequisites (or a printed skip), the
// editor, steps that leave a screenshot when they fail, and the list of screenshots at the end.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findEditor, openEditor, REPO } from './harness.mjs';
import { ensureSubsetTree } from './trees.mjs';

export const INDEX_TIMEOUT_MS = Number(process.env.KPN_INDEX_TIMEOUT_MS || 300_000);

/** Why a real-editor test cannot run here, or null; `more` adds a test's own check. */
export async function missingPrerequisite(more = () => null) {
  const editor = findEditor();
  if (editor.missing) return editor.missing;
  if (!existsSync(join(REPO, 'client/out/extension.js'))) return 'client/out/extension.js not built (npx tsc -b)';
  const own = await more();
  if (own) return own;
  const tree = await ensureSubsetTree();
  return tree.missing ?? null;
}

/**
 * Opens the subset tree in a real editor and runs `body({ tree, ed, page, shot, step })`;
 * `step(name, fn)` is a subtest that screenshots the editor when it fails.
 */
export async function withSubsetEditor(t, { prefix, missing }, body) {
  const reason = await missingPrerequisite(missing);
  if (reason) {
    console.log(`# skipped: ${reason}`);
    t.skip(reason);
    return;
  }
  const { dir: tree } = await ensureSubsetTree();
  const shots = [];
  const ed = await openEditor({ folder: tree, prefix });
  const shot = async (name) => shots.push(await ed.screenshot(name));
  const step = (name, fn) => t.test(name, async (st) => {
    try {
      await fn(st);
    } catch (err) {
      await shot('failed').catch(() => {});
      throw err;
    }
  });
  try {
    await body({ tree, ed, page: ed.page, shot, step });
  } finally {
    console.log(`# screenshots:\n${shots.map((s) => `#   ${s}`).join('\n')}`);
    await ed.close();
  }
}
