// Without privileges the helper must say so (EPERM_PRIV, with what to do), not blame tracefs or
// the verifier. Run as root, it drops to nobody with setpriv to be the unprivileged user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { buildHelper, helperPath } from './setup.mjs';

function hasSetpriv() {
  try { execFileSync('setpriv', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

test('an unprivileged helper answers EPERM_PRIV with the ways to get privileges, and stays up', async (t) => {
  const why = buildHelper() ?? (hasSetpriv() ? undefined : 'setpriv (util-linux) not installed');
  if (why) { console.log(`# skipped: ${why}`); return t.skip(why); }
  const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', helperPath], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const replies = [];
  const waiters = [];
  lines.on('line', (l) => { const m = JSON.parse(l); const w = waiters.shift(); if (w) w(m); else replies.push(m); });
  const ask = (req) => new Promise((resolve) => { waiters.push(resolve); child.stdin.write(JSON.stringify(req) + '\n'); });
  try {
    const hello = await ask({ id: 1, cmd: 'hello', protocol: 1 });
    assert.equal(hello.euid, 65534);
    for (const [id, target] of [[2, 'syscalls:sys_enter_connect'], [3, 'tcp_v4_connect']]) {
      const r = await ask({ id, cmd: 'attach', target });
      assert.equal(r.ok, false);
      assert.equal(r.error.code, 'EPERM_PRIV', JSON.stringify(r.error));
      assert.match(r.error.message, /needs root or CAP_BPF\+CAP_PERFMON .*euid 65534.*kpn\.attach\.elevation.*file capabilities/);
    }
    const v = await ask({ id: 4, cmd: 'verify', target: 'tcp_v4_connect', type: 'kprobe' });
    assert.equal(v.error.code, 'EPERM_PRIV');
    // names are still checked first: bad input gets its own answer
    const bad = await ask({ id: 5, cmd: 'attach', target: 'a;b' });
    assert.equal(bad.error.code, 'EINVAL_NAME');
    assert.deepEqual((await ask({ id: 6, cmd: 'list' })).links, []);
  } finally {
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));
  }
});
