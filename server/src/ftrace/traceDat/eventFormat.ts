/**
 * tracefs event `format` files as stored in trace.dat: `name:`, `ID:`, and
 * `field:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;` lines. Only the layout is kept.
 */
import { TraceDatError } from './errors';

export interface FieldFormat { name: string; offset: number; size: number; signed: boolean }

export interface EventFormat {
  id: number;
  system: string;
  name: string;
  fields: Map<string, FieldFormat>;
}

const FIELD = /^\s*field:(.*?);\s*offset:(\d+);\s*size:(\d+);(?:\s*signed:(\d+);)?/;

export function parseEventFormat(text: string, system: string, fileOffset: number): EventFormat {
  let name = '';
  let id = -1;
  const fields = new Map<string, FieldFormat>();
  for (const line of text.split('\n')) {
    if (line.startsWith('name: ')) { name = line.slice(6).trim(); continue; }
    if (line.startsWith('ID: ')) { id = Number(line.slice(4).trim()); continue; }
    const m = FIELD.exec(line);
    if (m === null) continue;
    // `unsigned long args[]`, `char comm[16]`, `struct ftrace_graph_ent graph_ent`: the name is the last word.
    const decl = m[1].replace(/\[[^\]]*\]\s*$/, '').trim();
    const fname = /([A-Za-z_][A-Za-z0-9_]*)$/.exec(decl)?.[1];
    if (fname === undefined) continue;
    fields.set(fname, { name: fname, offset: Number(m[2]), size: Number(m[3]), signed: m[4] === '1' });
  }
  if (name === '' || !Number.isInteger(id) || id < 0) {
    throw new TraceDatError(fileOffset, `event format without name/ID (${JSON.stringify(text.slice(0, 60))})`);
  }
  return { id, system, name, fields };
}
