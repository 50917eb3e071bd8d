/**
 * Wires the trace feature area into the language server: import and record (with work-done
 * progress and Cancel), the loaded trace's hover section, CodeLens, heat and not-seen marks,
 * the Trace Explorer's tree, probe candidates, flame-graph data, and document links in ftrace
 * text. The analysis is in ../features/trace; this file only translates.
 */
import * as path from 'node:path';
import { DocumentLink, ResponseError, type CancellationToken, type CodeLens, type Location } from 'vscode-languageserver/node';
import { TraceFormatError } from '../ftrace/detect';
import { importTrace } from '../ftrace/importTrace';
import { lostNote, type TraceModel } from '../ftrace/model';
import { recordAndImport, RecordError } from '../ftrace/record';
import { TraceDatError } from '../ftrace/traceDat/errors';
import type { KernelIndex } from '../index/kernelIndex';
import type { FunctionDef } from '../index/model';
import { probeCandidates } from '../features/trace/candidates';
import { functionVerdict } from '../stability/verdict';
import { treeChildren, type NodeRef } from '../features/trace/callTree';
import { CommandLineError, splitCommandLine } from '../features/trace/commandLine';
import { functionNameRanges } from '../features/trace/documentLinks';
import { fileMarks, heatScale } from '../features/trace/fileMarks';
import { flameGraph } from '../features/trace/flame';
import { traceHoverSection } from '../features/trace/hoverSection';
import { reverseEdges } from '../features/trace/lookup';
import { notSeenFunctions, type NotSeen } from '../features/trace/notSeen';
import { TraceStore, type LoadedTrace } from '../features/trace/store';
import type { FeatureContext } from './context';

export const TRACE_CHANGED = 'kpn/trace/changed';

const ERR = { untrusted: -32001, failed: -32002, cancelled: -32800 } as const;

export interface TraceSummary {
  source: string;
  format: string;
  formatDetail: string;
  content: TraceModel['content'];
  lines: number;
  records: number;
  functions: number;
  syscalls: number;
  events: number;
  processes: number;
  skipped: number;
  skippedSamples: { line: number; reason: string; text: string }[];
  /** The events the recording lost, said for a user (lostNote), or null. */
  lost: string | null;
  recording?: LoadedTrace['recording'];
}

export function registerTrace(ctx: FeatureContext): void {
  const store = new TraceStore();
  let running: AbortController | undefined;

  const indexGen = (index: KernelIndex) => index.generation;
  const reverse = (t: LoadedTrace) => store.cached('reverse', 0, () => reverseEdges(t.model));
  const notSeen = (t: LoadedTrace, index: KernelIndex): Map<string, NotSeen> =>
    store.cached('notSeen', indexGen(index), () => notSeenFunctions(t.model, index));
  const marksOf = (t: LoadedTrace, index: KernelIndex, file: string) =>
    fileMarks(t.model, index, file, notSeen(t, index), store.cached('heatScale', 0, () => heatScale(t.model)));
  const defLocation = (def: FunctionDef): Location => ctx.toLocation({ file: def.file, start: def.nameSpan.start, end: def.nameSpan.end });
  const locate = (index: KernelIndex, name: string): Location | undefined => {
    const def = index.resolve(name)[0];
    return def && defLocation(def);
  };

  ctx.addHoverSection((e, index) => {
    const t = store.current;
    return t && traceHoverSection(t, e, reverse(t), notSeen(t, index));
  });

  ctx.addLensProvider((file, index): CodeLens[] => {
    const t = store.current;
    if (!t) return [];
    return marksOf(t, index, file).map((m) => ({
      range: { start: { line: m.nameLine, character: m.nameCol }, end: { line: m.nameLine, character: m.nameCol } },
      command: m.kind === 'traced'
        ? { title: m.title, command: '' }
        : { title: `${m.title} (callers seen: ${m.notSeenCallers!.slice(0, 3).join(', ')}${m.notSeenCallers!.length > 3 ? ', …' : ''})`, command: '' },
    }));
  });

  const changed = () => {
    const t = store.current;
    void ctx.connection.sendNotification(TRACE_CHANGED, t ? summary(t) : null);
    // The client re-asks for lenses; older clients without refresh support just ignore it.
    ctx.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  };
  store.onChange(changed);
  ctx.onIndexChanged(() => { if (store.current) changed(); });

  /** Runs an import or recording with progress and Cancel; one at a time, a new one cancels the last. */
  const withProgress = async (title: string, token: CancellationToken, work: (signal: AbortSignal, report: (msg: string, pct?: number) => void) => Promise<LoadedTrace>) => {
    running?.abort();
    const ac = new AbortController();
    running = ac;
    token.onCancellationRequested(() => ac.abort());
    let progress: Awaited<ReturnType<typeof ctx.connection.window.createWorkDoneProgress>> | undefined;
    try {
      progress = await ctx.connection.window.createWorkDoneProgress();
      progress.begin(title, 0, '', true);
      progress.token.onCancellationRequested(() => ac.abort());
    } catch { /* a client without work-done progress still gets the result */ }
    try {
      const t = await work(ac.signal, (msg, pct) => progress?.report(pct ?? 0, msg));
      store.set(t);
      ctx.log(`trace loaded from ${t.source}: ${t.model.format}, ${t.model.records} records, ${t.model.functions.size} functions`);
      return summary(t);
    } catch (e) {
      throw asResponseError(e, ac.signal.aborted);
    } finally {
      progress?.done();
      if (running === ac) running = undefined;
    }
  };

  ctx.connection.onRequest('kpn/trace/import', async ({ path: file }: { path: string }, token) => {
    if (typeof file !== 'string' || file === '') throw new ResponseError(ERR.failed, 'no trace file given');
    const abs = path.resolve(ctx.root(), file);
    return withProgress(`Importing ${path.basename(abs)}`, token, async (signal, report) => {
      const model = await importTrace(abs, {
        signal,
        onProgress: (done, total) => report(`${mb(done)} of ${mb(total)} MB`, total ? Math.floor((done / total) * 100) : 0),
      });
      return { model, source: abs, loadedAt: Date.now() };
    });
  });

  ctx.connection.onRequest('kpn/trace/run', async ({ command, bufferKb }: { command: string; bufferKb?: number }, token) => {
    if (!ctx.trusted()) {
      throw new ResponseError(ERR.untrusted, 'Tracing a command runs it with root privileges; this workspace is not trusted (Workspaces: Manage Workspace Trust).', { code: 'EUNTRUSTED' });
    }
    let argv: string[];
    try {
      argv = splitCommandLine(String(command ?? ''));
    } catch (e) {
      throw new ResponseError(ERR.failed, (e as Error).message, { code: 'EINVAL' });
    }
    return withProgress(`Tracing ${argv.join(' ')}`, token, async (signal, report) => {
      report('checking what this kernel can trace, then running the command…');
      const r = await recordAndImport(argv, {
        signal,
        // 0 or absent: the kernel's current size.
        bufferKb: bufferKb ? bufferKb : undefined,
        commandOutput: 'ignore',
        onProgress: (done, total) => report(`importing ${mb(done)} of ${mb(total)} MB`, total ? Math.floor((done / total) * 100) : 0),
      });
      for (const m of r.messages) ctx.log(`trace run: ${m}`);
      return { model: r.model, source: `command: ${argv.join(' ')}`, loadedAt: Date.now(), recording: { method: r.method, messages: r.messages, commandExitCode: r.commandExitCode } };
    });
  });

  ctx.connection.onRequest('kpn/trace/cancel', () => { running?.abort(); });
  ctx.connection.onRequest('kpn/trace/clear', () => { store.set(undefined); });
  ctx.connection.onRequest('kpn/trace/status', () => (store.current ? summary(store.current) : null));

  ctx.connection.onRequest('kpn/trace/children', ({ parent }: { parent?: NodeRef }) => {
    const t = store.current;
    if (!t) return [];
    const index = ctx.service()?.index;
    return treeChildren(t.model, t.source, parent).map((n) => ({
      ...n,
      location: index && (n.kind === 'function' || n.kind === 'syscall') && n.name ? locate(index, n.kind === 'syscall' ? `__x64_sys_${n.name}` : n.name) : undefined,
    }));
  });

  ctx.connection.onRequest('kpn/trace/candidates', ({ syscall, want, limit }: { syscall: string; want?: string; limit?: number }) => {
    const t = store.current;
    const index = ctx.service()?.index;
    if (!t || !index) return [];
    const verdictOf = (n: string) => {
      try {
        return functionVerdict(index, n, undefined, { alternatives: false });
      } catch (e) {
        // A verdict that fails costs its reason line, not the ranking.
        ctx.log(`stability verdict for ${n}: ${(e as Error).message}`);
        return undefined;
      }
    };
    return probeCandidates(t.model, index, String(syscall), { want, limit: limit ?? 50, verdictOf })
      .map(({ def, ...c }) => ({ ...c, location: def && defLocation(def), signature: def?.signature }));
  });

  ctx.connection.onRequest('kpn/trace/flame', () => {
    const t = store.current;
    return t ? { source: t.source, ...store.cached('flame', 0, () => flameGraph(t.model)) } : null;
  });

  ctx.connection.onRequest('kpn/trace/locate', ({ name }: { name: string }) => {
    const index = ctx.service()?.index;
    return (index && typeof name === 'string' && locate(index, name.replace(/^syscall /, '__x64_sys_'))) || null;
  });

  ctx.connection.onRequest('kpn/trace/fileHeat', ({ uri }: { uri: string }) => {
    const t = store.current;
    const index = ctx.service()?.index;
    const file = ctx.rel(uri);
    if (!t || !index || !file) return [];
    return marksOf(t, index, file).map(({ notSeenCallers: _callers, ...m }) => m);
  });

  ctx.connection.onDocumentLinks(({ textDocument }) => {
    const doc = ctx.documents.get(textDocument.uri);
    const index = ctx.service()?.index;
    if (!doc || !index || doc.languageId === 'c' || doc.languageId === 'cpp') return [];
    const links: DocumentLink[] = [];
    // One lookup per name: the predicate keeps the location it found for the link.
    const found = new Map<string, Location | undefined>();
    const known = (n: string) => {
      if (!found.has(n)) found.set(n, locate(index, n));
      return found.get(n) !== undefined;
    };
    for (const r of functionNameRanges(doc.getText(), known)) {
      const loc = found.get(r.name)!;
      const line = loc.range.start.line + 1;
      links.push({
        range: { start: { line: r.line, character: r.start }, end: { line: r.line, character: r.end } },
        target: `${loc.uri}#L${line},${loc.range.start.character + 1}`,
        tooltip: `${r.name} — ${ctx.rel(loc.uri) ?? loc.uri}:${line}`,
      });
    }
    return links;
  });
}

function summary(t: LoadedTrace): TraceSummary {
  const m = t.model;
  return {
    source: t.source, format: m.format, formatDetail: m.formatDetail, content: m.content, lines: m.lines, records: m.records,
    functions: m.functions.size, syscalls: m.syscalls.size, events: m.events.size, processes: m.processes.size,
    skipped: m.skipped.count, skippedSamples: m.skipped.samples.slice(0, 3), lost: lostNote(m), recording: t.recording,
  };
}

function asResponseError(e: unknown, aborted: boolean): ResponseError<unknown> {
  if (e instanceof ResponseError) return e;
  if (aborted || (e as Error)?.name === 'AbortError') return new ResponseError(ERR.cancelled, 'cancelled', { code: 'ECANCELLED' });
  const err = e as NodeJS.ErrnoException;
  if (e instanceof TraceFormatError || e instanceof TraceDatError || e instanceof RecordError || e instanceof CommandLineError || typeof err?.code === 'string') {
    return new ResponseError(ERR.failed, err.message, { code: err.code ?? err.constructor?.name });
  }
  return new ResponseError(ERR.failed, `unexpected error: ${err?.message ?? String(e)}`);
}

function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0);
}
