/** Starts the language server and registers the few client-side commands; features live in the server. */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { registerAttachUi } from './attach';
import { IndexStatusBar, type IndexStatus } from './statusBar';
import { registerTraceUi } from './trace';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const serverModule = context.asAbsolutePath('server/out/main.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const config = vscode.workspace.getConfiguration('kpn');
  const storage = context.storageUri ?? context.globalStorageUri;
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'c' }, { scheme: 'file', language: 'cpp', pattern: '**/*.h' }, { scheme: 'file', language: 'ftrace' }],
    initializationOptions: {
      cacheDir: storage.fsPath,
      workers: config.get<number>('index.workers') || undefined,
      exclude: config.get<string[]>('index.exclude'),
      maxFileSizeMB: config.get<number>('index.maxFileSizeMB'),
      trusted: vscode.workspace.isTrusted,
      // Machine scope: VS Code never takes this from a workspace's settings.json.
      helperPath: config.inspect<string>('attach.helperPath')?.globalValue || undefined,
    },
    outputChannelName: 'Kernel Probe Navigator',
  };
  client = new LanguageClient('kpn', 'Kernel Probe Navigator', serverOptions, clientOptions);

  const statusBar = new IndexStatusBar();
  context.subscriptions.push(statusBar);
  context.subscriptions.push(
    vscode.commands.registerCommand('kpn.indexStatus', async () => (await client?.sendRequest<IndexStatus>('kpn/indexStatus')) ?? statusBar.status),
    vscode.commands.registerCommand('kpn.reindex', () => client?.sendRequest('kpn/reindex')),
    vscode.commands.registerCommand('kpn.cancelIndexing', () => client?.sendRequest('kpn/cancelIndexing')),
    vscode.commands.registerCommand('kpn.showIndexStatus', () => client?.outputChannel.show()),
    vscode.commands.registerCommand('kpn.showOpsRegistrations', async (locations: unknown[]) => {
      const editor = vscode.window.activeTextEditor;
      if (!client || !editor || !Array.isArray(locations)) return;
      const locs = await Promise.all(locations.map((l) => client!.protocol2CodeConverter.asLocation(l as never)));
      await vscode.commands.executeCommand('editor.action.peekLocations', editor.document.uri, editor.selection.active, locs, 'peek');
    }),
  );

  client.onNotification('kpn/status', (s: IndexStatus) => statusBar.update(s));
  // A workspace trusted after start-up may attach probes and trace commands from then on.
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void client?.sendNotification('kpn/trustGranted')));
  await client.start();
  registerTraceUi(context, client);
  registerAttachUi(context, client);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
