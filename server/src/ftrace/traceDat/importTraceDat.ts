/**
 * trace.dat → TraceModel: function and function_graph records are resolved to names with the
 * file's own kallsyms (so a file from another machine needs nothing from this one); every
 * other record is an event. A latency-tracer capture stores text, parsed as tracefs text.
 */
import type * as fs from 'node:fs';
import type { ImportOptions } from '../importTrace';
import { ModelBuilder, type NameRef, type TraceModel } from '../model';
import type { EventFormat, FieldFormat } from './eventFormat';
import { readAt } from './layout';
import { TraceDat, type TraceDatRecord } from './traceDatReader';

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
  // One ref per kallsyms entry: a trace names a few thousand functions hundreds of thousands of times.
  const refs: (NameRef | undefined)[] = [];
  const refAt = (r: TraceDatRecord, f: FieldFormat | undefined): NameRef | null => {
    if (f === undefined || !dat.address(r, f)) return null;
    const i = sym.indexOf(dat.addrHi, dat.addrLo);
    if (i < 0) return b.ref(sym.lookup(dat.addrHi, dat.addrLo));
    return refs[i] ?? (refs[i] = b.ref(sym.name(i)));
  };
  const kinds = new Map<EventFormat, RecordKind>();
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
    let k = kinds.get(f);
    if (k === undefined) kinds.set(f, k = recordKind(f));
    if (k.kind === FUNCTION) {
      const ip = refAt(r, k.func);
      if (ip !== null) { b.functionHitRef(key, ip, refAt(r, k.parent)); return; }
    } else if (k.kind !== EVENT) {
      const func = refAt(r, k.func);
      const depth = dat.number(r, k.depth);
      if (func !== null && depth >= 0 && depth < 512) {
        if (k.kind === ENTRY) b.enterRef(key, depth, func);
        else b.exitRef(key, depth, dat.number(r, k.rettime) - dat.number(r, k.calltime), func);
        return;
      }
    }
    b.event(key, f.name, r.tsNs);
  }, opts);
  if (dat.lost.drops > 0) b.lostEvents(dat.lost.events, dat.lost.drops);
  if (unknownTypes > 0) b.skip(0, `${unknownTypes} records of an event type the file does not describe`, '');
  return b.finish();
}

const EVENT = 0;
const FUNCTION = 1;
const ENTRY = 2;
const EXIT = 3;

/** What a record of one event type is to the model, with the fields it needs. */
interface RecordKind {
  kind: number;
  func?: FieldFormat;
  parent?: FieldFormat;
  depth?: FieldFormat;
  calltime?: FieldFormat;
  rettime?: FieldFormat;
}

function recordKind(f: EventFormat): RecordKind {
  if (f.system !== 'ftrace') return { kind: EVENT };
  const field = (name: string) => f.fields.get(name);
  if (f.name === 'function') return { kind: FUNCTION, func: field('ip'), parent: field('parent_ip') };
  if (f.name === 'funcgraph_entry') return { kind: ENTRY, func: field('func'), depth: field('depth') };
  if (f.name === 'funcgraph_exit') return { kind: EXIT, func: field('func'), depth: field('depth'), calltime: field('calltime'), rettime: field('rettime') };
  return { kind: EVENT };
}
