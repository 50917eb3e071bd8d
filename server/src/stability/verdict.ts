/**
 * The probe-stability verdict for one function name: can a kprobe/fentry attach by this name and
 * fire, will the name keep working, and what to probe instead. The source-only prediction
 * (attachability.ts) is the fallback; evidence from a real build (BTF, kallsyms, System.map,
 * available_filter_functions) overrides it whenever some is loaded.
 *
 * Cheap per call: contexts are cached per file and index generation (contextCache.ts), evidence
 * lookups are hash-map hits, alternatives are computed only for bad verdicts and are bounded.
 */
import { buildEvidence, type EvidenceSources, type FunctionEvidence } from '../btf/buildEvidence';
import { byRelevance } from '../features/explain';
import type { KernelIndex } from '../index/kernelIndex';
import type { FunctionDef } from '../index/model';
import { findAlternatives } from './alternatives';
import { INIT_QUALIFIERS, predictAttachability, type AttachContext, type AttachPrediction } from './attachability';
import { attachContextOf } from './contextCache';
import { interfaceFacts } from './interface';
import { attachableNote, SHORT_REASON } from './present';

export interface Alternative { kind: 'caller' | 'tracepoint' | 'sibling' | 'syscall'; name: string; file?: string; line?: number; why: string }

export interface Verdict {
  /** The name asked about. */
  target: string;
  /** Will a kprobe/fentry attach by this name succeed and fire. */
  attachable: boolean;
  /** attachable | selectively-inlined | inlined | maybe-inlined | clone | collision | duplicate | notrace | nokprobe | init | absent | syscall | kprobe-only */
  verdict: string;
  /** One line, e.g. "attachable · stable interface: tcp_prot.connect, tcpv6_prot.connect". */
  headline: string;
  /** Each with its evidence. */
  reasons: string[];
  /** "source heuristics" | "BTF of 6.18.44" | "System.map-6.1.0-56-amd64" … */
  source: string;
  /** Symbol to attach to when it differs from the name (`foo.isra.0`, `__x64_sys_connect`). */
  attachAs?: string;
  /** Ops members, exports, syscall. */
  stableInterface: string[];
  alternatives: Alternative[];
  /** The definition judged (relative path, 1-based line of the name); absent for names only the build knows. */
  file?: string;
  line?: number;
  /** A few words behind a bad verdict, for a CodeLens: "static, 1 caller", "static inline", "not in BTF". */
  detail?: string;
  /** Probe type that fits: fentry when BTF has it, ksyscall for syscalls, else kprobe. */
  attachType?: 'kprobe' | 'fentry' | 'ksyscall';
}

/** Evidence from a real build, as the language server or CLI loaded it. */
export interface VerdictEvidence {
  sources: EvidenceSources;
  /** Short name for the headline: "BTF of 6.18.44", "System.map-6.1.0-56-amd64". */
  label: string;
  /** Files that were asked for but could not be read, one sentence each. */
  problems: string[];
}

export interface VerdictOptions {
  /** Judge this definition instead of the most relevant one of the name (CodeLens: one per definition). */
  def?: FunctionDef;
  /** Default true. */
  alternatives?: boolean;
  /** Tree-wide caller searches allowed for alternatives (default 1: direct callers); a CodeLens of a whole file uses 0. */
  treeScans?: number;
}

const defaultEvidence = new WeakMap<KernelIndex, VerdictEvidence>();

/** Evidence used when a caller passes none (probe ranking, attach type choice): what the server loaded for this index. */
export function setDefaultEvidence(index: KernelIndex, evidence: VerdictEvidence | undefined): void {
  if (evidence) defaultEvidence.set(index, evidence);
  else defaultEvidence.delete(index);
}

/** Whether the evidence holds anything from a build (BTF or a symbol table), not just a label. */
export function hasBuildEvidence(ev: VerdictEvidence): boolean {
  return !!ev.sources.btf || (ev.sources.symbols?.length ?? 0) > 0;
}

/**
 * The verdict for `name` (a plain name, `__x64_sys_connect`, `foo.isra.0`). Undefined when neither
 * the tree nor the build evidence knows the name.
 */
export function functionVerdict(index: KernelIndex, name: string, evidence?: VerdictEvidence, opts: VerdictOptions = {}): Verdict | undefined {
  const ev = evidence ?? defaultEvidence.get(index);
  const hasEvidence = !!ev && hasBuildEvidence(ev);
  const defs = opts.def ? [opts.def] : [...index.resolve(name)].sort(byRelevance);
  const def = opts.def ?? defs[0];
  if (!def) return hasEvidence ? buildOnlyVerdict(name, ev!) : undefined;

  const fromText = attachContextOf(index, def);
  const ctx = fromText ?? countsOnly(index, def);
  const prediction = predictAttachability(def, ctx);
  const iface = interfaceFacts(index, def);
  const v: Verdict = {
    target: name, attachable: prediction.attachable, verdict: sourceWord(def, ctx, prediction, index), headline: '',
    // The interface facts say `exported` with more to it.
    reasons: prediction.reasons.filter((r) => !(def.exported && r.startsWith('exported ('))).map((r) => `${r} (source)`), source: 'source heuristics', stableInterface: iface.stable,
    alternatives: [], file: def.file, line: def.nameSpan.start.line + 1,
  };
  v.detail = sourceDetail(def, ctx, v.verdict);
  if (!fromText) v.reasons.push('source text unreadable: judged from the index\'s call counts only');
  if (def.syscall) {
    v.attachAs = def.syscall.symbols.find((s) => s.startsWith('__x64_')) ?? def.syscall.symbols[0];
    v.attachType = 'ksyscall';
  }
  if (v.verdict === 'collision') v.reasons.push(`${ctx.definitionsWithName} definitions named ${def.name} in the tree: a probe by name is ambiguous (source)`);
  if (v.verdict === 'selectively-inlined') v.reasons.push(`static with ${ctx.callsInFile} call sites in its file: GCC may inline some of them, so a probe can miss invocations (source)`);
  if (def.qualifiers.includes('__kprobes')) {
    v.reasons.push('`__kprobes`: in .kprobes.text, which kprobes refuse; fentry may still work (source)');
    if (v.attachable) v.verdict = 'nokprobe';
  }

  if (hasEvidence) applyEvidence(v, def, ev!);
  else if (ev && ev.problems.length > 0) v.reasons.push(`build evidence could not be read: ${ev.problems.join('; ')}`);
  v.attachType ??= v.attachable ? (v.source.startsWith('BTF') && v.verdict !== 'kprobe-only' ? 'fentry' : 'kprobe') : undefined;

  v.reasons.push(...iface.reasons);
  const tps = [...new Set(index.tracepointCallsIn(def).map((t) => t.name))];
  if (tps.length) v.reasons.push(`tracepoints fired inside: ${tps.slice(0, 4).map((t) => `\`${t}\``).join(', ')} — a stable alternative hook`);
  if (defs.length > 1 && !opts.def) v.reasons.push(`${defs.length - 1} other definition(s) of the name; judged ${def.file}:${v.line}`);

  const bad = !v.attachable || v.verdict === 'selectively-inlined' || v.verdict === 'collision';
  if (bad && opts.alternatives !== false) v.alternatives = findAlternatives(index, def, (d) => isAttachable(index, d, ev), iface.siblings, opts.treeScans);
  v.headline = headline(v);
  return v;
}

/**
 * The `attachable` half of functionVerdict alone, for judging many callers: with build evidence it
 * is a few hash lookups (no file scan), without it the source prediction.
 */
function isAttachable(index: KernelIndex, def: FunctionDef, ev: VerdictEvidence | undefined): boolean {
  const btf = ev?.sources.btf?.btf;
  const symbols = ev?.sources.symbols ?? [];
  if (btf || symbols.length > 0) {
    const has = (n: string) => (btf?.hasFunc(n) ?? false) || symbols.some((t) => t.hasExact(n));
    if (def.syscall) return def.syscall.symbols.some(has);
    return has(def.name) && !def.qualifiers.some((q) => INIT_QUALIFIERS.includes(q));
  }
  return predictAttachability(def, attachContextOf(index, def) ?? countsOnly(index, def)).attachable;
}

/** Maps the predictor's verdict onto the taxonomy, adding what needs the whole index (collisions). */
function sourceWord(def: FunctionDef, ctx: AttachContext, p: AttachPrediction, index: KernelIndex): string {
  switch (p.verdict) {
    case 'syscall-wrapper': return 'syscall';
    case 'header-static': return 'duplicate';
    case 'attachable': break;
    default: return p.verdict;
  }
  if (def.qualifiers.includes('static')) {
    const emittedStatics = index.resolve(def.name).filter((d) => d.qualifiers.includes('static') && !d.file.endsWith('.h'));
    if (emittedStatics.length > 1 && !sameFileVariants(emittedStatics)) return 'collision';
    if (ctx.callsInFile >= 2 && !ctx.inOpsStruct && ctx.nonCallRefs === 0) return 'selectively-inlined';
  }
  return 'attachable';
}

function sourceDetail(def: FunctionDef, ctx: AttachContext, verdict: string): string | undefined {
  const q = new Set<string>(def.qualifiers);
  switch (verdict) {
    case 'inlined':
      if (q.has('__always_inline')) return '__always_inline';
      if (q.has('inline')) return q.has('static') ? 'static inline' : 'extern inline';
      return ctx.callsInFile === 1 ? 'static, 1 caller' : `static, called from macros`;
    case 'maybe-inlined': return `static, ${ctx.callsInFile} callers, ${ctx.bodyLines} lines`;
    case 'clone': return `${ctx.unusedParams} unused parameter${ctx.unusedParams === 1 ? '' : 's'}`;
    case 'notrace': return def.qualifiers.find((x) => x === 'notrace' || x === 'noinstr' || x === '__naked') ?? 'Makefile drops the ftrace flags';
    default: return undefined;
  }
}

/** `#ifdef` alternatives of one function in one file are one symbol, not a collision. */
function sameFileVariants(defs: FunctionDef[]): boolean {
  return new Set(defs.map((d) => d.file)).size === 1;
}

/** The index lacks the file's text: keep what the call arrays say, assume nothing about references. */
function countsOnly(index: KernelIndex, def: FunctionDef): AttachContext {
  const inFile = index.callCountInFile(def.name, def.file);
  return {
    callsInFile: inFile, callsInTree: index.callCount(def.name), nonCallRefs: 0, callLikeMentions: inFile + 1,
    inOpsStruct: index.opsOf(def.name).length > 0, definitionsWithName: index.resolve(def.name).length,
    bodyLines: def.span.end.line - def.span.start.line + 1, unusedParams: 0, inHeader: def.file.endsWith('.h'), fileWithoutFtrace: false,
  };
}

/** The build decides: present by this exact name → attachable; only clones → attach the clone; absent → not. */
function applyEvidence(v: Verdict, def: FunctionDef, ev: VerdictEvidence): void {
  const sourceVerdict = v.verdict;
  const sourceAttachable = v.attachable;
  v.source = ev.label;
  if (ev.problems.length) v.reasons.push(`some build evidence could not be read: ${ev.problems.join('; ')}`);
  const e = buildEvidence(def.name, ev.sources, def);

  if (def.syscall) {
    const present = (e.syscallSymbols ?? []).filter((s) => s.inBtf || s.inSymbols);
    const x64 = present.find((s) => s.name.startsWith('__x64_')) ?? present[0];
    v.attachable = !!x64;
    v.verdict = x64 ? 'syscall' : 'absent';
    if (x64) v.attachAs = x64.name;
    v.reasons.unshift(x64
      ? `${present.map((s) => s.name).join(', ')} in ${ev.label}`
      : `none of ${def.syscall.symbols.join(', ')} in ${ev.label}: syscall not built in this configuration`);
    return;
  }

  const inBtf = e.btf?.present ?? false;
  const exact = e.symbols.some((s) => s.exact);
  const clones = [...new Set(e.symbols.flatMap((s) => s.clones))];
  const count = Math.max(e.btf?.count ?? 0, ...e.symbols.map((s) => s.exactCount));
  const evidenceLines = [...e.summary];
  v.attachAs = undefined;
  if (inBtf || exact) {
    v.attachable = true;
    v.verdict = count > 1 ? 'collision' : sourceVerdict === 'selectively-inlined' ? 'selectively-inlined' : 'attachable';
    if (count > 1) evidenceLines.push(`${count} symbols named ${def.name}: a probe by name attaches to only one of them (recent kernels refuse an ambiguous kprobe name with EADDRNOTAVAIL)`);
    if (ev.sources.btf && !inBtf) {
      v.verdict = 'kprobe-only';
      evidenceLines.push('in the symbol table but not in BTF: kprobe by address works, fentry does not');
    }
    if (def.qualifiers.some((q) => INIT_QUALIFIERS.includes(q))) {
      v.attachable = false;
      v.verdict = 'init';
      evidenceLines.push(`present in the build, but \`${def.qualifiers.find((q) => INIT_QUALIFIERS.includes(q))}\`: its text is freed after boot, so attaching fails`);
    }
  } else if (clones.length > 0) {
    v.attachable = false;
    v.verdict = 'clone';
    v.detail = `only ${clones[0]} in the build`;
    v.attachAs = clones[0];
    evidenceLines.push(`attach by the clone name \`${clones[0]}\` (it may not see every call: the compiler changed its arguments)`);
  } else {
    v.attachable = false;
    v.verdict = sourceAttachable || sourceVerdict === 'syscall' ? 'absent' : sourceVerdict;
    v.detail = v.verdict === 'absent' ? undefined : [v.detail, `not in ${ev.label}`].filter(Boolean).join('; ');
    if (sourceAttachable) evidenceLines.push('the source predicts a symbol, the build has none: compiled out in this configuration, a module not loaded, or inlined');
  }
  // buildEvidence already words a mismatch; a match is worth saying too (the probe's argument layout holds).
  if (e.btf?.comparison?.matches) evidenceLines.push('BTF prototype matches this source');
  v.reasons.unshift(...evidenceLines);
  v.reasons = v.reasons.map((r) => r.replace(/ \(source\)$/, ' (source heuristics, overridden by the build)'));
}

function buildOnlyVerdict(name: string, ev: VerdictEvidence): Verdict {
  const e: FunctionEvidence = buildEvidence(name, ev.sources);
  const inBtf = e.btf?.present ?? false;
  const exact = e.symbols.some((s) => s.exact);
  const clones = [...new Set(e.symbols.flatMap((s) => s.clones))];
  const v: Verdict = {
    target: name, attachable: inBtf || exact, verdict: inBtf || exact ? 'attachable' : clones.length ? 'clone' : 'absent', headline: '',
    reasons: [...e.summary, 'not defined in this source tree'], source: ev.label, stableInterface: [], alternatives: [],
  };
  if (!v.attachable && clones.length) v.attachAs = clones[0];
  if (v.attachable) v.attachType = inBtf ? 'fentry' : 'kprobe';
  v.headline = headline(v);
  return v;
}

function headline(v: Verdict): string {
  const parts: string[] = [];
  if (v.attachable) {
    const note = v.verdict === 'kprobe-only' ? ' (kprobe only)' : v.verdict === 'syscall' && v.attachAs ? ` as ${v.attachAs}` : attachableNote(v);
    parts.push(`attachable${note}`);
  } else {
    parts.push(`not attachable: ${SHORT_REASON[v.verdict] ?? v.verdict}${v.attachAs ? ` — attach ${v.attachAs}` : ''}`);
  }
  if (v.stableInterface.length) parts.push(`stable interface: ${v.stableInterface.slice(0, 3).join(', ')}`);
  parts.push(v.source);
  return parts.join(' · ');
}
