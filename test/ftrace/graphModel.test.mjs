// The WebAssembly graph model (server/src/ftrace/text/graphModel.ts, wasm/graphScan.c "Model"):
// a piece parsed with it gives exactly the PieceResult the JS builder gives
// (KPN_FTRACE_WASM_MODEL=0), it really applies the graph records of settled tasks (they never
// reach JS), and what it cannot hold (more tasks or names than its tables) goes back to JS
// with the task's open calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load, prng, tracesDir } from './fixtures.mjs';

const { ModelBuilder } = load('ftrace/model.js');
const { ReportBytes } = load('ftrace/text/reportBytes.js');
const { ReportLineParser } = load('ftrace/text/reportLine.js');
const scanner = load('ftrace/text/graphScanner.js');

const recordLines = (f) => fs.readFileSync(path.join(tracesDir, f), 'latin1').split('\n').filter((l) => / \[\d+\] /.test(l));

/** Counts the records the scanner hands to JS, by kind, and the handovers among them. */
function spyOnScanner() {
  const seen = { lines: 0, byKind: [0, 0, 0, 0, 0, 0, 0], handovers: 0 };
  const proto = scanner.GraphScanner.prototype;
  const orig = proto.scan;
  proto.scan = function (start, stop, model) {
    const n = orig.call(this, start, stop, model);
    seen.lines += this.lines;
    for (let i = 0; i < n; i++) {
      seen.byKind[this.ints[i * scanner.REC]]++;
      seen.handovers += this.ints[i * scanner.REC + 15];
    }
    return n;
  };
  return { seen, restore: () => { proto.scan = orig; } };
}

/** parsePiece with the model, counting what the scanner hands to JS. */
function parseSpied(text) {
  const spy = spyOnScanner();
  try {
    return { seen: spy.seen, result: parsePiece(text, true) };
  } finally {
    spy.restore();
  }
}

/** One piece of `text` parsed as a worker parses it, with the graph model or (model=false) without. */
function parsePiece(text, model) {
  const before = process.env.KPN_FTRACE_WASM_MODEL;
  if (!model) process.env.KPN_FTRACE_WASM_MODEL = '0';
  try {
    const b = new ModelBuilder('trace-cmd-report', '', true);
    const bytes = new ReportBytes(b, new ReportLineParser(b));
    const buf = Buffer.from(text, 'latin1');
    bytes.block(buf, 0, buf.length - 1, 1);
    return b.pieceResult();
  } finally {
    if (before === undefined) delete process.env.KPN_FTRACE_WASM_MODEL; else process.env.KPN_FTRACE_WASM_MODEL = before;
  }
}

function skipUnlessWasm(t) {
  if (scanner.graphScanner() !== null) return false;
  console.log('# skipped: WebAssembly scanner unavailable (KPN_FTRACE_WASM=0?)');
  t.skip('no WebAssembly scanner');
  return true;
}

test('the model applies the graph records of settled tasks, to the same piece result as JS', (t) => {
  if (skipUnlessWasm(t)) return;
  const f = path.join(tracesDir, 'tcr-funcgraph-01.txt');
  if (!fs.existsSync(f)) { console.log(`# skipped: ${f} not present`); t.skip('fixture absent'); return; }
  // The samples repeated: the graph sample's depth jump (an interrupt under a leaf) and
  // mid-stack restarts become unknown calls, exit-only returns and unfinished calls on every
  // repetition; function-tracer hits and events of the same tasks come between.
  const body = [...recordLines('tcr-funcgraph-01.txt'), ...recordLines('tcr-function-01.txt')];
  const text = Array.from({ length: 200 }, () => body.join('\n')).join('\n') + '\n';
  const { seen, result: withModel } = parseSpied(text);
  const toJs = seen.byKind[1] + seen.byKind[2] + seen.byKind[3] + seen.byKind[4] + seen.byKind[5];
  assert.equal(seen.lines, body.length * 200);
  assert.ok(seen.byKind[4] > 0, 'each task\'s first record goes to JS, which names the task');
  const switches = body.filter((l) => l.includes(' sched_switch: ')).length;
  assert.ok(switches > 0 && withModel.model.events.get('sched_switch') === switches * 200);
  assert.ok(toJs < 20, `${toJs} of ${seen.lines} records reached JS`);
  const m = withModel.model;
  // All but the records held until the task's stack first empties.
  assert.ok(m.records + withModel.held.kind.length === body.length * 200 && m.unfinishedCalls > 0, `records ${m.records}, unfinished ${m.unfinishedCalls}`);
  assert.deepEqual(withModel, parsePiece(text, false));
});

test('tasks and names past the model tables go back to JS with their open calls, exactly', (t) => {
  if (skipUnlessWasm(t)) return;
  const line = (pid, cpu, ts, ev, body) => `  task${pid}-${pid}   [00${cpu}] ${ts}: ${ev}  ${body}`;
  const lines = [];
  // 5000 tasks (the model holds 4096 per piece), each settled by a leaf, then inside a syscall.
  for (let pid = 1; pid <= 5000; pid++) {
    const cpu = pid % 4;
    lines.push(line(pid, cpu, '10.000001', 'funcgraph_entry:', '   1.000 us   |  settle();'));
    lines.push(line(pid, cpu, '10.000002', 'funcgraph_entry:', '              |  __x64_sys_read() {'));
    lines.push(line(pid, cpu, '10.000003', 'funcgraph_entry:', '   2.250 us   |    vfs_read.isra.0();'));
  }
  // 70000 distinct callees in one task (past the 65536 ids of the name table), open stacks left.
  for (let i = 0; i < 70_000; i++) lines.push(line(7, 1, '10.000004', 'funcgraph_entry:', `   0.500 us   |    callee_${i}_${'x'.repeat(8)}();`));
  for (let pid = 1; pid <= 5000; pid += 7) lines.push(line(pid, pid % 4, '10.000005', 'funcgraph_exit:', ' + 12.500 us  |  } /* __x64_sys_read */'));
  const text = lines.join('\n') + '\n';
  const { seen, result: withModel } = parseSpied(text);
  assert.ok(seen.handovers > 0, 'no task went back to JS');
  const m = withModel.model;
  // Each task's first record (`settle`) is held for the true state before the piece.
  assert.equal(m.functions.size, 70_000 + 2);
  assert.equal(m.syscalls.get('read')?.functions.size, 70_001);
  assert.deepEqual(withModel, parsePiece(text, false));
});

test('mutated report lines give the same piece result with and without the model', (t) => {
  if (skipUnlessWasm(t)) return;
  const files = ['tcr-funcgraph-01.txt', 'tcr-funcgraph-02.txt', 'tcr-function-01.txt', 'events-01.txt'];
  if (!files.every((f) => fs.existsSync(path.join(tracesDir, f)))) { console.log('# skipped: report samples absent'); t.skip('fixtures absent'); return; }
  const base = files.flatMap(recordLines);
  const junk = ' \t|{}();/*=>[]-:.+0123456789abcx\r';
  for (let seed = 1; seed <= 30; seed++) {
    const r = prng(seed);
    const lines = [];
    for (let k = 0; k < 20; k++) lines.push(...base);
    // Truncations, junk bytes, duplicated and swapped lines: depth jumps, returns without calls,
    // tails that disagree, lines the scanner leaves to JS in the middle of a held task's calls.
    for (let m = 0; m < 200; m++) {
      const i = Math.floor(r() * lines.length);
      const at = Math.floor(r() * (lines[i].length + 1));
      const pick = r();
      if (pick < 0.25) lines[i] = lines[i].slice(0, at);
      else if (pick < 0.6) lines[i] = lines[i].slice(0, at) + junk[Math.floor(r() * junk.length)] + lines[i].slice(at + 1);
      else if (pick < 0.8) lines.splice(i, 0, lines[Math.floor(r() * lines.length)]);
      else { const j = Math.floor(r() * lines.length); [lines[i], lines[j]] = [lines[j], lines[i]]; }
    }
    const text = lines.join('\n') + '\n';
    assert.deepEqual(parsePiece(text, true), parsePiece(text, false), `seed ${seed}`);
  }
});
