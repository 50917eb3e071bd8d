import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildHelper, connectOnce, startHelper, myComm, out } from './setup.mjs';


function waitFor(h, pred, ms = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { h.off('event', on); reject(new Error('no matching event')); }, ms);
    const on = (ev) => { if (pred(ev)) { clearTimeout(t); h.off('event', on); resolve(ev); } };
    h.on('event', on);
  });
}

test('a tracepoint attached live reports our connect with pid, comm and destination port', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const h = await startHelper();
  try {
    const r = await h.attach({ target: 'syscalls:sys_enter_connect', collect: 'events,comm' });
    assert.equal(r.attach, 'tracepoint');
    assert.deepEqual(r.programs, ['kpn_tp']);
    const got = waitFor(h, (ev) => ev.pid === process.pid && ev.fields?.uservaddr?.family === 'AF_INET');
    const port = await connectOnce();
    const ev = await got;
    assert.equal(ev.comm, myComm());
    assert.equal(ev.fields.uservaddr.addr, '127.0.0.1');
    assert.equal(ev.fields.uservaddr.port, port);
    assert.equal(ev.fields.addrlen, 16);
    const [st] = await h.stats();
    assert.ok(st.hits >= 1);
    assert.equal(st.drops, 0);
    assert.ok(st.comms.some((c) => c.pid === process.pid && c.comm === myComm()));
    const list = await h.list();
    assert.equal(list.length, 1);
    const fin = await h.detach(r.link);
    assert.ok(fin.events >= 1);
    assert.deepEqual(await h.list(), []);
  } finally {
    await h.close();
  }
});

test('periodic stats events report counters without being asked', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const h = await startHelper({ statsIntervalMs: 200 });
  try {
    await h.attach({ target: 'syscalls:sys_enter_connect', collect: 'count', pid: process.pid });
    const stats = new Promise((r) => h.once('stats', r));
    await connectOnce();
    const s = await stats;
    assert.equal(s.links.length, 1);
    assert.equal(typeof s.links[0].drops, 'number');
    assert.equal(typeof s.links[0].rate_limited, 'number');
  } finally {
    await h.close();
  }
});

test('a generated tp_btf program decodes struct sock fields of our connection', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const { generateProbe, decodeGenerated } = await import(out('attach/generate.js'));
  const { compileProbe } = await import(out('attach/compile.js'));
  const { helperDir } = await import('./setup.mjs');
  const gen = generateProbe({
    name: 'sock:inet_sock_set_state', returnType: 'void',
    params: [{ type: 'const struct sock *', name: 'sk' }, { type: 'const int', name: 'oldstate' }, { type: 'const int', name: 'newstate' }],
  });
  const obj = await compileProbe(gen.source, { helperDir });
  const h = await startHelper();
  try {
    const r = await h.attach({ target: 'sock:inet_sock_set_state', object: obj.object, pid: process.pid });
    assert.equal(r.attach, 'tp_btf');
    assert.ok(r.generated);
    // TCP_CLOSE(7) -> TCP_SYN_SENT(2) happens in connect(), in our process
    const got = waitFor(h, (ev) => ev.kind === 'generated' && decodeGenerated(gen, ev).newstate === 2);
    const port = await connectOnce();
    const v = decodeGenerated(gen, await got);
    assert.equal(v.sk.family, 'AF_INET');
    assert.equal(v.sk.daddr, '127.0.0.1');
    assert.equal(v.sk.dport, port);
    assert.equal(v.oldstate, 7);
  } finally {
    await h.close();
    await obj.dispose();
  }
});

test('a __data_loc string field (sched_process_exec filename) is decoded from the record tail', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  const { execFile } = await import('node:child_process');
  const h = await startHelper();
  try {
    await h.attach({ target: 'sched:sched_process_exec' });
    let child;
    const got = waitFor(h, (ev) => child !== undefined && ev.pid === child.pid);
    child = execFile('/bin/true');
    const ev = await got;
    assert.equal(ev.fields.filename, '/bin/true');
    assert.equal(ev.fields.pid, child.pid);
    assert.equal(ev.comm, 'true');
    assert.ok(!('char' in ev.fields), 'the type\'s [] was taken for the field name');
  } finally {
    await h.close();
  }
});
