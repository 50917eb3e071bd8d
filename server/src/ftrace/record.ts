/**
 * Recording a command's trace on this machine. The capability check picks the best tracer the
 * kernel allows (function_graph, else function, else events) and says why it fell back. The
 * function tracers go through `trace-cmd record`; the events fallback drives tracefs itself in a
 * private instance (syscalls + sched events, scoped to the command's process tree with
 * set_event_pid + options/event-fork) and always undoes what it changed.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { importTrace, type ImportOptions } from './importTrace';
import type { TraceModel } from './model';

export const TRACEFS = '/sys/kernel/tracing';

export type RecordMethod = 'function_graph' | 'function' | 'events';

export interface Capability {
  /** tracefs root, or null when it is neither mounted nor mountable. */
  tracefs: string | null;
  tracers: string[];
  method: RecordMethod | null;
  messages: string[];
}

export interface RecordResult {
  method: RecordMethod;
  messages: string[];
  model: TraceModel;
  commandExitCode: number | null;
}

export interface RecordOptions extends ImportOptions {
  tracefs?: string;
  /**
   * Ring buffer per CPU for the recording, in KiB (trace-cmd record -b); unset: the kernel's
   * current size. function_graph writes events faster than trace-cmd can save them on a slow
   * machine, and what overflows is lost (TraceModel.lost says so).
   */
  bufferKb?: number;
  /** Where the command's stdout/stderr go; defaults to this process's stderr. */
  commandOutput?: 'inherit-stderr' | 'ignore';
}

export async function checkCapability(root = TRACEFS): Promise<Capability> {
  const messages: string[] = [];
  if (!exists(path.join(root, 'trace'))) {
    if (!isRoot()) {
      return { tracefs: null, tracers: [], method: null, messages: [`tracefs is not mounted at ${root} and mounting it needs root`] };
    }
    const r = await run('mount', ['-t', 'tracefs', 'nodev', root]);
    if (r.code !== 0 || !exists(path.join(root, 'trace'))) {
      return { tracefs: null, tracers: [], method: null, messages: [`tracefs is not mounted at ${root} and \`mount -t tracefs nodev ${root}\` failed: ${r.stderr.trim() || `exit ${r.code}`}`] };
    }
    messages.push(`mounted tracefs at ${root}`);
  }
  let tracers: string[] = [];
  try {
    tracers = fs.readFileSync(path.join(root, 'available_tracers'), 'latin1').trim().split(/\s+/).filter(Boolean);
  } catch (e) {
    messages.push(`cannot read ${root}/available_tracers: ${errText(e)}`);
  }
  const listed = `available_tracers lists: ${tracers.join(' ') || '(nothing)'}`;
  const expansion = pendingExpansion(root);
  try {
    return probeTracers(root, tracers, listed, messages);
  } finally {
    if (expansion !== null) expansion();
  }
}

/**
 * Until a tracer is first set, the kernel keeps the top-level ring buffer at a token size and
 * shows `7 (expanded: 1408)`. Linux 6.1 has one flag for "expanded" and sets it when a tracer is
 * written to an instance, growing only the instance's buffer: after the probe the top-level
 * buffer would stay at 7 KiB for good, and every later recording there (trace-cmd's too) would
 * lose nearly all its events. Returns what grows it to the size the kernel meant, or null when
 * it is not pending.
 */
function pendingExpansion(root: string): (() => void) | null {
  const file = path.join(root, 'buffer_size_kb');
  const before = readBufferSize(file);
  if (before === null || !before.pending) return null;
  return () => {
    try {
      if (readBufferSize(file)?.pending === false) write(root, 'buffer_size_kb', before.kb);
    } catch { /* beyond repair here: the recording's own -b sets it anyway */ }
  };
}

/**
 * buffer_size_kb: the size in KiB the kernel means, and whether it has yet to grow the buffer to
 * it (`7 (expanded: 1408)`: 1408, pending); null if unreadable.
 */
function readBufferSize(file: string): { kb: string; pending: boolean } | null {
  let shown: string;
  try { shown = fs.readFileSync(file, 'latin1'); } catch { return null; }
  const m = /^(\d+)(?: \(expanded: (\d+)\))?/.exec(shown);
  if (m === null) return null;
  return m[2] === undefined ? { kb: m[1], pending: false } : { kb: m[2], pending: true };
}

function probeTracers(root: string, tracers: string[], listed: string, messages: string[]): Capability {
  for (const tracer of ['function_graph', 'function'] as const) {
    if (!tracers.includes(tracer)) {
      messages.push(tracer === 'function_graph'
        ? `function_graph tracer unavailable: not in available_tracers (kernel built without CONFIG_FUNCTION_GRAPH_TRACER); ${listed}`
        : `function tracer unavailable: not in available_tracers; ${listed}`);
      continue;
    }
    const refusal = probeTracer(root, tracer);
    if (refusal === null) return { tracefs: root, tracers, method: tracer, messages };
    messages.push(`${tracer} tracer is listed in available_tracers but the kernel refused it: ${refusal}`);
  }
  messages.push('falling back to tracepoint events: syscalls and sched events of the command and its children (no function calls, no call edges)');
  return { tracefs: root, tracers, method: 'events', messages };
}

/** Records `cmd` with the best available method and imports the result. */
export async function recordAndImport(cmd: string[], opts: RecordOptions = {}): Promise<RecordResult> {
  if (cmd.length === 0) throw new Error('no command to record');
  if (opts.bufferKb !== undefined && !(Number.isInteger(opts.bufferKb) && opts.bufferKb >= 1 && opts.bufferKb <= MAX_BUFFER_KB)) {
    throw new RecordError(`the ring buffer size must be a whole number of KiB from 1 to ${MAX_BUFFER_KB}, not ${opts.bufferKb}`);
  }
  const cap = await checkCapability(opts.tracefs ?? TRACEFS);
  if (cap.tracefs === null || cap.method === null) throw new RecordError(cap.messages.join('; '));
  if (cap.method === 'events') {
    const r = await recordEvents(cap.tracefs, cmd, opts);
    return { method: 'events', messages: cap.messages, model: r.model, commandExitCode: r.code };
  }
  const r = await recordWithTraceCmd(cap.tracefs, cap.method, cmd, opts);
  return { method: cap.method, messages: [...cap.messages, ...r.messages], model: r.model, commandExitCode: r.code };
}

export class RecordError extends Error {}

/** 1 GiB per CPU: more is a typo, and the kernel would try to allocate it. */
export const MAX_BUFFER_KB = 1 << 20;

/**
 * argv for `trace-cmd record -p TRACER -F -c [-b KB] -o OUT -- CMD`, run directly as root, else via
 * `sudo -n` (no password prompt), else `pkexec`; null when none is possible.
 */
export function traceCmdArgv(tracer: RecordMethod, out: string, cmd: string[], uid: number, has: (bin: string) => boolean, bufferKb?: number): string[] | null {
  const base = ['trace-cmd', 'record', '-p', tracer, '-F', '-c', ...(bufferKb === undefined ? [] : ['-b', String(bufferKb)]), '-o', out, '--', ...cmd];
  if (uid === 0) return base;
  if (has('sudo')) return ['sudo', '-n', ...base];
  if (has('pkexec')) return ['pkexec', ...base];
  return null;
}

async function recordWithTraceCmd(root: string, tracer: RecordMethod, cmd: string[], opts: RecordOptions): Promise<{ model: TraceModel; code: number | null; messages: string[] }> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'kpn-trace-'));
  try {
    const out = path.join(dir, 'trace.dat');
    const argv = traceCmdArgv(tracer, out, cmd, process.getuid?.() ?? -1, onPath, opts.bufferKb);
    if (argv === null) throw new RecordError(`recording with ${tracer} needs root: not root, and neither sudo nor pkexec is installed`);
    const messages = [`recorded with \`${argv.slice(0, argv.indexOf('--')).join(' ')}\``];
    // trace-cmd leaves buffer_size_kb at what -b set: put the size back where this process may.
    const sizeFile = path.join(root, 'buffer_size_kb');
    const sizeBefore = opts.bufferKb === undefined ? null : readBufferSize(sizeFile)?.kb ?? null;
    let r: { code: number | null; stderr: string };
    try {
      r = await run(argv[0], argv.slice(1), opts.signal, opts.commandOutput);
    } finally {
      if (sizeBefore !== null) {
        if (!isRoot()) messages.push(`trace-cmd left ${sizeFile} at ${opts.bufferKb} KiB (it was ${sizeBefore}); restoring it needs root`);
        else try { write(root, 'buffer_size_kb', sizeBefore); } catch (e) { messages.push(`could not put ${sizeFile} back to ${sizeBefore}: ${errText(e)}`); }
      }
    }
    if (!exists(out)) throw new RecordError(`\`${argv.join(' ')}\` wrote no trace (exit ${r.code}): ${r.stderr.trim().split('\n').pop() ?? ''}`);
    const model = await importTrace(out, opts);
    return { model, code: r.code, messages };
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

const EVENTS = ['syscalls', 'sched/sched_process_fork', 'sched/sched_process_exec', 'sched/sched_process_exit', 'sched/sched_switch', 'sched/sched_wakeup'];

async function recordEvents(root: string, cmd: string[], opts: RecordOptions): Promise<{ model: TraceModel; code: number | null }> {
  const inst = path.join(root, 'instances', `kpn-${process.pid}-${Date.now()}`);
  await fs.promises.mkdir(inst);
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'kpn-trace-'));
  let child: ReturnType<typeof spawn> | null = null;
  try {
    // The instance's own buffer: it goes with the instance.
    if (opts.bufferKb !== undefined) write(inst, 'buffer_size_kb', String(opts.bufferKb));
    write(inst, 'options/event-fork', '1');
    // The command waits on fd 3 until its pid is in set_event_pid, so its first syscall is traced.
    child = spawn('sh', ['-c', 'read _ <&3; exec 3<&-; exec "$@"', 'kpn-trace', ...cmd], {
      stdio: ['ignore', opts.commandOutput === 'ignore' ? 'ignore' : 2, opts.commandOutput === 'ignore' ? 'ignore' : 2, 'pipe'],
    });
    const exited = new Promise<number | null>((resolve, reject) => {
      child!.once('error', reject);
      child!.once('exit', (code) => resolve(code));
    });
    write(inst, 'set_event_pid', String(child.pid));
    for (const e of EVENTS) write(inst, `events/${e}/enable`, '1');
    write(inst, 'tracing_on', '1');
    const go = child.stdio[3] as NodeJS.WritableStream;
    go.end('\n');
    const onAbort = () => child?.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let code: number | null;
    try {
      code = await exited;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    opts.signal?.throwIfAborted();
    write(inst, 'tracing_on', '0');
    const copy = path.join(dir, 'trace.txt');
    await pipeline(fs.createReadStream(path.join(inst, 'trace')), fs.createWriteStream(copy));
    const model = await importTrace(copy, opts);
    return { model, code };
  } finally {
    if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    cleanup(inst);
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

/** Undo every change, each step on its own so one failure does not leave the rest. */
function cleanup(inst: string): void {
  for (const [file, value] of [['tracing_on', '0'], ['events/enable', '0'], ['set_event_pid', ''], ['options/event-fork', '0']]) {
    try { write(inst, file, value); } catch { /* the instance is removed below anyway */ }
  }
  try { fs.rmdirSync(inst); } catch { /* already gone, or busy: nothing more to undo */ }
}

function write(dir: string, file: string, value: string): void {
  fs.writeFileSync(path.join(dir, file), value === '' ? '\n' : value);
}

/**
 * Whether the kernel accepts `tracer`: null if it does, else why not. Tried in a private
 * instance, which leaves the global tracer alone; a kernel whose function_graph runs only at the
 * top level (6.1 does, 6.12 does not) refuses it there with EINVAL, so it is then tried at the
 * top level, if no one is tracing there.
 */
function probeTracer(root: string, tracer: string): string | null {
  const refused = tryInInstance(root, tracer);
  if (refused === null) return null;
  if (refused.code !== 'EINVAL') return refused.text;
  let current: string;
  try {
    current = fs.readFileSync(path.join(root, 'current_tracer'), 'latin1').trim();
  } catch (e) {
    return `a tracing instance refuses it (EINVAL) and ${root}/current_tracer cannot be read: ${errText(e)}`;
  }
  if (current !== 'nop') return `a tracing instance refuses it (EINVAL), and the top-level tracer, where this kernel runs it, is in use ("${current}")`;
  const tracingOn = path.join(root, 'tracing_on');
  let on = '1';
  try { on = fs.readFileSync(tracingOn, 'latin1').trim(); } catch { /* restored to the default below */ }
  try {
    // Tracing off, so the moment of the probe leaves nothing in the global buffer.
    write(root, 'tracing_on', '0');
    write(root, 'current_tracer', tracer);
    return null;
  } catch (e) {
    return `writing "${tracer}" to the top-level current_tracer failed with ${errText(e)}`;
  } finally {
    try { write(root, 'current_tracer', 'nop'); } catch { /* it never left nop */ }
    try { write(root, 'tracing_on', on); } catch { /* nothing more to undo */ }
  }
}

/** Writes `tracer` to current_tracer of a private instance: null if accepted, else why not. */
function tryInInstance(root: string, tracer: string): { code?: string; text: string } | null {
  const inst = path.join(root, 'instances', `kpn-probe-${process.pid}`);
  try {
    fs.mkdirSync(inst);
  } catch (e) {
    return { text: `cannot create a tracefs instance to try it: ${errText(e)}` };
  }
  try {
    fs.writeFileSync(path.join(inst, 'current_tracer'), tracer);
    fs.writeFileSync(path.join(inst, 'current_tracer'), 'nop');
    return null;
  } catch (e) {
    return { code: (e as NodeJS.ErrnoException).code, text: `writing "${tracer}" to current_tracer failed with ${errText(e)}` };
  } finally {
    try { fs.rmdirSync(inst); } catch { /* nothing was changed in it */ }
  }
}

function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code} (${err.message.replace(/^\w+: /, '').replace(/, \w+ '.*$/, '')})` : String(err.message ?? e);
}

function exists(p: string): boolean {
  try { fs.accessSync(p); return true; } catch { return false; }
}

function isRoot(): boolean { return process.getuid?.() === 0; }

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && exists(path.join(d, bin)));
}

function run(file: string, args: string[], signal?: AbortSignal, output?: RecordOptions['commandOutput']): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', output === 'ignore' ? 'ignore' : 2, 'pipe'], signal });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 65536) stderr += d.toString();
      if (output !== 'ignore') process.stderr.write(d);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}
