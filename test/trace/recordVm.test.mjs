// "Trace this command" on a kernel whose function tracers work. This machine's kernel refuses
// them, so here `kpn trace run` only ever takes the events fallback (test/trace/lsp.test.mjs);
// this test runs it in Debian's 6.1 kernel under QEMU (test/support/debianVm.mjs), where the
// capability probe must find function_graph and trace-cmd must record with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { guestImage, runInVm, vmUnavailable } from '../support/debianVm.mjs';
import { repo } from './support.mjs';
import { skipWith as skip } from '../ftrace/fixtures.mjs';

test('kpn trace run on Debian 6.1 (QEMU): function_graph is found and recorded; connect reaches tcp_v4_connect; tracefs is left as found', async (t) => {
  const why = vmUnavailable();
  if (why !== null) { skip(t, why); return; }
  const image = guestImage();
  if (image.skip) { skip(t, image.skip); return; }
  const out = path.join(repo, 'test', '.data', 'vm', `run-${process.pid}`);
  const kpn = path.join(repo, 'server', 'out', 'cli', 'kpn.js');
  const T = '/sys/kernel/tracing';
  const script = [
    'cd /tmp',
    `state() { echo "$(cat ${T}/current_tracer) $(cat ${T}/tracing_on) $(ls ${T}/instances | wc -l)"; sed 's/.*(expanded: \\([0-9]*\\))/\\1/' ${T}/buffer_size_kb; }`,
    'state > /tmp/vmout/before',
    `busybox httpd -p 8080 -h ${path.join(repo, 'test', 'trace', 'fixtures')}`,
    // 64 MiB per CPU: under emulation trace-cmd saves events far slower than the guest makes them,
    // and with the default 1.4 MiB it lost events (once tcp_sendmsg with them).
    `node ${kpn} trace run --json --buffer-kb 65536 -- curl -sS -o /dev/null http://127.0.0.1:8080/tcp-client-curl.source.md > /tmp/vmout/run.json`,
    'code=$?',
    'state > /tmp/vmout/after',
    'exit $code',
    '',
  ].join('\n');
  try {
    const r = await runInVm(image, script, out);
    assert.equal(r.code, 0, `guest job: exit ${r.code}\n${r.log}\n${r.console.slice(-2000)}`);
    const m = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    assert.equal(m.recording.method, 'function_graph', m.recording.messages.join('\n'));
    assert.equal(m.recording.commandExitCode, 0);
    assert.ok(m.recording.messages.some((x) => x.startsWith('recorded with `trace-cmd record -p function_graph -F -c -b 65536 -o ')), m.recording.messages.join('\n'));
    assert.deepEqual(m.lostEvents, { drops: 0, events: 0 });
    assert.equal(m.format, 'trace.dat');
    assert.equal(m.content.functionGraph, true);
    // -F follows curl (and its children): function_graph still records a few calls of other
    // tasks around a context switch (trace-cmd report shows them too), but curl's are nearly all.
    const calls = (comm) => m.processes.filter((p) => p.comm === comm).reduce((n, p) => n + p.calls, 0);
    const all = m.processes.reduce((n, p) => n + p.calls, 0);
    assert.ok(calls('curl') >= 0.95 * all, `curl ${calls('curl')} of ${all} calls: ${JSON.stringify(m.processes)}`);
    const connect = m.syscalls.connect;
    assert.ok(connect && connect.calls >= 1, `syscalls: ${Object.keys(m.syscalls)}`);
    assert.ok(connect.functions.tcp_v4_connect >= 1, `connect ran: ${Object.keys(connect.functions).slice(0, 20)}`);
    assert.ok(m.functions.tcp_sendmsg?.calls >= 1);
    // The probe may have tried function_graph at the top level (6.1 allows it nowhere else), and
    // trace-cmd leaves buffer_size_kb at -b's size: the tracer, tracing_on, the instances and the
    // buffer size are back as they were. The size as the kernel means it: a buffer not grown yet
    // shows `7 (expanded: 1408)`, and growing it rounds up to whole pages of 4080 bytes (1410).
    const [before, after] = ['before', 'after'].map((f) => fs.readFileSync(path.join(out, f), 'utf8').split('\n'));
    assert.equal(after[0], before[0]);
    assert.ok(Math.abs(Number(after[1]) - Number(before[1])) < 4, `buffer_size_kb ${before[1]} before, ${after[1]} after`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
