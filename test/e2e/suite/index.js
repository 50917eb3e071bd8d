// Extension-host suite: runs inside VS Code's extension host (code-server here, a downloaded
// desktop VS Code elsewhere) against a workspace holding a kernel tree (the 6.1 subset).
// Mocha-style without mocha: run() resolves when all pass, rejects listing the failures.
const assert = require('node:assert/strict');
const path = require('node:path');
const vscode = require('vscode');

const EXTENSION_ID = 'kpn.kernel-probe-navigator';
const INDEX_TIMEOUT_MS = Number(process.env.KPN_INDEX_TIMEOUT_MS || 240_000);

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

function root() {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri;
}

async function openDoc(rel) {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(root(), rel));
  await vscode.window.showTextDocument(doc);
  return doc;
}

/** Position of the first match of `re` in the document, at the start of capture group 1. */
function positionOf(doc, re) {
  const m = re.exec(doc.getText());
  assert.ok(m, `${re} found in ${doc.uri.path}`);
  return doc.positionAt(m.index + m[0].indexOf(m[1]));
}

function hoverText(hovers) {
  return hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
}

test('extension is present and activates', async () => {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is loaded`);
  await openDoc('net/ipv4/tcp_ipv4.c');
  await ext.activate();
  assert.equal(ext.isActive, true);
});

test('kpn.indexStatus reaches ready with functions', async () => {
  const deadline = Date.now() + INDEX_TIMEOUT_MS;
  let status;
  while (Date.now() < deadline) {
    status = await vscode.commands.executeCommand('kpn.indexStatus');
    if (status?.state === 'ready' || status?.state === 'error') break;
    await sleep(500);
  }
  console.log(`index status: ${JSON.stringify(status)}`);
  assert.equal(status?.state, 'ready');
  assert.ok(status.files > 0 && status.functions > 0, 'files and functions counted');
});

test('hover on tcp_v4_connect names its ops membership', async () => {
  const doc = await openDoc('net/ipv4/tcp_ipv4.c');
  const pos = positionOf(doc, /^int (tcp_v4_connect)\(/m);
  const text = hoverText(await vscode.commands.executeCommand('vscode.executeHoverProvider', doc.uri, pos));
  assert.match(text, /tcp_prot\.connect/);
  assert.match(text, /struct proto/);
});

test('definition from a direct call in another file leads to the function', async () => {
  // tcp_v6_connect() falls back to tcp_v4_connect() for v4-mapped addresses.
  const doc = await openDoc('net/ipv6/tcp_ipv6.c');
  const call = positionOf(doc, /=\s*(tcp_v4_connect)\(/);
  const defs = await vscode.commands.executeCommand('vscode.executeDefinitionProvider', doc.uri, call);
  assert.ok(defs.length > 0, 'a definition is returned');
  const first = defs[0];
  const uri = first.targetUri ?? first.uri;
  const range = first.targetSelectionRange ?? first.targetRange ?? first.range;
  assert.equal(path.relative(root().fsPath, uri.fsPath), 'net/ipv4/tcp_ipv4.c');
  const target = await vscode.workspace.openTextDocument(uri);
  assert.match(target.lineAt(range.start.line).text, /^int tcp_v4_connect\(/);
});

test('CodeLens counts ops registrations of tcp_v4_connect', async () => {
  const doc = await openDoc('net/ipv4/tcp_ipv4.c');
  const line = positionOf(doc, /^int (tcp_v4_connect)\(/m).line;
  const lenses = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', doc.uri, 100);
  const titles = lenses.filter((l) => Math.abs(l.range.start.line - line) <= 1).map((l) => l.command?.title ?? '');
  assert.ok(titles.some((t) => /\d+ ops registrations?/.test(t)), `lens titles near line ${line + 1}: ${JSON.stringify(titles)}`);
});

exports.run = async function run() {
  const only = process.env.KPN_SUITE_GREP ? new RegExp(process.env.KPN_SUITE_GREP) : null;
  let passed = 0;
  const failed = [];
  for (const { name, fn } of tests) {
    if (only && !only.test(name)) continue;
    const t0 = Date.now();
    try {
      await fn();
      passed += 1;
      console.log(`  ok   ${name} (${Date.now() - t0} ms)`);
    } catch (err) {
      failed.push(name);
      console.error(`  FAIL ${name} (${Date.now() - t0} ms)\n${err?.stack ?? err}`);
    }
  }
  console.log(`${passed} passed, ${failed.length} failed`);
  if (failed.length) throw new Error(`${failed.length} extension-host test(s) failed: ${failed.join('; ')}`);
};
