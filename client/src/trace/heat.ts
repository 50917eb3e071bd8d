/**
 * Heat on the source: the name line of every traced function gets a background whose strength
 * follows its share of the trace's time (or calls), and functions whose callers ran but which
 * never appear get a "not seen: inlined or not called" note.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { FunctionMark } from './protocol';

const LEVELS = 5;

export class HeatDecorations implements vscode.Disposable {
  private readonly levels: vscode.TextEditorDecorationType[];
  private readonly notSeen: vscode.TextEditorDecorationType;

  constructor(private readonly client: LanguageClient) {
    this.levels = Array.from({ length: LEVELS }, (_, i) => vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: `rgba(255, 110, 0, ${(0.08 + (0.32 * i) / (LEVELS - 1)).toFixed(2)})`,
      overviewRulerColor: `rgba(255, 110, 0, ${(0.4 + (0.6 * i) / (LEVELS - 1)).toFixed(2)})`,
      overviewRulerLane: vscode.OverviewRulerLane.Right,
    }));
    this.notSeen = vscode.window.createTextEditorDecorationType({
      after: { contentText: '  not seen: inlined or not called', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
    });
  }

  async refresh(editors: readonly vscode.TextEditor[] = vscode.window.visibleTextEditors): Promise<void> {
    await Promise.all(editors.filter((e) => e.document.uri.scheme === 'file' && /\.[ch]$/.test(e.document.uri.fsPath)).map((e) => this.apply(e)));
  }

  private async apply(editor: vscode.TextEditor): Promise<void> {
    let marks: FunctionMark[] = [];
    try {
      marks = await this.client.sendRequest<FunctionMark[]>('kpn/trace/fileHeat', { uri: editor.document.uri.toString() });
    } catch { /* server restarting: leave the editor undecorated */ }
    const byLevel: vscode.DecorationOptions[][] = this.levels.map(() => []);
    const notSeen: vscode.DecorationOptions[] = [];
    for (const m of marks) {
      const range = new vscode.Range(m.nameLine, 0, m.nameLine, 0);
      if (m.kind === 'notSeen') {
        notSeen.push({ range: editor.document.lineAt(Math.min(m.nameLine, editor.document.lineCount - 1)).range });
        continue;
      }
      const level = Math.min(LEVELS - 1, Math.floor(m.intensity * LEVELS));
      // No hover message: the LSP hover already carries the trace section.
      byLevel[level].push({ range });
    }
    this.levels.forEach((d, i) => editor.setDecorations(d, byLevel[i]));
    editor.setDecorations(this.notSeen, notSeen);
  }

  dispose(): void {
    for (const d of this.levels) d.dispose();
    this.notSeen.dispose();
  }
}
