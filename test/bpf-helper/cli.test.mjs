// kpn attach: events as JSON lines, then a summary; a refusal is explained and exits 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { buildHelper, helperPath, out } from './setup.mjs';

const { attachCommand } = await import(out('cli/attachCommand.js'));

function capture() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (c) => { text += c; });
  return { s, lines: () => text.split('\n').filter(Boolean) };
}

test('kpn attach --json prints our connect with decoded args and a summary', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const srv = net.createServer((c) => c.destroy()).listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const port = srv.address().port;
  const o = capture();
  const run = attachCommand(['syscalls:sys_enter_connect', '--pid', String(process.pid), '--max-events', '1', '--for', '10', '--json', '--helper', helperPath], o.s);
  // connect until the probe is in place and has seen one
  const timer = setInterval(() => { const c = net.connect(port, '127.0.0.1'); c.on('error', () => {}); c.on('connect', () => c.destroy()); }, 50);
  const rc = await run;
  clearInterval(timer);
  srv.close();
  assert.equal(rc, 0);
  const msgs = o.lines().map((l) => JSON.parse(l));
  assert.equal(msgs[0].type, 'attached');
  const ev = msgs.find((m) => m.type === 'event');
  assert.equal(ev.pid, process.pid);
  assert.equal(ev.args.uservaddr.port, port);
  const sum = msgs.at(-1);
  assert.equal(sum.type, 'summary');
  assert.equal(sum.events, 1);
  assert.equal(sum.drops, 0);
});

test('kpn attach explains a refusal and exits 1; bad usage exits 2', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const o = capture();
  const rc = await attachCommand(['tcp_v4_connect', '--type', 'kprobe', '--helper', helperPath], o.s);
  if (rc === 0) return t.skip('kprobes work on this kernel');
  assert.equal(rc, 1);
  assert.match(o.lines()[0], /ENOKPROBES/);
  assert.match(o.lines().join('\n'), /try instead: syscalls:sys_enter_connect/);
  const u = capture();
  assert.equal(await attachCommand(['bad name!'], u.s), 2);
  assert.equal(await attachCommand(['x', '--for', 'soon'], u.s), 2);
});

test('kpn attach --proto compiles once into --cache and reuses the object next time', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const { mkdtempSync, readdirSync, rmSync, statSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const cache = mkdtempSync(join(tmpdir(), 'kpn-cli-cache-'));
  const objects = join(cache, 'probes', 'objects');
  const srv = net.createServer((c) => c.destroy()).listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const port = srv.address().port;
  const timer = setInterval(() => { const c = net.connect(port, '127.0.0.1'); c.on('error', () => {}); c.on('connect', () => c.destroy()); }, 50);
  const attachOnce = async () => {
    const o = capture();
    const rc = await attachCommand(['sock:inet_sock_set_state', '--proto', 'void inet_sock_set_state(const struct sock *sk, const int oldstate, const int newstate)',
      '--pid', String(process.pid), '--max-events', '1', '--for', '20', '--json', '--cache', cache, '--helper', helperPath], o.s);
    assert.equal(rc, 0, o.lines().join('\n'));
    const ev = o.lines().map((l) => JSON.parse(l)).find((m) => m.type === 'event');
    assert.equal(ev.args.sk.daddr, '127.0.0.1');
    return readdirSync(objects).filter((n) => n.endsWith('.o'));
  };
  try {
    const first = await attachOnce();
    assert.equal(first.length, 1);
    const ino = statSync(join(objects, first[0])).ino;
    assert.equal(statSync(objects).mode & 0o777, 0o700);
    assert.deepEqual(await attachOnce(), first);
    assert.equal(statSync(join(objects, first[0])).ino, ino, 'the object was compiled again');
  } finally {
    clearInterval(timer);
    srv.close();
    rmSync(cache, { recursive: true, force: true });
  }
});
