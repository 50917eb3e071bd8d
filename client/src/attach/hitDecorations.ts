/** Live hit counts drawn after the line each probe was attached from. */
import * as vscode from 'vscode';
import { describe } from './sessionView';
import type { Session } from './types';

export class HitDecorations implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
    isWholeLine: true,
  });
  private sessions: Session[] = [];
  private readonly sub = vscode.window.onDidChangeVisibleTextEditors(() => this.render());

  update(sessions: Session[]): void {
    this.sessions = sessions;
    this.render();
  }

  private render(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const here = this.sessions.filter((s) => s.uri && s.line !== undefined && vscode.Uri.parse(s.uri).fsPath === editor.document.uri.fsPath);
      editor.setDecorations(this.type, here.map((s) => ({
        range: new vscode.Range(s.line!, 0, s.line!, 0),
        renderOptions: { after: { contentText: `⚡ ${s.target}: ${describe(s)}` } },
      })));
    }
  }

  dispose(): void {
    this.sub.dispose();
    this.type.dispose();
  }
}
