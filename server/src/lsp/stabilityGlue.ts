/**
 * Wires probe-stability verdicts into the language server: the hover headline (verdict, reasons,
 * alternatives), a CodeLens per function ("attach fentry" / "not attachable: … — try …"),
 * `kpn check` diagnostics for open `.bpf.c` files, and the `kpn/verdict` request. Build evidence
 * (running kernel or configured files) is loaded lazily and installed as the index's default, so
 * other areas calling functionVerdict(index, name) get the same answer. Settings are polled.
 */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DiagnosticSeverity, ResponseError, type CodeLens, type Diagnostic } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { sectionsOfSource } from '../check/bpfSections';
import { checkSections, type CheckResult } from '../check/checkTargets';
import type { KernelIndex } from '../index/kernelIndex';
import type { FunctionDef } from '../index/model';
import { prepareFile, setNoFtraceRules, setTextSource } from '../stability/contextCache';
import { EvidenceCache } from '../stability/evidenceStore';
import { scanNoFtrace, type NoFtraceRules } from '../stability/ftraceFlags';
import { attachableNote, notAttachableTitle, verdictMarkdown } from '../stability/present';
import { readStabilitySettings, type StabilitySettings } from '../stability/settings';
import { functionVerdict, setDefaultEvidence, type Verdict, type VerdictEvidence } from '../stability/verdict';
import type { FeatureContext } from './context';
import { initOptionsSection, pollSettings } from './settingsPoller';

const VERDICT_REQUEST = 'kpn/verdict';
const DIAGNOSTIC_DEBOUNCE_MS = 300;
const MAX_CACHED_VERDICTS = 20_000;
const isBpfSource = (uri: string) => /\.bpf\.c$/.test(uri);

export function registerStability(ctx: FeatureContext): void {
  const evidence = new EvidenceCache(ctx.log);
  const polled = pollSettings(ctx, 'stability', readStabilitySettings, () => refreshAll());
  // Until the client has answered, what initializationOptions say (or the defaults) holds.
  const settings = {
    get current(): StabilitySettings { return polled.current ?? readStabilitySettings(initOptionsSection(ctx, 'stability'), []); },
    fresh: polled.fresh,
    refreshSoon: polled.refreshSoon,
  };
  const prepared = new WeakSet<KernelIndex>();
  const rulesApplied = new WeakSet<KernelIndex>();
  const rules = new Map<string, Promise<NoFtraceRules | undefined>>();

  /** Evidence for the current settings, installed as the index's default for other areas. */
  const evidenceFor = (index: KernelIndex): VerdictEvidence | undefined => {
    const s = settings.current;
    const ev = evidence.get({ ...s, btf: abs(ctx.root(), s.btf), symbols: abs(ctx.root(), s.symbols) });
    setDefaultEvidence(index, ev);
    if (!prepared.has(index)) {
      prepared.add(index);
      setTextSource(index, (file) => ctx.documents.get(pathToFileURL(path.join(index.root, file)).toString())?.getText());
    }
    return ev;
  };

  // One verdict per (index generation, definition): the headline and lens ask for the same ones repeatedly.
  let cacheGen = -1;
  let cacheEv: VerdictEvidence | undefined;
  const cache = new Map<string, Verdict | undefined>();
  // Evidence is looked up once per request (a CodeLens asks for every function of a file).
  const verdictOf = (index: KernelIndex, ev: VerdictEvidence | undefined, name: string, def?: FunctionDef, treeScans?: number): Verdict | undefined => {
    if (cacheGen !== index.generation || cacheEv !== ev) { cache.clear(); cacheGen = index.generation; cacheEv = ev; }
    const key = `${def ? `${def.file}\0${def.span.start.line}\0${def.name}` : name}\0${treeScans ?? ''}`;
    if (cache.size > MAX_CACHED_VERDICTS) cache.clear();
    if (!cache.has(key)) cache.set(key, functionVerdict(index, name, ev, { def, treeScans }));
    return cache.get(key);
  };

  ctx.setHoverHeadline((e, index) => {
    settings.refreshSoon();
    const def = index.resolve(e.name).find((d) => d.file === e.file && d.nameSpan.start.line === e.line - 1);
    const v = verdictOf(index, evidenceFor(index), e.query ?? e.name, def);
    return v && verdictMarkdown(v);
  });

  ctx.addLensProvider((file, index): CodeLens[] => {
    settings.refreshSoon();
    if (!settings.current.codeLens) return [];
    // Callers from other files cost a tree-wide scan each: too much for every function of a file.
    // A lens offers in-file callers (static functions' only ones); the hover searches further.
    prepareFile(index, file);
    const ev = evidenceFor(index);
    return index.functionsInFile(file).flatMap((fn) => {
      const v = verdictOf(index, ev, fn.name, fn, 0);
      return v ? [lensFor(v, fn)] : [];
    });
  });

  ctx.connection.onRequest(VERDICT_REQUEST, (params: { name?: unknown; file?: unknown }) => {
    const index = ctx.service()?.index;
    if (!index) throw new ResponseError(-32002, 'the index is not ready');
    if (typeof params?.name !== 'string' || !params.name) throw new ResponseError(-32602, 'expected { name, file? }');
    const def = typeof params.file === 'string' ? index.resolve(params.name).find((d) => d.file === params.file) : undefined;
    return verdictOf(index, evidenceFor(index), params.name, def) ?? null;
  });

  // `.bpf.c` diagnostics: on open and edit (debounced), and again when the index changes.
  const timers = new Map<string, NodeJS.Timeout>();
  const diagnose = (doc: TextDocument) => {
    const service = ctx.service();
    if (!service || service.getStatus().state !== 'ready') return;
    const index = service.index;
    const results = checkSections(index, sectionsOfSource(doc.getText()), evidenceFor(index));
    void ctx.connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: results.flatMap(toDiagnostic) });
  };
  ctx.documents.onDidChangeContent((e) => {
    if (!isBpfSource(e.document.uri)) return;
    clearTimeout(timers.get(e.document.uri));
    timers.set(e.document.uri, setTimeout(() => { timers.delete(e.document.uri); guard(ctx, 'bpf diagnostics', () => diagnose(e.document)); }, DIAGNOSTIC_DEBOUNCE_MS));
  });
  ctx.documents.onDidClose((e) => {
    if (isBpfSource(e.document.uri)) void ctx.connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  function refreshAll(): void {
    cache.clear();
    for (const doc of ctx.documents.all()) if (isBpfSource(doc.uri)) guard(ctx, 'bpf diagnostics', () => diagnose(doc));
    void ctx.connection.sendRequest('workspace/codeLens/refresh').catch(() => { /* client without refresh support */ });
  }

  ctx.onIndexChanged(() => {
    const index = ctx.service()?.index;
    if (!index) return;
    void settings.fresh().then(() => {
      evidenceFor(index);
      refreshAll();
      // Makefiles that strip the ftrace flags: read once per tree, off the request path, and
      // given to every index object of that tree (a full re-index makes a new one).
      if (!rules.has(index.root)) {
        rules.set(index.root, scanNoFtrace(index.root).catch((e) => {
          ctx.log(`stability: reading Makefiles for ftrace flags failed: ${(e as Error).message}`);
          return undefined;
        }));
      }
      void rules.get(index.root)!.then((r) => {
        if (!r || rulesApplied.has(index)) return;
        rulesApplied.add(index);
        setNoFtraceRules(index, r);
        refreshAll();
      });
    });
  });
}

function lensFor(v: Verdict, fn: FunctionDef): CodeLens {
  const range = { start: { line: fn.span.start.line, character: fn.span.start.col }, end: { line: fn.span.start.line, character: fn.span.start.col } };
  const at = { file: fn.file, line: fn.nameSpan.start.line + 1 };
  if (v.attachable) {
    const type = v.attachType ?? 'kprobe';
    const target = v.attachAs ?? fn.name;
    const note = attachableNote(v);
    return { range, command: { title: `attach ${type}${target !== fn.name ? ` ${target}` : ''}${note}`, command: 'kpn.attach', arguments: [{ target, type, ...at }] } };
  }
  if (v.verdict === 'clone' && v.attachAs) {
    return { range, command: { title: `not attachable by name: compiler clone — attach kprobe ${v.attachAs}`, command: 'kpn.attach', arguments: [{ target: v.attachAs, type: 'kprobe', ...at }] } };
  }
  return { range, command: { title: notAttachableTitle(v, v.detail), command: '' } };
}

const SEVERITY: Record<CheckResult['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information,
};

function toDiagnostic(r: CheckResult): Diagnostic[] {
  if (!r.at || r.severity === 'info') return [];
  const alt = r.alternatives?.length ? ` Try: ${r.alternatives.slice(0, 3).map((a) => a.name).join(', ')}.` : '';
  const what = r.target ? `${r.target}: ${r.attachable ? 'attachable but' : 'not attachable'} (${r.verdict})` : `${r.section}: not checked`;
  return [{
    range: { start: { line: r.at.line, character: r.at.col }, end: { line: r.at.line, character: r.at.col + r.section.length } },
    severity: SEVERITY[r.severity],
    source: 'kpn check',
    message: `${what}${r.attachAs ? ` — attach as ${r.attachAs}` : ''}. ${r.reasons[0] ?? ''}${alt} [${r.source}]`,
  }];
}

function guard(ctx: FeatureContext, what: string, f: () => void): void {
  try {
    f();
  } catch (e) {
    ctx.log(`${what}: ${(e as Error).stack ?? e}`);
  }
}

/** Settings paths may be relative to the workspace. */
function abs(root: string, p: string | undefined): string | undefined {
  if (!p) return undefined;
  if (p.startsWith('file:')) return fileURLToPath(p);
  return path.resolve(root, p);
}
