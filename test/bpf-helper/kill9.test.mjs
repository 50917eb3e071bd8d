// Links belong to the helper process: SIGKILL, SIGTERM and EOF all leave nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { buildHelper, startHelper } from './setup.mjs';

function bpftool(...args) {
  return JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }) || '[]');
}

/** Program and link ids a process holds, read from its fds' fdinfo (bpftool here cannot show owners). */
function ownedBy(pid) {
  const progIds = new Set();
  const linkIds = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let info;
    try { info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'); } catch { continue; }
    const link = /^link_id:\s*(\d+)/m.exec(info);
    const prog = /^prog_id:\s*(\d+)/m.exec(info);
    if (link) linkIds.add(Number(link[1]));
    else if (prog) progIds.add(Number(prog[1]));
  }
  return {
    progs: bpftool('prog', 'list').filter((p) => progIds.has(p.id)),
    links: bpftool('link', 'list').filter((l) => linkIds.has(l.id)),
  };
}

async function gone(pid, ids, ms = 3000) {
  const end = Date.now() + ms;
  for (;;) {
    const progs = bpftool('prog', 'list').filter((p) => ids.includes(p.id));
    if (!progs.length || Date.now() > end) return progs;
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const how of ['SIGKILL', 'SIGTERM', 'EOF']) {
  test(`after ${how} no program or link of the helper is left`, async (t) => {
    const why = buildHelper();
    if (why) return t.skip(why);
    try { execFileSync('bpftool', ['version'], { stdio: 'ignore' }); } catch { return t.skip('bpftool is not installed'); }
    const h = await startHelper();
    const pid = h.pid;
    await h.attach({ target: 'syscalls:sys_enter_connect' });
    await h.attach({ target: 'sock:inet_sock_set_state', type: 'raw_tracepoint', collect: 'comm' });
    const before = ownedBy(pid);
    assert.equal(before.progs.length, 2);
    assert.ok(before.progs.every((p) => p.name.startsWith('kpn_')), 'our programs carry the kpn_ prefix');
    assert.equal(before.links.length, 2);
    const exited = new Promise((r) => h.once('exit', r));
    if (how === 'EOF') await h.close(); else h.kill(how);
    await exited;
    const left = await gone(pid, before.progs.map((p) => p.id));
    assert.deepEqual(left, [], 'programs left behind');
    const links = bpftool('link', 'list').filter((l) => before.links.some((b) => b.id === l.id));
    assert.deepEqual(links, [], 'links left behind');
  });
}

test('a detached link is torn down while the helper keeps serving; EOF right after a detach still ends cleanly', async (t) => {
  const why = buildHelper();
  if (why) return t.skip(why);
  try { execFileSync('bpftool', ['version'], { stdio: 'ignore' }); } catch { return t.skip('bpftool is not installed'); }
  const h = await startHelper();
  const pid = h.pid;
  const a = await h.attach({ target: 'syscalls:sys_enter_connect' });
  const b = await h.attach({ target: 'sock:inet_sock_set_state', type: 'raw_tracepoint', collect: 'comm' });
  const before = ownedBy(pid);
  assert.equal(before.links.length, 2);
  await h.detach(a.link);
  // the teardown runs beside the request loop: the helper answers meanwhile, and the link goes
  assert.equal((await h.list()).length, 1);
  const end = Date.now() + 3000;
  let mid = ownedBy(pid);
  while ((mid.links.length > 1 || mid.progs.length > 1) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    mid = ownedBy(pid);
  }
  assert.equal(mid.links.length, 1, 'the detached link is still held');
  assert.equal(mid.progs.length, 1, 'the detached program is still held');
  await h.detach(b.link);
  const bye = new Promise((r) => h.once('bye', r));
  const exited = new Promise((r) => h.once('exit', (code) => r(code)));
  await h.close();
  assert.equal((await bye).reason, 'eof');
  assert.equal(await exited, 0);
  assert.deepEqual(await gone(pid, before.progs.map((p) => p.id)), []);
});
