/**
 * trace.dat → TraceModel: function and function_graph records are resolved to names with the
 * file's own kallsyms (so a file from another machine needs nothing from this one); every
 * other record is an event. A latency-tracer capture stores text, parsed as tracefs text.
 */
import type * as fs from 'node:fs';
import type { ImportOptions } from '../importTrace';
import { ModelBuilder, type TraceModel } from '../model';
import { readAt } from './layout';
import { TraceDat } from './traceDatReader';

export async function importTraceDat(fh: fs.promises.FileHandle, total: number, opts: ImportOptions): Promise<TraceModel> {
  const dat = await TraceDat.open(fh, total);
  const l = dat.layout;
  const detail = `v${l.version}${l.compression !== 'none' ? ` ${l.compression}` : ''}, ${l.cpus.length} cpus, clock ${l.clock || 'unknown'}` +
    (l.otherInstances.length > 0 ? `; instances not imported: ${l.otherInstances.join(', ')}` : '');
  if (l.latencyTextOffset > 0) {
    // Lazy import: the text importer depends on this module's caller.
    const { importTraceBytes } = await import('../importTrace.js');
    const m = importTraceBytes(await readAt(fh, l.latencyTextOffset, total - l.latencyTextOffset));
    m.format = 'trace.dat';
    m.formatDetail = `${detail}; latency text`;
    return m;
  }
  const b = new ModelBuilder('trace.dat', detail);
  const sym = dat.symbols;
  const seen = new Set<number>();
  let unknownTypes = 0;
  await dat.forEach((r) => {
    const key = b.taskKey(r.pid, r.cpu);
    if (!seen.has(key)) {
      seen.add(key);
      b.task(key, r.pid === 0 ? '<idle>' : dat.comms.get(r.pid) ?? '<...>');
    }
    const f = r.format;
    if (f === null) { unknownTypes++; return; }
    if (f.system === 'ftrace') {
      if (f.name === 'function') {
        const ip = dat.fieldBig(r, 'ip');
        const parent = dat.fieldBig(r, 'parent_ip');
        if (ip !== null) { b.functionHit(key, sym.lookup(ip), parent === null ? null : sym.lookup(parent)); return; }
      } else if (f.name === 'funcgraph_entry') {
        const func = dat.fieldBig(r, 'func');
        const depth = dat.fieldNum(r, 'depth');
        if (func !== null && depth >= 0 && depth < 512) { b.enter(key, depth, sym.lookup(func)); return; }
      } else if (f.name === 'funcgraph_exit') {
        const func = dat.fieldBig(r, 'func');
        const depth = dat.fieldNum(r, 'depth');
        const dur = dat.fieldNum(r, 'rettime') - dat.fieldNum(r, 'calltime');
        if (func !== null && depth >= 0 && depth < 512) { b.exit(key, depth, dur, sym.lookup(func)); return; }
      }
    }
    b.event(key, f.name, r.tsNs);
  }, opts);
  if (unknownTypes > 0) b.skip(0, `${unknownTypes} records of an event type the file does not describe`, '');
  return b.finish();
}
