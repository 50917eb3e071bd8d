// Hostile workspaces: binary files, bad encodings, huge files, symlink loops, files vanishing
// mid-index, and a folder that is no kernel tree. Nothing may crash; the server answers afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync, openSync, writeSync, closeSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { indexTree } from '../../server/out/index/indexTree.js';
import { startServer } from '../support/lspClient.mjs';

function hostileTree() {
  const dir = mkdtempSync(join(tmpdir(), 'kpn-hostile-'));
  mkdirSync(join(dir, 'drivers/x'), { recursive: true });
  writeFileSync(join(dir, 'good.c'), 'static int good_open(void) { return helper(1); }\nstruct file_operations good_fops = { .open = good_open };\n');
  // A binary file named .c (an ELF header and NUL bytes).
  writeFileSync(join(dir, 'binary.c'), Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]), randomBytes(4096)]));
  // Latin-1 bytes that are not valid UTF-8, in a comment and around a real function.
  writeFileSync(join(dir, 'latin1.c'), Buffer.concat([Buffer.from('/* caf'), Buffer.from([0xe9, 0xff, 0xfe]), Buffer.from(' */\nint latin_fn(int a) { return a; }\n')]));
  // Identifiers that are also Object.prototype members (a plain-object lookup once crashed workers on these).
  writeFileSync(join(dir, 'proto.c'), 'static void __attribute__((constructor)) toString(void) { hasOwnProperty(1); }\nint __proto__(int valueOf) { return constructor(valueOf); }\n');
  // Unparsable C.
  writeFileSync(join(dir, 'garbage.c'), '}}}} int ((( ;; #if \n struct { = = = \n' + 'x'.repeat(10000));
  // A 70 MB file: skipped with a log line.
  const fd = openSync(join(dir, 'drivers/x/huge.c'), 'w');
  const chunk = Buffer.from('int filler_var_0123456789 = 1;\n'.repeat(32768));
  for (let written = 0; written < 70 * 1048576; written += chunk.length) writeSync(fd, chunk);
  closeSync(fd);
  // A symlink loop and a dangling link.
  symlinkSync('..', join(dir, 'drivers/x/loop'));
  symlinkSync('/nonexistent/file.c', join(dir, 'dangling.c'));
  // Many small files so deleting one during indexing races with the workers.
  for (let i = 0; i < 300; i++) writeFileSync(join(dir, 'drivers/x', `f${i}.c`), `int f${i}(void) { return f${(i + 1) % 300}(); }\n`);
  return dir;
}

test('indexing a hostile folder finishes with clear reasons', async () => {
  const dir = hostileTree();
  try {
    const logs = [];
    let deleted = false;
    const { index, isKernelTree } = await indexTree(dir, {
      log: (l) => logs.push(l),
      onProgress: (done) => {
        if (!deleted && done > 0) { deleted = true; unlinkSync(join(dir, 'drivers/x/f299.c')); }
      },
    });
    assert.equal(isKernelTree, false);
    assert.equal(index.resolve('good_open').length, 1);
    assert.equal(index.resolve('latin_fn').length, 1);
    assert.deepEqual(index.opsOf('good_open').map((o) => `${o.instance}.${o.field}`), ['good_fops.open']);
    const skipped = Object.fromEntries(index.skippedFiles().map((s) => [s.file, s.reason]));
    assert.match(skipped['binary.c'], /binary/);
    assert.match(skipped['drivers/x/huge.c'], /larger than/);
    assert.ok(logs.some((l) => l.includes('drivers/x/huge.c')), logs.join('\n'));
    assert.ok(logs.some((l) => /symbolic links not followed/.test(l)));
    assert.ok(index.fileFacts('garbage.c').hasError);
    assert.deepEqual(index.resolve('toString').map((f) => f.qualifiers), [['static']]);
    assert.equal(index.resolve('__proto__').length, 1);
    assert.deepEqual(index.callersOf('constructor').map((c) => c.caller), ['__proto__']);
    // f299.c was deleted while indexing: either parsed before, or recorded unreadable; never fatal.
    const f299 = index.fileFacts('drivers/x/f299.c');
    assert.ok(!f299 || f299.functions.length === 1 || /unreadable/.test(f299.skipped), JSON.stringify(f299));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the language server stays up on a hostile folder and answers afterwards', async () => {
  const dir = hostileTree();
  const cacheDir = mkdtempSync(join(tmpdir(), 'kpn-hostile-cache-'));
  const server = await startServer(dir, { cacheDir });
  try {
    const status = await server.ready;
    assert.equal(status.state, 'ready');
    assert.equal(status.isKernelTree, false);
    assert.match(status.message, /not a kernel tree/);
    const text = 'static int good_open(void) { return helper(1); }\n';
    await server.open('good.c', text);
    const h = await server.conn.sendRequest('textDocument/hover', { textDocument: { uri: server.uri('good.c') }, position: { line: 0, character: 13 } });
    assert.match(h.contents.value, /good_fops\.open/);
    // A binary buffer opened in the editor is indexed without harm.
    await server.open('binary.c', '\u0000\u0001ELF\u0000'.repeat(100));
    const syms = await server.conn.sendRequest('workspace/symbol', { query: 'good' });
    assert.ok(syms.some((s) => s.name === 'good_open'));
    assert.equal(server.proc.exitCode, null);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
