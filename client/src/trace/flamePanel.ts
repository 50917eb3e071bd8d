/**
 * The flame graph (icicle) of the loaded trace in a webview: media/flame.js draws it from the
 * server's kpn/trace/flame data; clicking a frame opens that function's source. No remote
 * content: a nonce-locked script and the extension's own stylesheet only.
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

export class FlamePanel {
  private panel: vscode.WebviewPanel | undefined;

  constructor(private readonly context: vscode.ExtensionContext, private readonly client: LanguageClient, private readonly open: (name: string) => Promise<void>) {}

  async show(): Promise<void> {
    if (!this.panel) {
      const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
      this.panel = vscode.window.createWebviewPanel('kpn.flameGraph', 'Trace flame graph', vscode.ViewColumn.Beside, {
        enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: true,
      });
      this.panel.onDidDispose(() => { this.panel = undefined; });
      this.panel.webview.onDidReceiveMessage(async (m: { type: string; name?: string }) => {
        if (m.type === 'ready') await this.update();
        else if (m.type === 'open' && typeof m.name === 'string') await this.open(m.name);
      });
      this.panel.webview.html = this.html(this.panel.webview, media);
    } else {
      this.panel.reveal();
      await this.update();
    }
  }

  /** Sends the current trace's graph (null when none is loaded); a no-op while the panel is closed. */
  async update(): Promise<void> {
    if (!this.panel) return;
    const graph = await this.client.sendRequest('kpn/trace/flame');
    await this.panel.webview.postMessage({ type: 'data', graph });
  }

  private html(webview: vscode.Webview, media: vscode.Uri): string {
    const nonce = crypto.randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'flame.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'flame.css'));
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${style}">
<title>Trace flame graph</title></head>
<body><header id="head">Loading…</header><div id="detail"></div><div id="graph" role="tree"></div>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
  }
}
