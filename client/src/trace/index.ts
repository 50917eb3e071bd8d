/** Client-side trace UI: commands, the Trace Explorer, heat decorations, the flame graph; analysis stays in the server. */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import * as lsp from 'vscode-languageclient/node';
import { TraceExplorer } from './explorer';
import { FlamePanel } from './flamePanel';
import { HeatDecorations } from './heat';
import { TRACE_CHANGED, type Candidate, type TraceSummary, type TreeNode } from './protocol';

const CANCELLED = -32800;

export function registerTraceUi(context: vscode.ExtensionContext, client: LanguageClient): void {
  const explorer = new TraceExplorer(client);
  const heat = new HeatDecorations(client);
  // From the explorer the focus stays in the tree, so the keyboard can go on walking it
  const openLocation = async (loc: lsp.Location, preserveFocus = false) => {
    const l = client.protocol2CodeConverter.asLocation(loc);
    await vscode.window.showTextDocument(l.uri, { selection: l.range, preview: true, preserveFocus, viewColumn: vscode.ViewColumn.One });
  };
  const openFunction = async (name: string) => {
    const loc = await client.sendRequest<lsp.Location | null>('kpn/trace/locate', { name });
    if (loc) await openLocation(loc);
    else void vscode.window.showInformationMessage(`${name} has no definition in this tree (a function of another kernel version, a module outside it, or an assembly symbol).`);
  };
  const flame = new FlamePanel(context, client, openFunction);
  const offered = new Set<string>();

  const onLoaded = (s: TraceSummary | null) => {
    void vscode.commands.executeCommand('setContext', 'kpn.traceLoaded', s !== null);
    explorer.refresh();
    void heat.refresh();
    void flame.update();
  };

  context.subscriptions.push(
    heat,
    vscode.window.registerTreeDataProvider('kpn.traceExplorer', explorer),
    client.onNotification(TRACE_CHANGED, onLoaded),
    vscode.window.onDidChangeVisibleTextEditors((eds) => void heat.refresh(eds)),
    vscode.workspace.onDidOpenTextDocument((doc) => void offerImport(doc, offered)),
    vscode.commands.registerCommand('kpn.trace.import', (arg?: vscode.Uri | string) => importTrace(client, arg)),
    vscode.commands.registerCommand('kpn.trace.run', (cmd?: string) => traceCommand(client, cmd)),
    vscode.commands.registerCommand('kpn.trace.clear', () => client.sendRequest('kpn/trace/clear')),
    vscode.commands.registerCommand('kpn.trace.flameGraph', () => flame.show()),
    vscode.commands.registerCommand('kpn.trace.openLocation', openLocation),
    vscode.commands.registerCommand('kpn.trace.probeCandidates', (node?: TreeNode, want?: string) => probeCandidates(client, node, want, openLocation)),
  );
  for (const doc of vscode.workspace.textDocuments) void offerImport(doc, offered);
  void client.sendRequest<TraceSummary | null>('kpn/trace/status').then(onLoaded, () => undefined);
}

/** Runs a server request with a cancellable notification; the server reports detailed progress itself. */
async function withCancel<T>(client: LanguageClient, title: string, method: string, params: unknown): Promise<T | undefined> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_p, token) => {
    try {
      return await client.sendRequest<T>(method, params, token);
    } catch (e) {
      if (e instanceof lsp.ResponseError && e.code === CANCELLED) {
        void vscode.window.showInformationMessage(`${title}: cancelled.`);
        return undefined;
      }
      void vscode.window.showErrorMessage(`${title} failed: ${(e as Error).message}`);
      return undefined;
    }
  });
}

async function importTrace(client: LanguageClient, arg?: vscode.Uri | string): Promise<TraceSummary | undefined> {
  let file = typeof arg === 'string' ? arg : arg?.fsPath;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Import trace', openLabel: 'Import', canSelectMany: false,
      filters: { 'Traces (trace.dat, trace-cmd report, tracefs, perf ftrace, profile)': ['dat', 'txt', 'trace', 'ftrace', 'report', 'log'], 'All files': ['*'] },
    });
    file = picked?.[0]?.fsPath;
  }
  if (!file) return undefined;
  const s = await withCancel<TraceSummary>(client, `Importing ${file.slice(file.lastIndexOf('/') + 1)}`, 'kpn/trace/import', { path: file });
  if (s) tell(s, describe(s));
  return s;
}

async function traceCommand(client: LanguageClient, given?: string): Promise<TraceSummary | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage('Trace this command runs the command with root privileges: trust this workspace first (Workspaces: Manage Workspace Trust).');
    return undefined;
  }
  const cmd = given ?? await vscode.window.showInputBox({
    title: 'Trace this command',
    prompt: 'Command to run and trace (no shell: quotes group words; use sh -c \'…\' for pipes)',
    placeHolder: 'curl -s http://example.com',
    ignoreFocusOut: true,
  });
  if (!cmd?.trim()) return undefined;
  const s = await withCancel<TraceSummary>(client, `Tracing ${cmd}`, 'kpn/trace/run', { command: cmd, bufferKb: vscode.workspace.getConfiguration('kpn').get<number>('trace.bufferKb') || undefined });
  if (!s) return undefined;
  const r = s.recording;
  if (r && r.method !== 'function_graph') {
    // Each fallback has a reason the user needs to see (tracer not built, refused by the kernel, …).
    void vscode.window.showWarningMessage(`${describe(s)} Recorded with ${r.method === 'events' ? 'tracepoint events only (syscalls + sched)' : `the ${r.method} tracer`}: ${r.messages.join('; ')}.`);
  } else {
    tell(s, describe(s));
  }
  return s;
}

/** A trace that lost events is a warning, not news. */
function tell(s: TraceSummary, text: string): void {
  if (s.lost) void vscode.window.showWarningMessage(text);
  else void vscode.window.showInformationMessage(text);
}

function describe(s: TraceSummary): string {
  const name = s.source.startsWith('command: ') ? `\`${s.source.slice(9)}\`` : s.source.slice(s.source.lastIndexOf('/') + 1);
  const parts = [`${s.records.toLocaleString('en-US')} records`, `${s.functions.toLocaleString('en-US')} functions`, `${s.syscalls} syscalls`, `${s.events} event kinds`];
  const exit = s.recording && s.recording.commandExitCode !== 0 ? ` The command exited with ${s.recording.commandExitCode ?? 'a signal'}.` : '';
  const skipped = s.skipped ? ` ${s.skipped} lines skipped (first: line ${s.skippedSamples[0]?.line}: ${s.skippedSamples[0]?.reason}).` : '';
  const lost = s.lost ? ` Warning: ${s.lost}.` : '';
  return `Trace ${name} loaded (${s.format}${s.formatDetail ? `, ${s.formatDetail}` : ''}): ${parts.join(', ')}.${exit}${skipped}${lost}`;
}

async function probeCandidates(client: LanguageClient, node: TreeNode | undefined, want: string | undefined, open: (l: lsp.Location) => Promise<void>): Promise<Candidate[] | undefined> {
  const syscall = node?.syscall ?? node?.name;
  if (!syscall) return undefined;
  const list = await client.sendRequest<Candidate[]>('kpn/trace/candidates', { syscall, want });
  if (list.length === 0) {
    void vscode.window.showInformationMessage(`No function calls recorded inside ${syscall}: candidates need a function_graph or function trace.`);
    return list;
  }
  const items = list.map((c) => ({
    label: c.name,
    description: `score ${c.score} · ×${c.calls}${c.verdict ? ` · ${c.verdict}` : ''}`,
    detail: c.reasons.join(' · ') || 'nothing speaks for it',
    candidate: c,
  }));
  void vscode.window.showQuickPick(items, { title: `Probe candidates in ${syscall}`, matchOnDetail: true, placeHolder: 'Best first; pick one to open its source' })
    .then((p) => p?.candidate.location && open(p.candidate.location));
  return list;
}

/** Opening ftrace text (or a trace.dat the editor shows as binary) offers to import it, once per file. */
async function offerImport(doc: vscode.TextDocument, offered: Set<string>): Promise<void> {
  if (doc.uri.scheme !== 'file' || offered.has(doc.uri.fsPath)) return;
  if (doc.languageId !== 'ftrace' && !doc.uri.fsPath.endsWith('.dat')) return;
  offered.add(doc.uri.fsPath);
  const pick = await vscode.window.showInformationMessage(`Import ${doc.uri.fsPath.slice(doc.uri.fsPath.lastIndexOf('/') + 1)} as a trace (counts in hovers and CodeLens, Trace Explorer)?`, 'Import');
  if (pick === 'Import') await vscode.commands.executeCommand('kpn.trace.import', doc.uri);
}
