// Shared set-up for the ftrace tests: the real trace samples in <repo>/../shared/fixtures/traces,
// the compiled modules, and trace.dat files recorded on this machine with trace-cmd.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const tracesDir = path.join(repo, '..', 'shared', 'fixtures', 'traces');
const require = createRequire(import.meta.url);
export const load = (m) => require(path.join(repo, 'server', 'out', m));

/** Path of a fixture, or calls t.skip and returns null when the shared fixtures are absent. */
export function fixture(t, name) {
  const p = path.join(tracesDir, name);
  if (!fs.existsSync(p)) { console.log(`# skipped: fixture ${p} not present`); t.skip(`fixture ${p} not present`); return null; }
  return p;
}

/** Skips `t`, printing why (a skip must say its reason in the output). */
export function skipWith(t, why) {
  console.log(`# skipped: ${why}`);
  t.skip(why);
}

export function hasCommand(cmd) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status === 0;
}

/**
 * Records `trace-cmd record` of `ls` with tracepoint events into test/.data/ftrace/NAME.dat
 * (`extra` adds --file-version / --compression). `-d --no-filter` because this kernel refuses
 * the function-trace and set_ftrace_pid writes trace-cmd makes otherwise; trace-cmd then exits 1
 * on its cleanup, so success is judged by the file. Returns the path or {skip}.
 */
export function recordTraceDat(name, extra) {
  if (process.getuid?.() !== 0) return { skip: 'recording needs root' };
  if (!hasCommand('trace-cmd')) return { skip: 'trace-cmd not installed' };
  if (!fs.existsSync('/sys/kernel/tracing/trace')) return { skip: 'tracefs not mounted' };
  const dir = path.join(repo, 'test', '.data', 'ftrace');
  fs.mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `${name}.dat`);
  // trace-cmd 3.1.6 here now and then ends a file before its data section (about 1 recording in 6
  // with --file-version 6: `trace-cmd report` then prints nothing and exits 0) or writes one it
  // cannot read back; that is trace-cmd's failure, not the reader's: record again, saying so.
  const ATTEMPTS = 4;
  for (let attempt = 1; ; attempt++) {
    fs.rmSync(out, { force: true });
    const r = spawnSync('trace-cmd', ['record', '-d', '--no-filter', ...extra, '-e', 'sched:sched_process_exec',
      '-e', 'syscalls:sys_enter_openat', '-e', 'syscalls:sys_exit_openat', '-e', 'syscalls:sys_enter_close', '-o', out, '--', 'ls', '/'],
      { encoding: 'utf8', timeout: 60_000 });
    if (!fs.existsSync(out)) return { skip: `trace-cmd record ${extra.join(' ')} wrote nothing: ${String(r.stderr).trim().split('\n').pop()}` };
    const check = spawnSync('trace-cmd', ['report', out], { encoding: 'latin1', maxBuffer: 1 << 28 });
    if (check.status === 0 && /sys_enter_openat/.test(check.stdout)) break;
    const why = check.status === 0 ? 'trace-cmd report finds no records in it' : `trace-cmd report rejects it: ${String(check.stderr).trim().split('\n').pop()}`;
    console.log(`# trace-cmd record ${extra.join(' ')} (attempt ${attempt}, exit ${r.status ?? r.signal}) wrote an unusable file: ${why}`);
    if (attempt === ATTEMPTS) return { skip: `trace-cmd record ${extra.join(' ')} wrote ${ATTEMPTS} unusable files in a row (${why})` };
  }
  return out;
}

/** `trace-cmd report` of a file as [{ts (µs integer), cpu, pid, event}], one per record line. */
export function traceCmdRecords(file) {
  const text = execFileSync('trace-cmd', ['report', file], { encoding: 'latin1', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(.*?)-(\d+)\s+\[(\d+)\]\s+(?:\S+\s+)?(\d+)\.(\d+):\s+([\w]+):/.exec(line);
    if (m) out.push({ ts: Number(m[4]) * 1e6 + Number(m[5].slice(0, 6)), cpu: Number(m[3]), pid: Number(m[2]), event: m[6] });
  }
  return out;
}

/** Seeded PRNG (mulberry32) so fuzz runs are reproducible. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
