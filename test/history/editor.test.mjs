// The history hover in a real VS Code (code-server + Chromium): the workspace is the git
// repository of real 6.1/6.12 files, `kpn.history.otherTrees` comes from the workspace's
// .vscode/settings.json through the real client's workspace/configuration answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findEditor, openEditor, REPO } from '../e2e/harness.mjs';
import { locate } from '../e2e/source.mjs';
import { makeHistoryRepo, TREE_6_1 } from './repo.mjs';

test('history hover in a real editor: computing, then the changes across tags and the other tree', { timeout: 600_000 }, async (t) => {
  const editor = findEditor();
  const missing = editor.missing ?? (!existsSync(join(REPO, 'client/out/extension.js')) ? 'client/out/extension.js not built (npx tsc -b)' : undefined);
  const repo = missing ? { missing } : await makeHistoryRepo();
  if (repo.missing) {
    console.log(`# skipped: ${repo.missing}`);
    t.skip(repo.missing);
    return;
  }
  mkdirSync(join(repo.dir, '.vscode'));
  writeFileSync(join(repo.dir, '.vscode/settings.json'), JSON.stringify({ 'kpn.history.otherTrees': [TREE_6_1] }));
  const ed = await openEditor({ folder: repo.dir, prefix: 'history-' });
  try {
    await ed.openFile('net/ipv4/tcp_ipv4.c');
    await ed.waitForStatus(/KPN [\d,]+ fns/, 120_000);
    const def = locate(repo.dir, 'net/ipv4/tcp_ipv4.c', /^static void (tcp_v4_send_reset)\(/m);
    const first = await ed.hoverAt(def.line, def.col + 2, { match: /tcp_v4_send_reset/ });
    console.log(`# first hover: ${first.replace(/\s+/g, ' ').slice(-120)}`);
    await ed.closeHover();
    const later = await ed.hoverAt(def.line, def.col + 2, { match: /Prototype history:[^]*since 6\.1\.192/, timeout: 60_000 });
    // The section is at the bottom of a long hover: scroll it into view for the screenshot.
    const box = await ed.page.locator('.monaco-hover:not(.hidden)').first().boundingBox();
    if (box) { await ed.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2); for (let i = 0; i < 3; i++) { await ed.page.mouse.wheel(0, 200); await ed.page.waitForTimeout(150); } }
    await ed.screenshot('hover-history');
    console.log(`# later hover: ${later.replace(/\s+/g, ' ').slice(-200)}`);
    assert.match(later, /Prototype history:\s*parameter added in v6\.12: enum sk_rst_reason reason\s*parameter added since 6\.1\.192: enum sk_rst_reason reason/);
    await ed.closeHover();
  } finally {
    await ed.close();
    rmSync(repo.dir, { recursive: true, force: true });
  }
});
