/**
 * What a real kernel build says about one function: is it in BTF (so fentry/fexit can attach and
 * the prototype is known), is it in kallsyms/System.map (so a kprobe can attach), under which
 * clone names, shared by how many symbols, and does the built prototype still match the source.
 */
import * as os from 'node:os';
import type { FunctionDef } from '../index/model';
import { Btf } from './btf';
import { SymbolTable } from './kallsyms';
import { btfParams, comparePrototypes, type PrototypeComparison } from './prototypeMatch';

export interface BtfSource { btf: Btf; label: string }

export interface EvidenceSources {
  btf?: BtfSource;
  symbols?: SymbolTable[];
}

export interface BtfEvidence {
  source: string;
  present: boolean;
  /** FUNC entries of this name (static functions of one name in several files each get one). */
  count: number;
  prototype?: string;
  /** Only when a source definition was given and the function is in BTF. */
  comparison?: PrototypeComparison;
}

export interface SymbolEvidence {
  source: string;
  present: boolean;
  exact: boolean;
  clones: string[];
  /** Text symbols spelled exactly like the name; > 1 means a probe by name is ambiguous. */
  exactCount: number;
  modules: string[];
}

export interface FunctionEvidence {
  name: string;
  btf?: BtfEvidence;
  symbols: SymbolEvidence[];
  /** For SYSCALL_DEFINE functions: the symbols the macro really emits, checked one by one. */
  syscallSymbols?: { name: string; inBtf?: boolean; inSymbols?: boolean }[];
  /** Short sentences for display, each naming its source. */
  summary: string[];
}

/** "BTF of 6.18.44 (/sys/kernel/btf/vmlinux)" for the running kernel; otherwise the path. */
export function btfLabel(path: string, release?: string): string {
  if (path === '/sys/kernel/btf/vmlinux') return `BTF of ${release ?? os.release()} (${path})`;
  return release ? `BTF of ${release} (${path})` : `BTF of ${path}`;
}

export function buildEvidence(name: string, sources: EvidenceSources, def?: FunctionDef): FunctionEvidence {
  const summary: string[] = [];
  let btf: BtfEvidence | undefined;
  if (sources.btf) {
    const { btf: b, label } = sources.btf;
    const ids = b.funcIdsOf(name);
    btf = { source: label, present: ids.length > 0, count: ids.length };
    if (ids.length > 0) {
      btf.prototype = b.renderFunc(ids[0]);
      summary.push(`in ${label}: \`${btf.prototype}\`${ids.length > 1 ? ` (${ids.length} FUNC entries of this name)` : ''}`);
      if (def && !def.syscall) {
        btf.comparison = comparePrototypes(def, btfParams(b, ids[0]));
        if (!btf.comparison.matches) summary.push(`prototype differs from the source: ${btf.comparison.differences.join('; ')}`);
      }
    } else {
      summary.push(`not in ${label}: no fentry/fexit, probably inlined or not built`);
    }
  }

  const symbols: SymbolEvidence[] = (sources.symbols ?? []).map((t) => {
    const ev: SymbolEvidence = {
      source: t.source.label,
      present: t.has(name),
      exact: t.hasExact(name),
      clones: t.clones(name),
      exactCount: t.exactCount(name),
      modules: t.modules(name),
    };
    if (!ev.present) summary.push(`not in ${ev.source}`);
    else {
      const parts = [`in ${ev.source}`];
      if (!ev.exact) parts.push(`only as compiler clones ${ev.clones.join(', ')} (probe the clone name)`);
      else if (ev.clones.length) parts.push(`also as clones ${ev.clones.join(', ')}`);
      if (ev.exactCount > 1) parts.push(`${ev.exactCount} symbols share this name: a probe by name is ambiguous`);
      summary.push(parts.join('; '));
    }
    return ev;
  });

  const out: FunctionEvidence = { name, btf, symbols, summary };
  if (def?.syscall) {
    out.syscallSymbols = def.syscall.symbols.map((s) => ({
      name: s,
      inBtf: sources.btf ? sources.btf.btf.hasFunc(s) : undefined,
      inSymbols: sources.symbols?.length ? sources.symbols.some((t) => t.has(s)) : undefined,
    }));
  }
  return out;
}
