// A minimal LSP client over stdio for tests: spawns the real server and speaks JSON-RPC to it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';
import { ensureSubsetTree } from '../e2e/trees.mjs';

export const SERVER = fileURLToPath(new URL('../../server/out/main.js', import.meta.url));

export async function startServer(root, { cacheDir, initializationOptions = {} } = {}) {
  const proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const logs = [];
  const statuses = [];
  let onStatus = () => {};
  conn.onNotification('window/logMessage', (m) => logs.push(m.message));
  conn.onNotification('kpn/status', (s) => { statuses.push(s); onStatus(s); });
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onNotification('$/progress', () => {});
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  const rootUri = pathToFileURL(root).toString();
  await conn.sendRequest('initialize', {
    processId: process.pid, rootUri, workspaceFolders: [{ uri: rootUri, name: 'tree' }],
    capabilities: { window: { workDoneProgress: true }, workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } },
    initializationOptions: { cacheDir, ...initializationOptions },
  });
  const ready = new Promise((resolve) => {
    onStatus = (s) => { if (s.state === 'ready' || s.state === 'error') resolve(s); };
  });
  conn.sendNotification('initialized', {});
  return {
    conn, proc, logs, statuses, ready,
    get stderr() { return stderr; },
    uri: (rel) => pathToFileURL(join(root, rel)).toString(),
    async open(rel, text) {
      conn.sendNotification('textDocument/didOpen', { textDocument: { uri: this.uri(rel), languageId: 'c', version: 1, text } });
    },
    async stop() {
      const exited = new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      try {
        await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 5000))]);
        await conn.sendNotification('exit');
      } catch { /* already gone */ }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      conn.dispose();
      proc.kill();
    },
  };
}

/**
 * A real server over the 6.1 subset in a scratch folder (its cache in `scratch/cache`), ready:
 * `{ tree, server, scratch }`, or `{ tree: { missing } }` when the subset cannot be had here.
 */
export async function startSubsetServer(prefix, initializationOptions) {
  const tree = await ensureSubsetTree();
  if (tree.missing) return { tree };
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  const server = await startServer(tree.dir, { cacheDir: join(scratch, 'cache'), initializationOptions });
  const s = await server.ready;
  if (s.state !== 'ready') throw new Error(`server not ready (${s.state}):\n${server.logs.join('\n')}`);
  return { tree, server, scratch };
}

export async function stopSubsetServer({ server, scratch } = {}) {
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
