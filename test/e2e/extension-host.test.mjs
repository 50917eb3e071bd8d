// Runs the extension-host suite (test/e2e/suite) through @vscode/test-electron's standard
// runTests(), with test/e2e/launcher/code.mjs standing in for the `code` executable. Set
// KPN_VSCODE_EXECUTABLE to a desktop VS Code's binary to run the same suite there instead.
import { test } from 'node:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findEditor, REPO } from './harness.mjs';
import { ensureSubsetTree } from './trees.mjs';

const LAUNCHER = join(REPO, 'test/e2e/launcher/code.mjs');

test('extension-host suite via runTests() and the code-server launcher', { timeout: 900_000 }, async (t) => {
  const executable = process.env.KPN_VSCODE_EXECUTABLE || LAUNCHER;
  const editor = findEditor();
  const reason = (executable === LAUNCHER && editor.missing)
    || (!existsSync(join(REPO, 'client/out/extension.js')) && 'client/out/extension.js not built (npx tsc -b)')
    || (await ensureSubsetTree()).missing;
  if (reason) {
    console.log(`# skipped: ${reason}`);
    t.skip(reason);
    return;
  }
  const { runTests } = await import('@vscode/test-electron');
  const scratch = mkdtempSync(join(tmpdir(), 'kpn-ext-tests-'));
  try {
    // runTests() rejects (TestRunFailedError) when the suite's run() rejects.
    await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: REPO,
      extensionTestsPath: join(REPO, 'test/e2e/suite/index.js'),
      launchArgs: [
        (await ensureSubsetTree()).dir,
        `--user-data-dir=${join(scratch, 'user-data')}`,
        `--extensions-dir=${join(scratch, 'extensions')}`,
      ],
      extensionTestsEnv: { KPN_E2E_SCREENSHOT: join(REPO, 'test/artifacts/e2e/extension-host-final.png') },
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
