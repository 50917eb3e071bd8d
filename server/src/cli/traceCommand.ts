/**
 * `kpn trace import FILE [--json]` and `kpn trace run [--json] -- CMD...`: import (or record
 * then import) an ftrace capture and print the model. Returns the process exit code.
 */
import { parseArgs, UsageError } from './args';
import { importTrace } from '../ftrace/importTrace';
import { TraceFormatError } from '../ftrace/detect';
import { lostNote, type TraceModel } from '../ftrace/model';
import { edgeList, modelToJson } from '../ftrace/modelJson';
import { recordAndImport } from '../ftrace/record';
import { TraceDatError } from '../ftrace/traceDat/errors';

const USAGE = 'usage: kpn trace import FILE [--json]\n       kpn trace run [--json] [--buffer-kb KB] -- CMD [ARGS...]\n';
const TOP = 25;

export async function traceCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(args, ['buffer-kb']);
  } catch (e) {
    if (e instanceof UsageError) { out.write(`${e.message}\n${USAGE}`); return 2; }
    throw e;
  }
  const [verb, ...rest] = parsed.positional;
  const json = parsed.flags.has('json');
  const unknown = [...parsed.flags].filter((f) => f !== 'json');
  if (unknown.length > 0) { out.write(`unknown option --${unknown[0]}\n${USAGE}`); return 2; }
  try {
    if (verb === 'import' && rest.length === 1 && parsed.rest.length === 0) {
      const model = await importTrace(rest[0]);
      print(out, model, json, []);
      return 0;
    }
    if (verb === 'run' && rest.length === 0 && parsed.rest.length > 0) {
      const kb = parsed.options.get('buffer-kb');
      if (kb !== undefined && !/^[0-9]+$/.test(kb)) { out.write(`--buffer-kb takes a size in KiB, not ${kb}\n${USAGE}`); return 2; }
      const r = await recordAndImport(parsed.rest, { bufferKb: kb === undefined ? undefined : Number(kb) });
      print(out, r.model, json, r.messages, r.method, r.commandExitCode);
      return 0;
    }
  } catch (e) {
    if (e instanceof TraceFormatError || e instanceof TraceDatError || isFsError(e)) {
      out.write(`kpn trace: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
  out.write(USAGE);
  return 2;
}

function print(out: NodeJS.WritableStream, m: TraceModel, json: boolean, messages: string[], method?: string, exitCode?: number | null): void {
  if (json) {
    const extra = method === undefined ? {} : { recording: { method, messages, commandExitCode: exitCode } };
    out.write(JSON.stringify({ ...modelToJson(m), ...extra }, null, 2) + '\n');
    return;
  }
  for (const msg of messages) out.write(`note: ${msg}\n`);
  if (method !== undefined) out.write(`recorded with: ${method}; command exit code ${exitCode ?? 'n/a (signal)'}\n`);
  out.write(`format: ${m.format}${m.formatDetail ? ` (${m.formatDetail})` : ''}\n`);
  out.write(`lines: ${m.lines}  records: ${m.records}  functions: ${m.functions.size}  events: ${m.events.size} kinds` +
    `  exit-only returns without name: ${m.unmatchedExits}  unfinished calls: ${m.unfinishedCalls}\n`);
  const lost = lostNote(m);
  if (lost !== null) out.write(`warning: ${lost}\n`);
  if (m.skipped.count > 0) {
    out.write(`skipped lines: ${m.skipped.count}\n`);
    for (const s of m.skipped.samples.slice(0, 5)) out.write(`  line ${s.line}: ${s.reason}: ${s.text}\n`);
  }
  if (m.functions.size > 0) {
    out.write(`\n${'function'.padEnd(40)} ${'calls'.padStart(9)} ${'exit-only'.padStart(9)} ${'total us'.padStart(14)}\n`);
    const fns = [...m.functions].sort((a, b) => b[1].totalNs - a[1].totalNs || b[1].calls - a[1].calls).slice(0, TOP);
    for (const [name, f] of fns) {
      out.write(`${name.padEnd(40)} ${String(f.calls).padStart(9)} ${String(f.exitOnlyCalls).padStart(9)} ${(f.totalNs / 1000).toFixed(3).padStart(14)}\n`);
    }
  }
  const edges = edgeList(m.edges);
  if (edges.length > 0) {
    out.write('\nedges (caller -> callee: count)\n');
    for (const e of edges.slice(0, TOP)) out.write(`  ${e.caller} -> ${e.callee}: ${e.count}\n`);
  }
  if (m.syscalls.size > 0) {
    out.write('\nsyscalls\n');
    for (const [name, s] of [...m.syscalls].sort((a, b) => b[1].calls - a[1].calls).slice(0, TOP)) {
      out.write(`  ${name}: ${s.calls} calls${s.timedCalls > 0 ? `, ${(s.totalNs / 1000).toFixed(3)} us` : ''}\n`);
    }
  }
  if (m.events.size > 0) {
    out.write('\nevents\n');
    for (const [name, n] of [...m.events].sort((a, b) => b[1] - a[1]).slice(0, TOP)) out.write(`  ${name}: ${n}\n`);
  }
}

function isFsError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && typeof (e as NodeJS.ErrnoException).code === 'string' && 'syscall' in e;
}
