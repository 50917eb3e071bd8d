// Attach latency (request -> first event) of kpn's generic and generated probes, side by side
// with bpftrace in the same run, plus per-event cost from the kernel's run_time_ns/run_cnt.
// Usage (root): node bench/attach/attach-latency.mjs [--rounds N] [--no-append]
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const helperDir = path.join(root, 'bpf-helper');
const helperPath = path.join(helperDir, 'build', 'kpn-bpf-helper');
const { HelperClient } = await import(path.join(root, 'server/out/attach/helperClient.js'));
const { generateProbe } = await import(path.join(root, 'server/out/attach/generate.js'));
const { compileProbe } = await import(path.join(root, 'server/out/attach/compile.js'));
const { ObjectCache } = await import(path.join(root, 'server/out/attach/objectCache.js'));

const argv = process.argv.slice(2);
const rounds = Number(argv[argv.indexOf('--rounds') + 1]) || 5;
const append = !argv.includes('--no-append');
if (process.getuid() !== 0) { console.error('run as root'); process.exit(2); }
execFileSync('make', ['-s', '-C', helperDir], { stdio: 'inherit' });

// A steady trickle of connects from a child process, so every probe has something to see soon
const srv = net.createServer((s) => s.destroy()).listen(0, '127.0.0.1');
await new Promise((r) => srv.once('listening', r));
const port = srv.address().port;
// Loopback traffic for the probes to see. Bounded: it stops after 10 minutes, and at once when this
// process goes away (its stdin pipe closes), so an interrupted run leaves nothing behind.
const connector = spawn(process.execPath, ['-e', `
  const net = require('net');
  const timer = setInterval(() => { const s = net.connect(${port}, '127.0.0.1'); s.on('error', () => {}); s.on('connect', () => s.destroy()); }, 2);
  setTimeout(() => process.exit(0), 600000);
  process.stdin.on('end', () => process.exit(0)).resume();
`], { stdio: ['pipe', 'ignore', 'ignore'] });

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

// one link at a time, so any event is the new link's
function firstEvent(h) {
  return new Promise((resolve) => h.once('event', () => resolve()));
}

const SOCK_SIG = { name: 'sock:inet_sock_set_state', returnType: 'void', params: [
  { type: 'const struct sock *', name: 'sk' }, { type: 'const int', name: 'oldstate' }, { type: 'const int', name: 'newstate' }] };

async function kpnGeneric(h) {
  const t0 = process.hrtime.bigint();
  const got = firstEvent(h);
  const r = await h.attach({ target: 'syscalls:sys_enter_connect', pid: connector.pid });
  await got;
  const t = ms(t0);
  await h.detach(r.link);
  return t;
}

// what kpn/attach does with a generated source: the cache lookup (clang only on a miss), then attach
const cacheDir = mkdtempSync(path.join(tmpdir(), 'kpn-bench-objects-'));
const cache = new ObjectCache(path.join(cacheDir, 'objects'));
const breakdown = { hit: [], edited: [] };

async function kpnCached(h, source, into) {
  const t0 = process.hrtime.bigint();
  const obj = await cache.objectFor(source, { helperDir });
  const tObj = ms(t0);
  const got = firstEvent(h);
  const t1 = process.hrtime.bigint();
  const r = await h.attach({ target: SOCK_SIG.name, object: obj.object, pid: connector.pid });
  const tReply = ms(t1);
  await got;
  const t = ms(t0);
  into.push({ object: tObj, compiled: obj.compiled, reply: tReply, firstAfterReply: t - tObj - tReply, ...r.timing_us });
  await h.detach(r.link);
  return t;
}

async function kpnGenerated(h) {
  const t0 = process.hrtime.bigint();
  const gen = generateProbe(SOCK_SIG);
  const obj = await compileProbe(gen.source, { helperDir });
  const got = firstEvent(h);
  const r = await h.attach({ target: SOCK_SIG.name, object: obj.object, pid: connector.pid });
  await got;
  const t = ms(t0);
  await h.detach(r.link);
  await obj.dispose();
  return t;
}

async function kpnCold() {
  const t0 = process.hrtime.bigint();
  const h = await HelperClient.start({ helperPath, statsIntervalMs: 0 });
  const got = firstEvent(h);
  await h.attach({ target: 'syscalls:sys_enter_connect', pid: connector.pid });
  await got;
  const t = ms(t0);
  await h.close();
  return t;
}

/** bpftrace from spawn to the first line matching re on stdout. */
function bpftrace(program, re) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    // -B line: through a pipe bpftrace would otherwise hold its output back until exit
    const p = spawn('bpftrace', ['-B', 'line', '-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
    const guard = setTimeout(() => p.kill('SIGKILL'), 30000);
    p.once('exit', () => clearTimeout(guard));
    let out = '';
    let err = '';
    let t;
    p.stderr.on('data', (c) => { err += c; });
    p.stdout.on('data', (c) => {
      out += c;
      if (t === undefined && re.test(out)) { t = ms(t0); p.kill('SIGINT'); }
    });
    p.once('exit', (code) => (t !== undefined ? resolve(t) : reject(new Error(`bpftrace exited ${code}: ${err.slice(0, 300)}`))));
    p.once('error', reject);
  });
}

const results = { generic: [], hit: [], edited: [], generated: [], cold: [], bpftraceCount: [], bpftracePrint: [] };
const h = await HelperClient.start({ helperPath, statsIntervalMs: 0 });
const genSource = generateProbe(SOCK_SIG).source;
// kpn/generate starts this compile when it writes the file; the user attaches after reading it
cache.prefetch(genSource, { helperDir });
await cache.objectFor(genSource, { helperDir });
let haveBpftrace = true;
try { execFileSync('bpftrace', ['--version'], { stdio: 'ignore' }); } catch { haveBpftrace = false; }
for (let i = 0; i < rounds; i++) {
  console.error(`round ${i + 1}/${rounds}`);
  results.generic.push(await kpnGeneric(h));
  results.hit.push(await kpnCached(h, genSource, breakdown.hit));
  // an edit the cache has not seen: a comment is enough to change the key
  results.edited.push(await kpnCached(h, genSource.replace('#include', `/* edit ${i} ${Date.now()} */\n#include`), breakdown.edited));
  results.generated.push(await kpnGenerated(h));
  results.cold.push(await kpnCold());
  if (haveBpftrace) {
    results.bpftraceCount.push(await bpftrace("tracepoint:syscalls:sys_enter_connect { @[comm] = count(); }", /\S/));
    results.bpftracePrint.push(await bpftrace(`tracepoint:syscalls:sys_enter_connect /pid == ${connector.pid}/ { printf("%s\\n", comm); }`, /\n.*\n/));
  }
}

// per-event cost, measured by the kernel itself
const old = readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim();
const perEvent = {};
writeFileSync('/proc/sys/kernel/bpf_stats_enabled', '1');
try {
  const gen = generateProbe(SOCK_SIG);
  const obj = await compileProbe(gen.source, { helperDir });
  const cases = {
    'generic tracepoint, events': { target: 'syscalls:sys_enter_connect' },
    'generic tracepoint, count only': { target: 'syscalls:sys_enter_connect', collect: 'count' },
    'generic tracepoint, events+stack': { target: 'syscalls:sys_enter_connect', collect: 'stack' },
    'generated tp_btf (struct sock)': { target: SOCK_SIG.name, object: obj.object },
  };
  for (const [name, req] of Object.entries(cases)) {
    const r = await h.attach(req);
    await new Promise((res) => setTimeout(res, 1500));
    const st = await h.detach(r.link);
    perEvent[name] = { run_cnt: st.run_cnt, ns: st.run_cnt ? st.run_time_ns / st.run_cnt : NaN, drops: st.drops };
  }
  await obj.dispose();
} finally {
  writeFileSync('/proc/sys/kernel/bpf_stats_enabled', old);
}
await h.close();
connector.kill();
srv.close();
rmSync(cacheDir, { recursive: true, force: true });

const f = (x) => x.toFixed(1);
const lines = [];
lines.push('', '## attach latency', '');
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
lines.push(`${new Date().toISOString()}, kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}, ${rounds} rounds, \`node bench/attach/attach-latency.mjs --rounds ${rounds}\` (root), load average at the end ${load} (2 cores, shared). Medians, ms; a connector process connects to 127.0.0.1 every 2 ms so each probe has an event to see.`, '');
lines.push('| what | median ms | all (ms) | vs bpftrace first output |', '| --- | --- | --- | --- |');
const base = haveBpftrace ? median(results.bpftraceCount) : NaN;
const row = (name, xs) => lines.push(`| ${name} | ${f(median(xs))} | ${xs.map(f).join(', ')} | ${haveBpftrace ? (median(xs) / base).toFixed(2) + '×' : 'n/a'} |`);
row('kpn generic tracepoint: attach request → first event (helper running; target ≤ 300)', results.generic);
row('kpn generated tp_btf, compiled ahead (cache hit): attach request → first event (target ≤ 2000)', results.hit);
row('kpn generated tp_btf, edited source: attach request (clang on attach) → first event', results.edited);
row('kpn generated tp_btf, no cache: generate + clang + attach → first event (the old row)', results.generated);
row('kpn cold: spawn helper + hello + attach → first event', results.cold);
if (haveBpftrace) {
  row("bpftrace `@[comm] = count()`: spawn → first output (baseline)", results.bpftraceCount);
  row('bpftrace `printf(comm)`: spawn → first event', results.bpftracePrint);
}
lines.push('', 'Where a generated attach spends its time (medians, ms): the server side (cache lookup, or lookup + clang on a miss), then the helper\'s own `timing_us` from its attach reply (prepare: target checks; open: read + parse the ELF, pick programs, resolve the tp_btf target in vmlinux BTF, which libbpf parses again for every object; load: CO-RE relocation + maps + verifier; attach), the rest of the reply round trip, and reply → first event.', '');
lines.push('| generated row | object (lookup / clang) | helper prepare | open | load | attach | reply round trip rest | reply → first event | total |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [name, rows] of [['compiled ahead (hit)', breakdown.hit], ['edited (clang on attach)', breakdown.edited]]) {
  const m = (k, scale = 1) => f(median(rows.map((x) => x[k] / scale)));
  const rest = f(median(rows.map((x) => x.reply - (x.prepare + x.open + x.load + x.attach) / 1000)));
  lines.push(`| ${name} | ${m('object')} | ${m('prepare', 1000)} | ${m('open', 1000)} | ${m('load', 1000)} | ${m('attach', 1000)} | ${rest} | ${m('firstAfterReply')} | ${f(median(rows.map((x) => x.object + x.reply + x.firstAfterReply)))} |`);
}
lines.push('', 'Per-event cost in the kernel (kernel.bpf_stats_enabled=1 for the run, restored after):', '');
lines.push('| program | run_cnt | ns/event | drops |', '| --- | --- | --- | --- |');
for (const [name, v] of Object.entries(perEvent)) lines.push(`| ${name} | ${v.run_cnt} | ${f(v.ns)} | ${v.drops} |`);
const text = lines.join('\n') + '\n';
process.stdout.write(text);
if (append) appendFileSync(path.join(root, 'bench', 'RESULTS.md'), text);
