// The editor's path: `kpn/attach` sent to the real language server → first `kpn/attachEvents`
// notification, for syscalls:sys_enter_connect. "cold" is the first attach of a server (it spawns
// the helper), "warm" a second one on the same helper, against the helper asked directly in the
// same run. KPN_BENCH_SETTLE=1 waits 3 s after index-ready first. Prints a markdown table.
// Usage (root): node bench/attach/lsp-attach-latency.mjs [--rounds N]
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { startServer } = await import(path.join(root, 'test/support/lspClient.mjs'));
const { ensureSubsetTree } = await import(path.join(root, 'test/e2e/trees.mjs'));
const { HelperClient } = await import(path.join(root, 'server/out/attach/helperClient.js'));

const argv = process.argv.slice(2);
const rounds = Number(argv[argv.indexOf('--rounds') + 1]) || 5;
if (process.getuid() !== 0) { console.error('run as root'); process.exit(2); }
const subset = await ensureSubsetTree();
if (subset.missing) { console.error(subset.missing); process.exit(2); }
const tree = mkdtempSync(path.join(tmpdir(), 'kpn-bench-tree-'));
mkdirSync(path.join(tree, 'net'));
copyFileSync(path.join(subset.dir, 'net/socket.c'), path.join(tree, 'net/socket.c'));

const srv = net.createServer((s) => s.destroy()).listen(0, '127.0.0.1');
await new Promise((r) => srv.once('listening', r));
const port = srv.address().port;
// a connect every 2 ms, stopping when this process goes away (stdin closes)
const connector = spawn(process.execPath, ['-e', `
  const net = require('net');
  setInterval(() => { const s = net.connect(${port}, '127.0.0.1'); s.on('error', () => {}); s.on('connect', () => s.destroy()); }, 2);
  setTimeout(() => process.exit(0), 600000);
  process.stdin.on('end', () => process.exit(0)).resume();
`], { stdio: ['pipe', 'ignore', 'ignore'] });

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

async function attachToFirstEvent(s) {
  const t0 = performance.now();
  let t;
  const seen = new Set();
  let want;
  let done;
  const first = new Promise((resolve) => { done = resolve; });
  // notifications may overtake the reply: remember links, then match the new one
  s.onEvents = (events) => {
    for (const e of events) seen.add(e.link);
    if (want !== undefined && seen.has(want) && t === undefined) { t = performance.now() - t0; done(); }
  };
  const info = await s.conn.sendRequest('kpn/attach', { target: 'syscalls:sys_enter_connect', type: 'tracepoint' });
  want = info.link;
  if (seen.has(want)) { t = performance.now() - t0; done(); }
  await first;
  await s.conn.sendRequest('kpn/detach', { link: info.link });
  return t;
}

/** The same attach straight to the helper, no language server: what the LSP path adds is the difference. */
async function helperDirect() {
  const h = await HelperClient.start({ helperPath: path.join(root, 'bpf-helper/build/kpn-bpf-helper'), statsIntervalMs: 0 });
  try {
    const t0 = performance.now();
    let link;
    const got = new Promise((resolve) => h.on('event', (e) => { if (e.link === link) resolve(); }));
    link = (await h.attach({ target: 'syscalls:sys_enter_connect', type: 'tracepoint', collect: 'events,comm' })).link;
    await got;
    return performance.now() - t0;
  } finally {
    await h.close();
  }
}

const cold = [];
const warm = [];
const direct = [];
try {
  for (let i = 0; i < rounds; i++) {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'kpn-bench-cache-'));
    const s = await startServer(tree, { cacheDir, initializationOptions: { trusted: true } });
    s.conn.onNotification('kpn/attachEvents', ({ events }) => s.onEvents(events));
    await s.ready;
    if (process.env.KPN_BENCH_SETTLE) await new Promise((r) => setTimeout(r, 3000));
    cold.push(await attachToFirstEvent(s));
    warm.push(await attachToFirstEvent(s));
    await s.stop();
    rmSync(cacheDir, { recursive: true, force: true });
    direct.push(await helperDirect());
  }
} finally {
  connector.stdin.end();
  srv.close();
  rmSync(tree, { recursive: true, force: true });
}
const row = (what, xs) => `| ${what} | ${median(xs).toFixed(1)} | ${xs.map((x) => x.toFixed(1)).join(', ')} |`;
console.log(`${new Date().toISOString()}, ${rounds} rounds, \`node bench/attach/lsp-attach-latency.mjs --rounds ${rounds}\` (root)\n`);
console.log('| through the language server (what the editor sees) | median ms | all (ms) |\n| --- | --- | --- |');
console.log(row('cold: kpn/attach (spawns the helper) → first kpn/attachEvents', cold));
console.log(row('warm: kpn/attach → first kpn/attachEvents', warm));
console.log(row('same attach straight to a running helper (no language server)', direct));
