// Mutated real inputs (seeded, bounded): every text parser and the trace.dat reader either
// return a model or fail with an error naming the line (text) or offset (binary); no crash,
// no hang, no other exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixture, load, prng, tracesDir } from './fixtures.mjs';

const { importTrace, importTraceText } = load('ftrace/importTrace.js');
const { TraceFormatError } = load('ftrace/detect.js');
const { TraceDatError } = load('ftrace/traceDat/errors.js');

const MUTATORS = [
  // truncate a line
  (lines, r) => { const i = Math.floor(r() * lines.length); lines[i] = lines[i].slice(0, Math.floor(r() * lines[i].length)); },
  // random bytes spliced into a line
  (lines, r) => {
    const i = Math.floor(r() * lines.length);
    const at = Math.floor(r() * (lines[i].length + 1));
    let junk = '';
    for (let k = 0; k < 1 + r() * 12; k++) junk += String.fromCharCode(Math.floor(r() * 256));
    lines[i] = lines[i].slice(0, at) + junk + lines[i].slice(at);
  },
  // huge numbers in place of a number
  (lines, r) => { const i = Math.floor(r() * lines.length); lines[i] = lines[i].replace(/\d+/, '9'.repeat(1 + Math.floor(r() * 400))); },
  // CRLF line ends
  (lines) => { for (let i = 0; i < lines.length; i++) lines[i] += '\r'; },
  // deep indentation (depth far beyond the kernel's)
  (lines, r) => { const i = Math.floor(r() * lines.length); lines[i] = lines[i].replace('|  ', '|' + ' '.repeat(5000)); },
  // duplicate / delete lines
  (lines, r) => { const i = Math.floor(r() * lines.length); lines.splice(i, 0, lines[Math.floor(r() * lines.length)]); },
  (lines, r) => { lines.splice(Math.floor(r() * lines.length), 1 + Math.floor(r() * 5)); },
];

test('text parsers survive mutated fixtures', (t) => {
  if (!fs.existsSync(tracesDir)) { t.skip(`fixtures ${tracesDir} not present`); return; }
  const r = prng(0x5eed);
  let models = 0;
  let errors = 0;
  const started = Date.now();
  for (const f of fs.readdirSync(tracesDir).filter((x) => x.endsWith('.txt'))) {
    // First 400 lines keep each iteration fast; the large samples' shapes repeat.
    const base = fs.readFileSync(path.join(tracesDir, f), 'latin1').split('\n').slice(0, 400);
    for (let it = 0; it < 40; it++) {
      const lines = base.slice();
      for (let k = 0; k < 1 + r() * 4; k++) MUTATORS[Math.floor(r() * MUTATORS.length)](lines, r);
      try {
        const m = importTraceText(lines.join('\n'));
        assert.ok(m.lines >= 0);
        for (const s of m.skipped.samples) assert.ok(Number.isInteger(s.line) && s.line > 0 && s.reason.length > 0, `${f}: skipped line record`);
        for (const [name, fs_] of m.functions) assert.ok(Number.isFinite(fs_.calls) && name.length > 0, `${f}: ${name}`);
        models++;
      } catch (e) {
        assert.ok(e instanceof TraceFormatError, `${f} iteration ${it}: ${e?.stack ?? e}`);
        assert.match(e.message, /^line \d+: /);
        errors++;
      }
    }
  }
  assert.ok(models > 0);
  assert.ok(Date.now() - started < 60_000, 'fuzzing stays fast');
  t.diagnostic(`${models} models, ${errors} clean errors`);
});

test('random bytes and a newline-free 3 MiB line are rejected with a line number', () => {
  const r = prng(7);
  const junk = Buffer.alloc(64 << 10);
  for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(r() * 256);
  assert.throws(() => importTraceText(junk.toString('latin1')), (e) => e instanceof TraceFormatError && /^line \d+: /.test(e.message));
  assert.throws(() => importTraceText('x'.repeat(3 << 20)), (e) => e instanceof TraceFormatError && /^line 1: /.test(e.message));
});

test('trace.dat reader survives byte mutations of the v6 fixture', async (t) => {
  const f = fixture(t, 'tracedat-v6-trappy-raw_trace.dat'); if (!f) return;
  const orig = fs.readFileSync(f);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpn-fuzz-'));
  const r = prng(0xda7);
  try {
    const p = path.join(dir, 'm.dat');
    let ok = 0;
    let bad = 0;
    for (let it = 0; it < 60; it++) {
      const buf = Buffer.from(orig);
      // Mutate where structure lives: the header/metadata start, and the ring-buffer pages at the end.
      for (let k = 0; k < 1 + r() * 8; k++) {
        const inHeader = r() < 0.5;
        const at = inHeader ? Math.floor(r() * 2048) : orig.length - 1 - Math.floor(r() * 69632);
        buf[at] = Math.floor(r() * 256);
      }
      fs.writeFileSync(p, r() < 0.2 ? buf.subarray(0, Math.floor(r() * buf.length)) : buf);
      try {
        await importTrace(p);
        ok++;
      } catch (e) {
        assert.ok(e instanceof TraceDatError || e instanceof TraceFormatError, `iteration ${it}: ${e?.stack ?? e}`);
        bad++;
      }
    }
    t.diagnostic(`${ok} imported, ${bad} clean errors`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
