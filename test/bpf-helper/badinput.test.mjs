// Bad input gets an error with a stable code, and the helper keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { buildHelper, helperPath, startHelper, out } from './setup.mjs';

/** Talks to the helper line by line without the client, so malformed lines really reach it. */
function rawHelper() {
  const child = spawn(helperPath, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buf = '';
  const waiting = [];
  const lines = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (c) => {
    buf += c;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (waiting.length) waiting.shift()(msg); else lines.push(msg);
    }
  });
  const next = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((r) => waiting.push(r)));
  return {
    child,
    async send(line) { child.stdin.write(line + '\n'); return next(); },
    close() { child.stdin.end(); return new Promise((r) => child.once('exit', r)); },
  };
}

test('bad JSON, oversized lines, invalid names and unknown commands are answered, not fatal', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const h = rawHelper();
  try {
    assert.equal((await h.send('{"id":1,"cmd":"list"}')).error.code, 'ENOHELLO');
    assert.equal((await h.send('{"id":2,"cmd":"hello","protocol":99}')).error.code, 'EPROTO_VERSION');
    assert.equal((await h.send('{"id":3,"cmd":"hello","protocol":1}')).ok, true);
    for (const bad of ['not json', '{"id":4,', '[1,2]', '{"a":1}{"b":2}', '{"cmd":"x\\u0000"}', '{"k":1,"k":2}', '{"id":5,"cmd":"list","x":' + '['.repeat(40) + ']'.repeat(40) + '}']) {
      assert.equal((await h.send(bad)).error.code, 'EBADJSON', bad);
    }
    const huge = JSON.stringify({ id: 6, cmd: 'attach', target: 'x'.repeat(70000) });
    assert.equal((await h.send(huge)).error.code, 'ETOOLONG');
    assert.equal((await h.send('{"id":7,"cmd":"selfdestruct"}')).error.code, 'EUNKNOWN_CMD');
    assert.equal((await h.send('{"id":8}')).error.code, 'EINVAL_ARG');
    for (const target of ['tcp_v4_connect; rm -rf /', '../../etc/passwd', 'a:b:c', 'syscalls:sys enter', '1abc', '', 'x'.repeat(200)]) {
      const r = await h.send(JSON.stringify({ id: 9, cmd: 'verify', target }));
      assert.equal(r.error.code, 'EINVAL_NAME', target);
    }
    assert.equal((await h.send('{"id":10,"cmd":"verify","target":"tcp_v4_connect","type":"uprobe"}')).error.code, 'EINVAL_TYPE');
    assert.equal((await h.send('{"id":11,"cmd":"attach","target":"tcp_v4_connect","nargs":99}')).error.code, 'EINVAL_ARG');
    assert.equal((await h.send('{"id":12,"cmd":"attach","target":"syscalls:sys_enter_connect","collect":"events,bogus"}')).error.code, 'EINVAL_ARG');
    assert.equal((await h.send('{"id":13,"cmd":"detach","link":12345}')).error.code, 'ENOLINK');
    assert.equal((await h.send('{"id":14,"cmd":"verify","target":"tcp_v4_connect","type":"kprobe","object":"relative/x.o"}')).error.code, 'EINVAL_OBJECT');
    assert.equal((await h.send('{"id":15,"cmd":"verify","target":"tcp_v4_connect","type":"kprobe","object":"/etc/passwd"}')).error.code, 'EINVAL_OBJECT');
    assert.equal((await h.send('{"id":16,"cmd":"verify","target":"tcp_v4_connect","type":"kprobe","object":"/nonexistent.o"}')).error.code, 'EINVAL_OBJECT');
    // still alive and answering
    const l = await h.send('{"id":"last","cmd":"list"}');
    assert.equal(l.ok, true);
    assert.equal(l.id, 'last');
  } finally {
    assert.equal(await h.close(), 0);
  }
});

test('the client refuses invalid names before they reach the helper', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const h = await startHelper();
  try {
    for (const target of ['a b', 'x;y', 'syscalls:', ':x']) {
      await assert.rejects(h.attach({ target }), (e) => e.code === 'EINVAL_NAME');
    }
    await assert.rejects(h.attach({ target: 'tcp_v4_connect', type: 'tracepoint' }), (e) => e.code === 'EINVAL_NAME');
    await assert.rejects(h.attach({ target: 'tcp_v4_connect', type: 'magic' }), (e) => e.code === 'EINVAL_TYPE');
    await assert.rejects(h.attach({ target: 'tcp_v4_connect', object: 'rel.o' }), (e) => e.code === 'EINVAL_ARG');
    assert.deepEqual(await h.list(), []);
  } finally {
    await h.close();
  }
});

test('a world-writable object is refused by the trust rule', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const { mkdtemp, writeFile, chmod, rm } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kpn-trust-'));
  const f = path.join(dir, 'x.bpf.o');
  await writeFile(f, 'not an elf');
  const h = await startHelper();
  try {
    await chmod(f, 0o666);
    await assert.rejects(h.verify({ target: 'tcp_v4_connect', type: 'kprobe', object: f }), (e) => e.code === 'EINVAL_OBJECT' && /writable/.test(e.message));
    await chmod(f, 0o644);
    await assert.rejects(h.verify({ target: 'tcp_v4_connect', type: 'kprobe', object: f }), (e) => e.code === 'EINVAL_OBJECT' && /not a loadable BPF object/.test(e.message));
  } finally {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  }
});
