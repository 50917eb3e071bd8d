/**
 * `kpn index`, `kpn explain`, `kpn ops`: the commands answered from the kernel index (built, or
 * loaded from its cache). JSON shapes are documented in README.md and kept stable.
 */
import { explain, toOpsRef, type Explanation } from '../features/explain';
import type { KernelIndex } from '../index/kernelIndex';
import { parseArgs, UsageError, type Parsed } from './args';
import { openIndex } from './loadIndex';

const INDEX_OPTIONS = ['tree', 'cache', 'workers'] as const;

function need(p: Parsed, count: number, what: string): void {
  if (p.positional.length !== count) throw new UsageError(`expected ${what}`);
}

async function open(p: Parsed, tree: string | undefined, err: NodeJS.WritableStream, quiet: boolean): Promise<KernelIndex> {
  if (!tree) throw new UsageError('--tree <kernel tree> is required');
  const workers = p.options.has('workers') ? Number(p.options.get('workers')) : undefined;
  const r = await openIndex({
    tree, cacheDir: p.options.get('cache'), workers,
    progress: quiet || !(err as NodeJS.WriteStream).isTTY ? undefined : err,
    log: (l) => { if (!quiet) err.write(l + '\n'); },
  });
  return r.index;
}

export async function indexCommand(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const p = parseArgs(args, INDEX_OPTIONS);
  need(p, 1, 'one tree path');
  const t0 = process.hrtime.bigint();
  const workers = p.options.has('workers') ? Number(p.options.get('workers')) : undefined;
  const r = await openIndex({
    tree: p.positional[0], cacheDir: p.options.get('cache'), workers,
    progress: (err as NodeJS.WriteStream).isTTY ? err : undefined,
    log: p.flags.has('verbose') ? (l) => err.write(l + '\n') : undefined,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const stats = r.index.stats();
  const summary = {
    tree: r.index.root, kernelVersion: r.index.kernelVersion ?? null, isKernelTree: !!r.index.kernelVersion,
    ms: Math.round(ms), parsedNow: r.result?.parsed ?? 0, reused: r.result?.reused ?? 0, ...stats,
    skipped: r.index.skippedFiles(),
  };
  if (p.flags.has('json')) out.write(JSON.stringify(summary) + '\n');
  else {
    out.write(`${summary.tree}: ${summary.kernelVersion ? `Linux ${summary.kernelVersion}` : 'not a kernel tree (no kernel Makefile)'}\n`);
    out.write(`${stats.files} files (${stats.parsedFiles} parsed, ${stats.defineOnlyFiles} preprocessor-only, ${stats.skippedFiles} skipped, ${stats.filesWithErrors} with parse errors) in ${(ms / 1000).toFixed(1)} s` +
      `${summary.reused ? `, ${summary.reused} unchanged from cache` : ''}\n`);
    out.write(`${stats.functions} functions (${stats.syscalls} syscalls), ${stats.exports} exports, ${stats.opsAssignments} ops assignments in ${stats.opsInstances} instances of ${stats.opsStructTypes} ops struct types\n`);
    out.write(`${stats.calls} direct calls, ${stats.indirectCalls} calls through fields, ${stats.tracepoints} tracepoint definitions, ${stats.tracepointCalls} tracepoint call sites\n`);
    for (const s of summary.skipped) out.write(`skipped ${s.file}: ${s.reason}\n`);
  }
  return 0;
}

export async function explainCommand(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const p = parseArgs(args, INDEX_OPTIONS);
  need(p, 1, 'one function name');
  const index = await open(p, p.options.get('tree'), err, p.flags.has('json'));
  const found = explain(index, p.positional[0]);
  if (p.flags.has('json')) {
    out.write(JSON.stringify(found.length === 1 ? found[0] : found, null, 2) + '\n');
    return found.length ? 0 : 1;
  }
  if (found.length === 0) { err.write(`kpn: no function named ${p.positional[0]} in ${index.root}\n`); return 1; }
  found.forEach((e, i) => out.write((i ? '\n' : '') + explainText(e)));
  return 0;
}

function explainText(e: Explanation): string {
  const lines = [`${e.signature}`, `  defined at ${e.file}:${e.line}`];
  if (e.query) lines.push(`  (${e.query} resolves to ${e.name})`);
  if (e.qualifiers.length) lines.push(`  qualifiers: ${e.qualifiers.join(' ')}`);
  lines.push(`  exported: ${e.exported ?? 'no'}`, `  direct call sites: ${e.callers}`);
  if (e.syscall) lines.push(`  syscall ${e.syscall.name}/${e.syscall.nargs}${e.syscall.compat ? ' (compat)' : ''}: ${e.syscall.symbols.join(' ')}`);
  for (const o of e.ops) lines.push(`  ops: ${o.instance}.${o.field}${o.struct ? ` (struct ${o.struct})` : ''} at ${o.file}:${o.line}`);
  if (e.tracepoints.length) lines.push(`  tracepoints: ${e.tracepoints.join(' ')}`);
  for (const d of e.otherDefinitions) lines.push(`  also defined at ${d.file}:${d.line}`);
  return lines.join('\n') + '\n';
}

export async function opsCommand(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const p = parseArgs(args, INDEX_OPTIONS);
  need(p, 1, 'a struct type, instance or function name');
  const q = p.positional[0];
  const index = await open(p, p.options.get('tree'), err, p.flags.has('json'));
  let kind: 'instance' | 'struct' | 'function' | 'none' = 'none';
  let rows = index.opsInstance(q);
  if (rows.length) kind = 'instance';
  else if ((rows = index.opsOfStruct(q)).length) kind = 'struct';
  else if ((rows = index.opsOf(q)).length) kind = 'function';
  const list = rows.map((o) => ({ ...toOpsRef(o), fn: o.fn }));
  if (p.flags.has('json')) out.write(JSON.stringify({ query: q, kind, ops: list }, null, 2) + '\n');
  else if (kind === 'none') err.write(`kpn: ${q} is neither an ops instance, an ops struct type nor a registered function\n`);
  else for (const o of list) out.write(`${o.instance}.${o.field} = ${o.fn}${o.struct ? `  (struct ${o.struct})` : ''}  ${o.file}:${o.line}\n`);
  return kind === 'none' ? 1 : 0;
}
