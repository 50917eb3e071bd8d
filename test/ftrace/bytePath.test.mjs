// The byte-level report parser (ReportBytes) must give exactly the model the string parser
// (ReportLineParser, which owns the grammar) gives: on every report fixture, on mutated
// copies of them, and however the input is cut into chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { load, prng, tracesDir } from './fixtures.mjs';

const { TextImport, importTrace } = load('ftrace/importTrace.js');
const { ModelBuilder } = load('ftrace/model.js');
const { ReportLineParser } = load('ftrace/text/reportLine.js');
const { StringLines } = load('ftrace/text/stringLines.js');
const { LineSplitter } = load('ftrace/text/lineSplitter.js');
const { modelToJson } = load('ftrace/modelJson.js');

/** The model of the string parser alone, with the importer's line splitting. */
function viaStrings(text) {
  const b = new ModelBuilder('trace-cmd-report', '');
  const split = new LineSplitter(new StringLines(new ReportLineParser(b)), (n) => b.skip(n, 'line longer than 1 MiB dropped', ''));
  split.feed(Buffer.from(text, 'latin1'));
  split.end();
  const m = b.finish();
  m.lines = split.lineNo;
  return modelToJson(m);
}

function viaBytes(text, chunk = Infinity) {
  const t = new TextImport();
  const buf = Buffer.from(text, 'latin1');
  for (let p = 0; p < buf.length; p += chunk) t.feed(buf.subarray(p, Math.min(buf.length, p + chunk)));
  return modelToJson(t.finish());
}

const reports = fs.existsSync(tracesDir)
  ? fs.readdirSync(tracesDir).filter((f) => /^(tcr-(funcgraph|function)|events)-.*\.txt$/.test(f)).map((f) => [f, fs.readFileSync(path.join(tracesDir, f), 'latin1')])
  : [];
// Shapes the samples lack: -l flags, sym-offset and clone names, syscall subtrees, tails, kernel_stack frames.
reports.push(['hand-made', [
  'cpus=2',
  '  <...>-7     [001] d..1 10.000001: funcgraph_entry:                   |  __x64_sys_read() {',
  '  <...>-7     [001] d..1 10.000002: funcgraph_entry:      ! 1.5 us     |    vfs_read.isra.0() {',
  '  <...>-7     [001] d..1 10.000003: funcgraph_entry:   $ 2 s  |      rw_verify_area+0x14/0x6c();',
  '  <...>-7     [001] d..1 10.000004: funcgraph_exit:         3 ms      |    } /* vfs_read */',
  '  <...>-7     [001] d..1 10.000005: funcgraph_exit:         7.5 ns    |  }',
  '  <...>-7     [001] d..1 10.000006: funcgraph_exit:         1.0 us    |} /* ksys_read */',
  '  <...>-7     [001] d..1 10.000007: kernel_stack:         <stack trace>',
  '=> schedule (ffffffff81000000)',
  '=> do_nanosleep (ffffffff81000010)',
  '  <...>-7     [001] d..1 10.000008: function:             up_read <-- do_page_fault',
  '  <...>-7     [001] d..1 10.000009: sched_switch:         prev_comm=x',
  '  a b[c]-8    [000] 10.000010: funcgraph_entry:        0.5 us   |  odd_comm();',
  '',
].join('\n')]);

test('byte path equals the string parser on the report fixtures, mutated copies and any chunking', () => {
  assert.ok(reports.length > 1);
  const r = prng(11);
  const junk = ' \t|{}();/*=>[]-:.+0123456789abcx\r';
  let cases = 0;
  for (const [name, text] of reports) {
    const variants = [text, text.replace(/\n/g, '\r\n'), text.replace(/\n(?=.)/g, '\n   ')];
    const lines = text.split('\n');
    for (let k = 0; k < 150; k++) {
      const ls = lines.slice();
      for (let m = 0; m < 3; m++) {
        const i = Math.floor(r() * ls.length);
        const at = Math.floor(r() * (ls[i].length + 1));
        const pick = r();
        if (pick < 0.3) ls[i] = ls[i].slice(0, at);
        else if (pick < 0.7) ls[i] = ls[i].slice(0, at) + junk[Math.floor(r() * junk.length)] + ls[i].slice(at + (r() < 0.5 ? 1 : 0));
        else ls.splice(i, 0, ls[Math.floor(r() * ls.length)]);
      }
      variants.push(ls.join('\n'));
    }
    for (const v of variants) {
      let want;
      try { want = viaStrings(v); } catch (e) { want = e.message; }
      for (const chunk of [Infinity, 1 + Math.floor(r() * 300)]) {
        let got;
        try { got = viaBytes(v, chunk); } catch (e) { got = e.message; }
        // Mutations can make the first line a header of another format; compare only report imports.
        if (typeof got === 'object' && got.format !== 'trace-cmd-report') continue;
        assert.deepEqual(got, want, `${name}, chunk ${chunk}`);
        cases++;
      }
    }
  }
  assert.ok(cases > 1000);
});

test('importTrace reads a file in any chunk size to the same model, lines straddling chunks included', async () => {
  const text = reports.map(([, t]) => t.split('\n').filter((l) => / \[\d+\] /.test(l)).join('\n')).join('\n').repeat(20) + '\n';
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kpn-bytes-')), 'r.txt');
  fs.writeFileSync(file, 'version = 6\n' + text, 'latin1');
  const whole = modelToJson(await importTrace(file));
  assert.ok(whole.records > 100);
  for (const chunkSize of [64, 1000, 4093]) assert.deepEqual(modelToJson(await importTrace(file, { chunkSize })), whole, `chunk ${chunkSize}`);
  fs.rmSync(path.dirname(file), { recursive: true });
});
