/**
 * `kpn check`'s core, shared with the editor diagnostics for `.bpf.c`: each program section's
 * target judged against the tree and, when loaded, a real build. Function targets get the
 * stability verdict; syscalls their `__x64_sys_` symbol; tracepoints their TRACE_EVENT (and the
 * `btf_trace_<name>` typedef the build records for each one).
 */
import type { KernelIndex } from '../index/kernelIndex';
import { functionVerdict, hasBuildEvidence, type Alternative, type VerdictEvidence } from '../stability/verdict';
import type { SectionAt } from './bpfSections';
import { parseSection } from './sections';

export type Severity = 'error' | 'warning' | 'info';

export interface CheckResult {
  /** The function, syscall or tracepoint name. */
  target: string;
  section: string;
  kind: 'function' | 'syscall' | 'tracepoint' | 'raw-tracepoint' | 'other';
  /** Will the attach succeed. */
  attachable: boolean;
  verdict: string;
  reasons: string[];
  source: string;
  severity: Severity;
  attachAs?: string;
  alternatives?: Alternative[];
  /** Where the kernel defines it, relative to the tree. */
  file?: string;
  line?: number;
  /** Position of the SEC string in a `.bpf.c` (0-based). */
  at?: { line: number; col: number };
}

/** Verdict words that mean the attach works but the program can miss events or hit the wrong symbol. */
const WARN_VERDICTS = new Set(['selectively-inlined', 'collision', 'kprobe-only', 'nokprobe']);

export function checkSections(index: KernelIndex, sections: readonly SectionAt[], evidence?: VerdictEvidence): CheckResult[] {
  return sections.map((s) => {
    const r = checkOne(index, s.section, evidence, s.unresolved);
    if (s.line !== undefined) r.at = { line: s.line, col: s.col ?? 0 };
    return r;
  });
}

function checkOne(index: KernelIndex, section: string, ev: VerdictEvidence | undefined, unresolved?: string): CheckResult {
  const source = ev && hasBuildEvidence(ev) ? ev.label : 'source heuristics';
  if (unresolved) return { target: '', section, kind: 'other', attachable: false, verdict: 'unchecked', reasons: [unresolved], source, severity: 'warning' };
  const t = parseSection(section);
  const base = { section, kind: t.kind, target: t.name };
  switch (t.kind) {
    case 'other':
      return { ...base, attachable: false, verdict: 'unchecked', reasons: [t.note ?? 'not a kernel target'], source, severity: 'info' };
    case 'function': {
      const v = functionVerdict(index, t.name, ev);
      if (!v) return { ...base, attachable: false, verdict: 'absent', reasons: [`no function ${t.name} in ${index.root}`], source, severity: 'error' };
      const fentryLike = t.prefix.startsWith('f');
      const reasons = [...v.reasons];
      let attachable = v.attachable;
      let verdict = v.verdict;
      if (fentryLike && v.verdict === 'kprobe-only') {
        attachable = false;
        verdict = 'absent';
        reasons.unshift(`${t.prefix} needs the function in BTF; it is only in the symbol table`);
      }
      return {
        ...base, attachable, verdict, reasons, source: v.source, attachAs: v.attachAs, alternatives: v.alternatives.length ? v.alternatives : undefined,
        file: v.file, line: v.line, severity: !attachable ? 'error' : WARN_VERDICTS.has(verdict) ? 'warning' : 'info',
      };
    }
    case 'syscall': {
      const v = functionVerdict(index, `__x64_sys_${t.name}`, ev);
      if (!v) return { ...base, attachable: false, verdict: 'absent', reasons: [`no SYSCALL_DEFINE for ${t.name} in the tree${source !== 'source heuristics' ? ` and no __x64_sys_${t.name} in ${source}` : ''}`], source, severity: 'error' };
      return { ...base, attachable: v.attachable, verdict: v.verdict, reasons: v.reasons, source: v.source, attachAs: v.attachAs, file: v.file, line: v.line, severity: v.attachable ? 'info' : 'error' };
    }
    case 'tracepoint':
    case 'raw-tracepoint':
      return tracepointResult(index, base, t.system, ev, source);
  }
}

function tracepointResult(index: KernelIndex, base: { section: string; kind: CheckResult['kind']; target: string }, system: string | undefined, ev: VerdictEvidence | undefined, source: string): CheckResult {
  const defs = index.tracepoint(base.target);
  const reasons: string[] = [];
  const def = defs.find((d) => !system || !d.system || d.system === system) ?? defs[0];
  if (def) reasons.push(`${def.kind}(${base.target}) in ${def.file}:${def.pos.line + 1}${def.system ? ` (category ${def.system})` : ''} (source)`);
  const mismatch = !!def && !!system && !!def.system && def.system !== system;
  if (mismatch) reasons.push(`category mismatch: the section says ${system}, the tree defines it under ${def.system}`);
  // Syscall tracepoints (syscalls/sys_enter_connect) come from SYSCALL_DEFINE metadata, not TRACE_EVENT.
  const syscallTp = system === 'syscalls' ? /^sys_(enter|exit)_(\w+)$/.exec(base.target) : null;
  const syscallDef = syscallTp ? index.resolve(`sys_${syscallTp[2]}`)[0] : undefined;
  if (syscallDef) reasons.push(`generated for SYSCALL_DEFINE(${syscallTp![2]}) in ${syscallDef.file}:${syscallDef.nameSpan.start.line + 1} (source)`);
  let attachable = !!def || !!syscallDef;
  let decided = 'source heuristics';
  const btf = ev?.sources.btf;
  if (btf && !syscallTp) {
    const inBuild = btf.btf.hasTypedef(`btf_trace_${base.target}`);
    attachable = inBuild;
    decided = ev!.label;
    reasons.unshift(inBuild ? `btf_trace_${base.target} in ${btf.label}: the tracepoint is built` : `no btf_trace_${base.target} in ${btf.label}: the tracepoint is not in this build`);
  }
  if (!attachable && reasons.length === 0) reasons.push(`no tracepoint ${system ? `${system}/` : ''}${base.target} in the tree`);
  return {
    ...base, attachable: attachable && !mismatch, verdict: !attachable ? 'absent' : mismatch ? 'wrong-category' : 'tracepoint', reasons,
    source: decided === 'source heuristics' ? source === 'source heuristics' ? source : `${source} (tracepoint from source)` : decided,
    file: def?.file ?? syscallDef?.file, line: def ? def.pos.line + 1 : syscallDef ? syscallDef.nameSpan.start.line + 1 : undefined,
    severity: attachable && !mismatch ? 'info' : 'error',
  };
}
