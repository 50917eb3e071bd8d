// Events a recording lost: a real function_graph trace.dat recorded with a tiny ring buffer in
// Debian's 6.1 kernel (test/trace/fixtures/lost-events-ls.source.md gives the figures checked by
// hand), its `trace-cmd report` made here by the real trace-cmd, and the kernel's own tracefs mark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasCommand, load, repo, skipWith as skip } from './fixtures.mjs';
import { fullTree } from '../e2e/trees.mjs';

const { importTrace } = load('ftrace/importTrace.js');
const { lostNote } = load('ftrace/model.js');
const dat = path.join(repo, 'test', 'trace', 'fixtures', 'lost-events-ls.dat');

function reportOf(t) {
  if (!hasCommand('trace-cmd')) { skip(t, 'trace-cmd not installed (./test.sh installs it)'); return null; }
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kpn-lost-')), 'lost.txt');
  fs.writeFileSync(out, execFileSync('trace-cmd', ['report', '-i', dat], { maxBuffer: 64 << 20 }));
  return out;
}

test('trace.dat: the pages flagged as having lost events, and the counts they stored', async () => {
  const m = await importTrace(dat);
  assert.deepEqual(m.lost, { drops: 202, events: 37159 });
  assert.match(lostNote(m), /^at least 37,159 events lost at 202 places while recording/);
});

test('self time is never negative, even where lost returns make nested calls outlast their frame', async () => {
  const m = await importTrace(dat);
  const negative = [...m.functions].filter(([, f]) => f.selfNs < 0).map(([n, f]) => `${n} ${f.selfNs}`);
  assert.deepEqual(negative, []);
  // And nothing else moved: every call still counted, every total as recorded.
  const f = m.functions.get('do_execveat_common');
  assert.ok(f.calls >= 1 && f.totalNs > 0 && f.selfNs <= f.totalNs);
});

test('trace-cmd report: `CPU:N [COUNT EVENTS DROPPED]` and `CPU:N [EVENTS DROPPED]` are losses, not skipped lines', async (t) => {
  const report = reportOf(t);
  if (report === null) return;
  try {
    const text = fs.readFileSync(report, 'latin1');
    const counted = [...text.matchAll(/^CPU:\d+ \[(\d+) EVENTS DROPPED\]$/gm)].map((x) => Number(x[1]));
    const uncounted = text.match(/^CPU:\d+ \[EVENTS DROPPED\]$/gm) ?? [];
    assert.equal(counted.length, 107);
    assert.equal(uncounted.length, 84);
    const whole = await importTrace(report, { workers: 1 });
    assert.deepEqual(whole.lost, { drops: 191, events: counted.reduce((a, b) => a + b, 0) });
    assert.equal(whole.skipped.count, 0, JSON.stringify(whole.skipped.samples));
    // The same losses when the report is cut into pieces parsed by several threads (9.5 MB: 1 MiB pieces).
    const pieces = await importTrace(report, { pieceSize: 1 << 20 });
    assert.deepEqual(pieces.lost, whole.lost);
  } finally {
    fs.rmSync(path.dirname(report), { recursive: true, force: true });
  }
});

test('tracefs: the kernel\'s `CPU:%d [LOST %lu EVENTS]` mark, as kernel/trace/trace.c prints it', async (t) => {
  const src = path.join(fullTree('6.1'), 'kernel', 'trace', 'trace.c');
  if (!fs.existsSync(src)) { skip(t, `${src} absent (./test.sh extracts the 6.1 tree)`); return; }
  const fmt = /"(CPU:%d \[LOST %lu EVENTS\]\\n)"/.exec(fs.readFileSync(src, 'latin1'));
  assert.ok(fmt, 'the 6.1 kernel prints lost events as CPU:%d [LOST %lu EVENTS]');
  const mark = fmt[1].replace('%d', '1').replace('%lu', '1078').replace('\\n', '\n');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpn-lost-'));
  try {
    const file = path.join(dir, 'trace');
    fs.writeFileSync(file, [
      '# tracer: function_graph',
      '#',
      '# CPU  DURATION                  FUNCTION CALLS',
      '# |     |   |                     |   |   |   |',
      ' 1)               |  tcp_sendmsg() {',
      mark.trimEnd(),
      ' 1)   1.234 us    |    tcp_push();',
      ' 1) + 12.345 us   |  }',
      '',
    ].join('\n'));
    const m = await importTrace(file);
    assert.deepEqual(m.lost, { drops: 1, events: 1078 });
    assert.equal(m.skipped.count, 0);
    assert.equal(m.functions.get('tcp_push').calls, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
