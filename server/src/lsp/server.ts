/**
 * Protocol glue: maps LSP requests onto the pure features in ../features and keeps the
 * IndexService informed of document and file changes. No analysis happens here.
 */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeLens, DidChangeWatchedFilesNotification, FileChangeType, Hover, Location, MarkupKind, ProposedFeatures,
  SymbolKind, TextDocuments, TextDocumentSyncKind, createConnection, type Connection,
  type DocumentSymbol, type InitializeParams, type SymbolInformation,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { opsLenses } from '../features/codeLens';
import { definitions } from '../features/definition';
import { explain } from '../features/explain';
import type { Loc } from '../features/locations';
import { hoverMarkdown } from '../features/hover';
import { references } from '../features/references';
import { symbolAt } from '../features/symbolAt';
import { documentSymbols, workspaceSymbols } from '../features/symbols';
import { registerAttach } from './attachGlue';
import type { FeatureContext, HoverSection, InitOptions, LensProvider } from './context';
import { registerHistory } from './historyGlue';
import { IndexService, type IndexStatus, type Progress } from './indexService';
import { registerStability } from './stabilityGlue';
import { registerTrace } from './traceGlue';

export type { InitOptions } from './context';

const STATUS_NOTIFICATION = 'kpn/status';
const EDIT_DEBOUNCE_MS = 300;

export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): void {
  const documents = new TextDocuments(TextDocument);
  let service: IndexService | undefined;
  let root = '';
  let watchDynamically = false;
  let init: InitOptions = {};
  let trustGranted = false;
  let headline: HoverSection | undefined;
  const hoverSections: HoverSection[] = [];
  const lensProviders: LensProvider[] = [];
  const indexListeners: (() => void)[] = [];
  const editTimers = new Map<string, NodeJS.Timeout>();
  const log = (line: string) => connection.console.log(line);

  const rel = (uri: string): string | undefined => {
    if (!uri.startsWith('file:')) return undefined;
    const r = path.relative(root, fileURLToPath(uri));
    return r.startsWith('..') || path.isAbsolute(r) ? undefined : r.split(path.sep).join('/');
  };
  const toLocation = (l: Loc): Location => Location.create(pathToFileURL(path.join(root, l.file)).toString(),
    { start: { line: l.start.line, character: l.start.col }, end: { line: l.end.line, character: l.end.col } });
  const lineOf = (uri: string, line: number): string | undefined => {
    const doc = documents.get(uri);
    if (doc) return doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
    return undefined;
  };

  const ctx: FeatureContext = {
    connection, documents, log, rel, toLocation,
    service: () => service,
    root: () => root,
    init: () => init,
    trusted: () => trustGranted || init.trusted !== false,
    setHoverHeadline: (p) => { headline = p; },
    addHoverSection: (p) => { hoverSections.push(p); },
    addLensProvider: (p) => { lensProviders.push(p); },
    onIndexChanged: (cb) => { indexListeners.push(cb); },
  };
  // A feature area that throws must cost its own contribution, not the request.
  const guarded = <T>(what: string, f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      log(`${what}: ${(e as Error).stack ?? e}`);
      return undefined;
    }
  };
  registerStability(ctx);
  registerHistory(ctx);
  registerTrace(ctx);
  registerAttach(ctx);

  connection.onInitialize((params: InitializeParams) => {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    root = folder ? fileURLToPath(folder) : process.cwd();
    init = (params.initializationOptions ?? {}) as InitOptions;
    watchDynamically = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    service = new IndexService({
      root,
      cacheDir: init.cacheDir,
      workers: init.workers,
      exclude: init.exclude,
      limits: init.maxFileSizeMB ? { maxParseBytes: init.maxFileSizeMB * 1048576, maxScanBytes: Math.max(64, init.maxFileSizeMB) * 1048576 } : undefined,
      log,
      onStatus: (s: IndexStatus) => {
        void connection.sendNotification(STATUS_NOTIFICATION, s);
        if (s.state === 'ready') for (const cb of indexListeners) guarded('index listener', cb);
      },
      beginProgress: async (title) => beginProgress(connection, title),
    });
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        workspaceSymbolProvider: true,
        documentSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
        documentLinkProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'kernel-probe-navigator' },
    };
  });

  connection.onInitialized(() => {
    if (watchDynamically) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{c,h}' }] });
    }
    void service!.start();
  });

  // onDidChangeContent also fires when a document opens; its text is then what is on disk and
  // already indexed, and re-indexing it would rebuild every lookup table on the next request.
  const openedAt = new Map<string, number>();
  documents.onDidOpen((e) => openedAt.set(e.document.uri, e.document.version));
  documents.onDidClose((e) => openedAt.delete(e.document.uri));
  documents.onDidChangeContent((e) => {
    if (openedAt.get(e.document.uri) === e.document.version) return;
    const r = rel(e.document.uri);
    if (!r || !service || !/\.[ch]$/.test(r)) return;
    clearTimeout(editTimers.get(r));
    editTimers.set(r, setTimeout(() => { editTimers.delete(r); service!.updateFromText(r, e.document.getText()); }, EDIT_DEBOUNCE_MS));
  });

  connection.onDidChangeWatchedFiles(({ changes }) => {
    for (const c of changes) {
      const r = rel(c.uri);
      if (!r || !service) continue;
      if (c.type === FileChangeType.Deleted) service.remove(r);
      else if (!documents.get(c.uri)) void service.updateFromDisk(r);
    }
  });

  const symbolFor = (uri: string, line: number, character: number) => {
    const text = lineOf(uri, line);
    return text === undefined ? undefined : symbolAt(text, character);
  };

  connection.onHover(({ textDocument, position }): Hover | null => {
    const sym = symbolFor(textDocument.uri, position.line, position.character);
    if (!sym || !service) return null;
    const index = service.index;
    const md = hoverMarkdown(index, sym, {
      headline: headline && ((e) => guarded('hover headline', () => headline!(e, index))),
      sections: hoverSections.map((p) => (e) => guarded('hover section', () => p(e, index))),
    });
    if (!md) return null;
    return { contents: { kind: MarkupKind.Markdown, value: md }, range: { start: { line: position.line, character: sym.startCol }, end: { line: position.line, character: sym.endCol } } };
  });

  connection.onDefinition(({ textDocument, position }) => {
    const sym = symbolFor(textDocument.uri, position.line, position.character);
    if (!sym || !service) return null;
    return definitions(service.index, sym).map(toLocation);
  });

  connection.onReferences(({ textDocument, position, context }) => {
    const sym = symbolFor(textDocument.uri, position.line, position.character);
    if (!sym || !service) return null;
    return references(service.index, sym.name, context.includeDeclaration).map(toLocation);
  });

  connection.onWorkspaceSymbol(({ query }): SymbolInformation[] => {
    if (!service) return [];
    return workspaceSymbols(service.index, query).map((h) => ({
      name: h.name,
      kind: h.kind === 'function' ? SymbolKind.Function : SymbolKind.Struct,
      containerName: h.container ?? h.file,
      location: toLocation({ file: h.file, start: { line: h.line, col: h.col }, end: { line: h.line, col: h.col + h.name.length } }),
    }));
  });

  connection.onDocumentSymbol(({ textDocument }): DocumentSymbol[] => {
    const r = rel(textDocument.uri);
    if (!r || !service) return [];
    return documentSymbols(service.index, r).map((s) => ({
      name: s.name,
      detail: s.detail,
      kind: s.kind === 'function' ? SymbolKind.Function : SymbolKind.Struct,
      range: { start: { line: s.start.line, character: s.start.col }, end: { line: s.end.line, character: s.end.col } },
      selectionRange: { start: { line: s.selection.line, character: s.selection.col }, end: { line: s.selection.line, character: s.selection.col + s.selection.length } },
    }));
  });

  connection.onCodeLens(({ textDocument }): CodeLens[] => {
    const r = rel(textDocument.uri);
    if (!r || !service) return [];
    const index = service.index;
    const lenses: CodeLens[] = [];
    for (const p of lensProviders) lenses.push(...(guarded('code lens', () => p(r, index)) ?? []));
    return lenses.concat(opsLenses(index, r).map((l) => ({
      range: { start: { line: l.line, character: l.col }, end: { line: l.line, character: l.col } },
      command: {
        title: l.title,
        command: 'kpn.showOpsRegistrations',
        arguments: [l.ops.map((o) => toLocation({ file: o.file, start: o.pos, end: { line: o.pos.line, col: o.pos.col + o.fn.length } }))],
      },
    })));
  });

  // The client says so when the user trusts the workspace after start-up.
  connection.onNotification('kpn/trustGranted', () => { trustGranted = true; });
  connection.onRequest('kpn/indexStatus', () => service?.getStatus());
  connection.onRequest('kpn/reindex', async () => { await service?.reindex(false); return service?.getStatus(); });
  connection.onRequest('kpn/cancelIndexing', () => service?.cancel());
  connection.onRequest('kpn/explain', ({ name }: { name: string }) => (service ? explain(service.index, name) : []));
  connection.onShutdown(async () => {
    service?.dispose();
    if (service?.getStatus().state === 'ready') await service.save();
  });

  documents.listen(connection);
  connection.listen();
}

async function beginProgress(connection: Connection, title: string): Promise<Progress | undefined> {
  try {
    const reporter = await connection.window.createWorkDoneProgress();
    reporter.begin(title, 0, 'listing files…', true);
    return {
      report: (done, total) => reporter.report(total ? Math.floor((done / total) * 100) : 0, `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} files`),
      done: () => reporter.done(),
      onCancel: (cb) => reporter.token.onCancellationRequested(cb),
    };
  } catch {
    return undefined;
  }
}


