/**
 * Loads build evidence once per configuration: the running kernel's BTF and /proc/kallsyms by
 * default, or the files the user names (a vmlinux with BTF or a raw BTF file; a System.map, a
 * kallsyms copy or a saved available_filter_functions). A file that cannot be read becomes one
 * problem sentence (logged once, shown in the hover); the rest of the evidence is still used.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Btf } from '../btf/btf';
import { btfLabel, type EvidenceSources } from '../btf/buildEvidence';
import { readSymbolFile, type SymbolTable } from '../btf/kallsyms';
import type { VerdictEvidence } from './verdict';

export interface EvidenceSettings {
  /** Use /sys/kernel/btf/vmlinux and /proc/kallsyms when no file is configured. */
  runningKernel: boolean;
  /** vmlinux with a .BTF section, or a raw BTF file. */
  btf?: string;
  /** System.map, kallsyms copy or available_filter_functions. */
  symbols?: string;
}

const RUNNING_BTF = '/sys/kernel/btf/vmlinux';
const RUNNING_KALLSYMS = '/proc/kallsyms';

/** Reads the configured files; never throws. Undefined when nothing is configured. */
export function loadEvidence(s: EvidenceSettings, log: (line: string) => void = () => {}): VerdictEvidence | undefined {
  const useFiles = !!(s.btf || s.symbols);
  if (!useFiles && !s.runningKernel) return undefined;
  const btfPath = useFiles ? s.btf : RUNNING_BTF;
  const symPath = useFiles ? s.symbols : RUNNING_KALLSYMS;
  const sources: EvidenceSources = {};
  const problems: string[] = [];
  const labels: string[] = [];
  if (btfPath) {
    try {
      const btf = Btf.open(btfPath);
      const release = btfPath === RUNNING_BTF ? os.release() : undefined;
      sources.btf = { btf, label: btfLabel(btfPath, release) };
      labels.push(`BTF of ${release ?? path.basename(btfPath)}`);
    } catch (e) {
      problems.push(oneLine(e));
    }
  }
  if (symPath) {
    const table = readSymbols(symPath, problems);
    if (table) {
      sources.symbols = [table];
      labels.push(path.basename(symPath) === 'kallsyms' && symPath === RUNNING_KALLSYMS ? 'kallsyms' : path.basename(symPath));
    }
  }
  for (const p of problems) log(`stability: build evidence: ${p}`);
  return { sources, problems, label: labels.join(' + ') || 'source heuristics' };
}

function readSymbols(file: string, problems: string[]): SymbolTable | undefined {
  let table: SymbolTable;
  try {
    table = readSymbolFile(file);
  } catch (e) {
    problems.push(oneLine(e));
    return undefined;
  }
  if (table.textCount === 0) {
    problems.push(`${file}: no text symbols found (${table.skipped} line(s) not understood${table.firstBadLine ? `, first at line ${table.firstBadLine}` : ''}): not a System.map, kallsyms or available_filter_functions file`);
    return undefined;
  }
  if (table.skipped > 0) problems.push(`${file}: ${table.skipped} line(s) not understood and ignored (first at line ${table.firstBadLine}); ${table.textCount} text symbols used`);
  return table;
}

function oneLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

/** Caches one loaded configuration; a changed configuration loads again. */
export class EvidenceCache {
  private key = '';
  private value: VerdictEvidence | undefined;

  constructor(private readonly log: (line: string) => void) {}

  get(s: EvidenceSettings): VerdictEvidence | undefined {
    const key = JSON.stringify([s.runningKernel, s.btf ?? '', s.symbols ?? '']);
    if (key !== this.key) {
      this.key = key;
      this.value = loadEvidence(s, this.log);
    }
    return this.value;
  }
}
