#!/usr/bin/env node
// Behaves like the `code` executable as far as @vscode/test-electron's runTests() needs: it takes
// --extensionDevelopmentPath/--extensionTestsPath/--user-data-dir/--extensions-dir and a folder,
// runs the extension tests in code-server + headless Chromium, and exits with the test result.
// So `runTests({ vscodeExecutablePath: <this file>, ... })` works offline, and the same call
// without vscodeExecutablePath runs the same suite against a downloaded desktop VS Code.
import { runExtensionTests, findEditor } from '../harness.mjs';

// Desktop-only switches runTests() always passes; meaningless for code-server.
const IGNORED = new Set([
  'no-sandbox', 'disable-gpu-sandbox', 'disable-updates', 'skip-welcome', 'skip-release-notes',
  'disable-workspace-trust', 'disable-extensions', 'new-window', 'wait', 'disable-gpu',
  'disable-telemetry', 'disable-chromium-sandbox',
]);
const VALUED = new Set(['extensionDevelopmentPath', 'extensionTestsPath', 'user-data-dir', 'extensions-dir']);

function parse(argv) {
  const opts = { folders: [], devPaths: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (!arg.startsWith('--')) { opts.folders.push(arg); continue; }
    let [name, value] = arg.slice(2).split(/=(.*)/s, 2);
    if (VALUED.has(name) && value === undefined) value = argv[++i];
    if (name === 'extensionDevelopmentPath') opts.devPaths.push(value);
    else if (name === 'extensionTestsPath') opts.testsPath = value;
    else if (name === 'user-data-dir') opts.userDataDir = value;
    else if (name === 'extensions-dir') opts.extensionsDir = value;
    else if (!IGNORED.has(name)) console.error(`kpn-code-launcher: ignoring ${arg}`);
  }
  return opts;
}

const opts = parse(process.argv.slice(2));
const editor = findEditor();
if (editor.missing) {
  console.error(`kpn-code-launcher: ${editor.missing}`);
  process.exit(2);
}
if (!opts.testsPath || !opts.devPaths.length) {
  console.error('kpn-code-launcher: needs --extensionDevelopmentPath and --extensionTestsPath');
  process.exit(2);
}
// The web workbench's payload carries one development path.
if (opts.devPaths.length > 1) console.error(`kpn-code-launcher: using only ${opts.devPaths[0]}`);
if (opts.folders.length > 1) console.error(`kpn-code-launcher: opening only ${opts.folders[0]}`);

try {
  const code = await runExtensionTests({
    extensionDevelopmentPath: opts.devPaths[0],
    extensionTestsPath: opts.testsPath,
    folder: opts.folders[0],
    userDataDir: opts.userDataDir,
    extensionsDir: opts.extensionsDir,
    timeoutMs: Number(process.env.KPN_E2E_TIMEOUT_MS || 600_000),
    screenshot: process.env.KPN_E2E_SCREENSHOT || undefined,
  });
  process.exit(Number.isInteger(code) ? code : 1);
} catch (err) {
  console.error(`kpn-code-launcher: ${err?.stack ?? err}`);
  process.exit(1);
}
